/*
 * Preloaded after the PCH preload into a compile in the sandbox (test/languages/pch.sandbox.test.ts):
 * at exit, a process that mapped a .gch reports on stderr the mapping's size and how much of it is
 * resident: "gch <size KiB> <resident KiB>". The preload makes all of it resident at mmap; a
 * compile alone leaves some pages it never touched unmapped.
 */
#include <stdio.h>
#include <string.h>

__attribute__((destructor)) static void report(void) {
  FILE *smaps = fopen("/proc/self/smaps", "r");
  if (!smaps) return;
  char line[4096];
  unsigned long start, end, kb, size = 0, rss = 0;
  int inside = 0, found = 0;
  while (fgets(line, sizeof line, smaps)) {
    size_t length = strcspn(line, "\n");
    if (sscanf(line, "%lx-%lx ", &start, &end) == 2) {
      inside = length > 4 && strncmp(line + length - 4, ".gch", 4) == 0;
      found |= inside;
    } else if (inside && sscanf(line, "Size: %lu kB", &kb) == 1) size += kb;
    else if (inside && sscanf(line, "Rss: %lu kB", &kb) == 1) rss += kb;
  }
  fclose(smaps);
  if (found) fprintf(stderr, "gch %lu %lu\n", size, rss);
}
