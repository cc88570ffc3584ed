/*
 * Preloaded (LD_PRELOAD) into GCC's C++ compiles that read a precompiled header; see
 * src/languages/precompiled-headers.ts for where and src/languages/pch-build.ts for how it is built.
 *
 * Why: a compile that reads bits/stdc++.h's .gch spends much of its time in the kernel, faulting
 * memory in 4 KiB at a time:
 *  - cc1plus maps the ~100 MB .gch privately and writable (MAP_PRIVATE, PROT_WRITE) and writes
 *    into it as it compiles. A read maps the neighbouring pages read-only, so each later write is a
 *    copy-on-write fault that must also flush the TLB entry it replaces; on a virtual machine a
 *    flush is a trip to the hypervisor.
 *  - Its garbage-collected heap grows in 2 MiB anonymous mappings, each touched page a fault.
 * On our 2-core VM that was over a third of an empty program's compile. So this library
 *  - gives the .gch's mapping anonymous memory at the same address, asks for huge pages and reads
 *    the file into it: one fault per 2 MiB and one copy, and no copy-on-write afterwards;
 *  - asks for huge pages on every other anonymous mapping of 2 MiB or more (the heap's chunks).
 * The memory holds the same bytes at the same addresses, so the compile's output is the same; only
 * how the kernel backs the memory changes. Where huge pages are off (transparent_hugepage=never)
 * the advice is ignored and the reading still saves the copy-on-write faults. Anything that fails
 * falls back to the call the compiler made.
 *
 * Only large private writable mappings are touched, which in a compiler are the .gch and the heap:
 * the dynamic loader and the C library map through their own internal calls, not this symbol.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <unistd.h>

/* A .gch of the standard library is ~100 MB; smaller file mappings fault in cheaply enough. */
#define READ_FILE_FROM_BYTES ((size_t)16 << 20)
/* The size of an x86-64 huge page: smaller anonymous mappings cannot use one. */
#define HUGE_PAGE_BYTES ((size_t)2 << 20)

typedef void *(*mmap_fn)(void *, size_t, int, int, int, off_t);

/* Resolved once each: cc1plus grows its heap in many calls. */
static mmap_fn next_mmap, next_mmap64;

/* Fills `length` bytes at `to` from the file at `offset`; 0 when all of them were read. */
static int read_fully(int fd, char *to, size_t length, off_t offset) {
  while (length > 0) {
    ssize_t got = pread(fd, to, length, offset);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return -1; /* an error, or the file ends before the mapping would */
    to += got;
    length -= (size_t)got;
    offset += got;
  }
  return 0;
}

/*
 * The file's bytes in anonymous memory where the mapping would have been, or MAP_FAILED to make
 * the call as asked. Only for what a private writable mapping of a regular file behaves like:
 * the process sees the file's bytes, and its writes are its own.
 */
static void *read_into_anonymous(mmap_fn next, void *address, size_t length, int prot, int flags,
                                 int fd, off_t offset) {
  if (fd < 0 || length < READ_FILE_FROM_BYTES || prot != (PROT_READ | PROT_WRITE) ||
      (flags & (MAP_TYPE | MAP_ANONYMOUS)) != MAP_PRIVATE)
    return MAP_FAILED;
  int saved = errno;
  void *memory = next(address, length, prot, flags | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) {
    errno = saved;
    return MAP_FAILED;
  }
  madvise(memory, length, MADV_HUGEPAGE);
  if (read_fully(fd, memory, length, offset) == 0) {
    errno = saved;
    return memory;
  }
  /* With MAP_FIXED the caller's own call replaces this memory; without, it is given back. */
  if (!(flags & MAP_FIXED)) munmap(memory, length);
  errno = saved;
  return MAP_FAILED;
}

static void *mapped(mmap_fn next, void *address, size_t length, int prot, int flags, int fd,
                    off_t offset) {
  void *memory = read_into_anonymous(next, address, length, prot, flags, fd, offset);
  if (memory != MAP_FAILED) return memory;
  memory = next(address, length, prot, flags, fd, offset);
  if (memory != MAP_FAILED && fd < 0 && (flags & MAP_ANONYMOUS) && length >= HUGE_PAGE_BYTES &&
      (flags & MAP_TYPE) == MAP_PRIVATE) {
    int saved = errno;
    madvise(memory, length, MADV_HUGEPAGE);
    errno = saved;
  }
  return memory;
}

void *mmap(void *address, size_t length, int prot, int flags, int fd, off_t offset) {
  if (!next_mmap) next_mmap = (mmap_fn)dlsym(RTLD_NEXT, "mmap");
  return mapped(next_mmap, address, length, prot, flags, fd, offset);
}

void *mmap64(void *address, size_t length, int prot, int flags, int fd, off_t offset) {
  if (!next_mmap64) next_mmap64 = (mmap_fn)dlsym(RTLD_NEXT, "mmap64");
  return mapped(next_mmap64, address, length, prot, flags, fd, offset);
}
