/*
 * Preloaded (LD_PRELOAD) into GCC's C++ compiles that read a precompiled header; see
 * src/languages/precompiled-headers.ts for where and src/languages/pch-build.ts for how it is built.
 *
 * Why: a compile that reads bits/stdc++.h's .gch spends much of its time in the kernel, faulting
 * memory in 4 KiB at a time:
 *  - cc1plus maps the ~100 MB .gch privately and writable (MAP_PRIVATE, PROT_WRITE) and writes
 *    into about a third of its pages as it compiles. A read maps the neighbouring pages read-only,
 *    so each later write is a copy-on-write fault that must also flush the TLB entry it replaces;
 *    on a virtual machine a flush is a trip to the hypervisor.
 *  - Its garbage-collected heap grows in 2 MiB anonymous mappings, each touched page a fault.
 * On our 2-core VM that was over a third of an empty program's compile. So this library
 *  - populates the .gch's mapping as soon as it is made, in two calls instead of ~15,000 faults:
 *    first the pages a compile writes to, as the compiler's own copies (MADV_POPULATE_WRITE), then
 *    the rest straight from the page cache that every compile shares (MADV_POPULATE_READ). Which
 *    pages a compile writes to is recorded once, when setup builds the .gch, in `<gch>.writes`: a
 *    compile of `#include <header>` run with ARBITER_PCH_RECORD=<file> leaves there one byte per
 *    page of the mapping, '1' for a page it wrote to, '0' for the others;
 *  - asks for huge pages on every anonymous mapping of 2 MiB or more (the heap's chunks).
 * The memory holds the same bytes at the same addresses, so the compile's output is the same; only
 * when and how the kernel fills it changes. A page the record missed is copied on write as before.
 * Without a record, on kernels before 5.14 (no MADV_POPULATE_*) or with huge pages off, each part
 * simply does nothing.
 *
 * The .gch is recognised by its name. The dynamic loader and the C library map through their own
 * internal calls, not this symbol, so only the compiler's own mappings pass through here.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <unistd.h>

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/* The size of an x86-64 huge page: smaller anonymous mappings cannot use one. */
#define HUGE_PAGE_BYTES ((size_t)2 << 20)
#define RECORD_ENV "ARBITER_PCH_RECORD"
#define WRITES_SUFFIX ".writes"

typedef void *(*mmap_fn)(void *, size_t, int, int, int, off_t);

/* Resolved once each: cc1plus grows its heap in many calls. */
static mmap_fn next_mmap, next_mmap64;
/* The .gch mapping a recording compile made, for the record written at exit. */
static char *recorded_mapping;
static size_t recorded_length;

static size_t page_size(void) { return (size_t)sysconf(_SC_PAGESIZE); }

/* The path of the file behind `fd` into `path`, when it names a precompiled header. */
static int is_precompiled_header(int fd, char *path, size_t size) {
  char link[64];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t length = readlink(link, path, size - 1);
  if (length <= 4) return 0;
  path[length] = '\0';
  return strcmp(path + length - 4, ".gch") == 0;
}

/* Reads all of a small file into `to`; its length, or -1 when it is missing or not `size` long. */
static ssize_t read_exactly(const char *path, char *to, size_t size) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  size_t got = 0;
  while (got <= size) {
    ssize_t n = read(fd, to + got, size + 1 - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += (size_t)n;
  }
  close(fd);
  return got == size ? (ssize_t)got : -1;
}

/* Fills the mapping of the .gch at `path`: the recorded written pages as copies, then the rest. */
static void populate(char *mapping, size_t length, const char *path) {
  size_t pages = length / page_size();
  char writes_path[PATH_MAX + sizeof WRITES_SUFFIX];
  snprintf(writes_path, sizeof writes_path, "%s%s", path, WRITES_SUFFIX);
  char *written = malloc(pages + 1);
  if (!written) return;
  /* A record of another mapping (another .gch under this name) is ignored, not half used. */
  if (read_exactly(writes_path, written, pages) < 0) {
    free(written);
    return;
  }
  for (size_t first = 0; first < pages;) {
    if (written[first] != '1') {
      first++;
      continue;
    }
    size_t end = first;
    while (end < pages && written[end] == '1') end++;
    madvise(mapping + first * page_size(), (end - first) * page_size(), MADV_POPULATE_WRITE);
    first = end;
  }
  free(written);
  madvise(mapping, length, MADV_POPULATE_READ);
}

/*
 * At exit of a recording compile: which pages of the .gch mapping are the process's own copies
 * (present and not file pages, in /proc/self/pagemap's bits 63 and 61), one byte each.
 */
__attribute__((destructor)) static void write_record(void) {
  const char *record = getenv(RECORD_ENV);
  if (!record || !recorded_mapping) return;
  size_t pages = recorded_length / page_size();
  uint64_t *entries = malloc(pages * sizeof *entries);
  char *written = malloc(pages);
  int pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
  off_t at = (off_t)((uintptr_t)recorded_mapping / page_size() * sizeof *entries);
  if (entries && written && pagemap >= 0 &&
      pread(pagemap, entries, pages * sizeof *entries, at) == (ssize_t)(pages * sizeof *entries)) {
    for (size_t page = 0; page < pages; page++) {
      int own_copy = (entries[page] >> 63 & 1) && !(entries[page] >> 61 & 1);
      written[page] = own_copy ? '1' : '0';
    }
    int out = open(record, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out >= 0) {
      if (write(out, written, pages) != (ssize_t)pages) unlink(record);
      close(out);
    }
  }
  if (pagemap >= 0) close(pagemap);
  free(entries);
  free(written);
}

static void *mapped(mmap_fn next, void *address, size_t length, int prot, int flags, int fd,
                    off_t offset) {
  void *memory = next(address, length, prot, flags, fd, offset);
  if (memory == MAP_FAILED) return memory;
  int saved = errno;
  char path[PATH_MAX];
  if (fd >= 0 && (prot & PROT_WRITE) && (flags & MAP_TYPE) == MAP_PRIVATE &&
      is_precompiled_header(fd, path, sizeof path)) {
    if (getenv(RECORD_ENV)) {
      recorded_mapping = memory;
      recorded_length = length;
    } else {
      populate(memory, length, path);
    }
  } else if (fd < 0 && (flags & MAP_ANONYMOUS) && (flags & MAP_TYPE) == MAP_PRIVATE &&
             length >= HUGE_PAGE_BYTES) {
    madvise(memory, length, MADV_HUGEPAGE);
  }
  errno = saved;
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
