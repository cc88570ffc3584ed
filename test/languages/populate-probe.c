/*
 * Maps a file as cc1plus maps its .gch (private; writable with "rw", read-only with "r") and prints
 * "<anonymous KiB> <resident KiB>" of the mapping right after mmap: what the PCH preload filled in
 * before the program touched anything. With a STRIDE, it then writes to every STRIDE-th page, so a
 * run with ARBITER_PCH_RECORD set records those pages. Used by test/languages/pch-build.test.ts.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 3 && argc != 4) {
    fprintf(stderr, "usage: %s FILE rw|r [STRIDE]\n", argv[0]);
    return 2;
  }
  int fd = open(argv[1], O_RDONLY);
  struct stat info;
  if (fd < 0 || fstat(fd, &info) != 0) {
    perror(argv[1]);
    return 1;
  }
  int prot = strcmp(argv[2], "rw") == 0 ? PROT_READ | PROT_WRITE : PROT_READ;
  char *mapping = mmap(NULL, (size_t)info.st_size, prot, MAP_PRIVATE, fd, 0);
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
  unsigned long start, end, kb, rss = 0, anonymous = 0;
  int inside = 0;
  while (fgets(line, sizeof line, smaps)) {
    if (sscanf(line, "%lx-%lx ", &start, &end) == 2) inside = start == (unsigned long)mapping;
    else if (inside && sscanf(line, "Rss: %lu kB", &kb) == 1) rss = kb;
    else if (inside && sscanf(line, "Anonymous: %lu kB", &kb) == 1) anonymous = kb;
  }
  printf("%lu %lu\n", anonymous, rss);
  if (argc == 4) {
    long stride = atol(argv[3]), page = sysconf(_SC_PAGESIZE);
    for (off_t at = 0; stride > 0 && at < info.st_size; at += stride * page) mapping[at] ^= 1;
  }
  return 0;
}
