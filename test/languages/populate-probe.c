/*
 * Maps a file as cc1plus maps its .gch (private; writable with "rw", read-only with "r"; "rw+" maps
 * a page more than the file holds, which the preload cannot read in and leaves to the kernel) and prints
 * how many KiB of the mapping are already the process's own copy right after mmap: all of it when
 * the PCH preload populated it, none when the kernel will fault pages in as they are touched.
 * Used by test/languages/pch-build.test.ts (on the host) and pch.sandbox.test.ts (in the box).
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s FILE rw|rw+|r\n", argv[0]);
    return 2;
  }
  int fd = open(argv[1], O_RDONLY);
  struct stat info;
  if (fd < 0 || fstat(fd, &info) != 0) {
    perror(argv[1]);
    return 1;
  }
  int prot = argv[2][0] == 'r' && argv[2][1] == 'w' ? PROT_READ | PROT_WRITE : PROT_READ;
  size_t length = (size_t)info.st_size + (strcmp(argv[2], "rw+") == 0 ? 4096 : 0);
  char *mapping = mmap(NULL, length, prot, MAP_PRIVATE, fd, 0);
  if (mapping == MAP_FAILED) {
    perror("mmap");
    return 1;
  }
  FILE *smaps = fopen("/proc/self/smaps", "r");
  if (!smaps) {
    perror("/proc/self/smaps");
    return 1;
  }
  char line[512];
  unsigned long start, end, kb;
  int inside = 0;
  while (fgets(line, sizeof line, smaps)) {
    if (sscanf(line, "%lx-%lx ", &start, &end) == 2) inside = start == (unsigned long)mapping;
    else if (inside && sscanf(line, "Anonymous: %lu kB", &kb) == 1) {
      printf("%lu\n", kb);
      return 0;
    }
  }
  fprintf(stderr, "the mapping is not in /proc/self/smaps\n");
  return 1;
}
