/*
 * arbiter-supervisor: the process that lives as PID 1 inside a warm bubblewrap slot.
 *
 * Building a bubblewrap box costs 4-5 ms (namespaces, mounts); a run of a C program costs 0.6 ms.
 * So a slot's namespaces and mounts are made once, and this small supervisor starts each run inside
 * them: it creates a fresh per-run cgroup, forks, drops to the slot's unprivileged uid, applies
 * rlimits and a seccomp filter, execs the program, meters it, kills whatever it left behind, and
 * reports one line back. Verdicts are decided by the TypeScript side; this file only measures.
 *
 * File descriptors (set up by the Node side through bubblewrap):
 *   0  control requests (lines, see below)         1  one report line per run
 *   2  diagnostics                                  3.. cgroup directories of this slot
 *
 * argv: arbiter-supervisor v1 UID GID INODES [sampled-memory]  (fds 3 = memory, 4 = pids, 5 = cpuacct slot dirs)
 *       arbiter-supervisor v2 UID GID INODES [sampled-memory]  (fd 3 = the slot's cgroup v2 directory)
 *   INODES caps the inodes of each tmpfs a program can write to (/box, /tmp, /dev/shm).
 *   "sampled-memory" measures peak memory as a kernel without memory.peak (before 5.19) must, even
 *   where the file exists: for tests of that path.
 *
 * Start-up (before "ready"): the supervisor caps the inodes of the writable tmpfs mounts (see
 * cap_inodes), moves itself into the slot's cgroup, makes a cgroup namespace rooted there, and (v2)
 * moves on into the leaf SLOT/supervisor and enables the memory, pids and cpu controllers for
 * SLOT's children. The slot's namespace root is then an ancestor of
 * SLOT/run, which is what nsdelegate (how systemd mounts cgroup2) requires of every migration
 * made from inside a namespace; and SLOT itself holds no process, as cgroup v2 requires of a cgroup
 * whose controllers are enabled for its children. CAP_SYS_ADMIN, needed only for the remounts and
 * the unshare, is dropped before "ready". Each run's child starts inside SLOT/run: by clone3(CLONE_INTO_CGROUP)
 * on v2 where the kernel has it (5.7+), else by writing itself into cgroup.procs after fork.
 *
 * The protocol on fd 0 (requests) and fd 1 (answers). Every line the TypeScript side sends is listed
 * here, in the order it sends them: encodeRequest, encodeStdinChunk and STDIN_EOF_LINE in
 * src/sandbox/protocol.ts, "kill" from src/sandbox/slot-run.ts and RESET_LINE from protocol.ts.
 * Keep the two in step.
 *   After start-up the supervisor writes "ready" (or "fail MESSAGE") once.
 *   A request is these lines, one each unless marked repeatable, ended by "run":
 *     cpu_ms N          CPU time limit, ms
 *     wall_ms N         wall-clock limit, ms
 *     mem_kb N          memory limit, KiB
 *     pids N            most processes and threads
 *     fsize_kb N        largest file written, KiB
 *     nofile N          most open files
 *     stack_kb N        stack size, KiB
 *     out_bytes N       stdout kept, bytes
 *     err_bytes N       stderr kept, bytes
 *     merge_stderr 0|1  stderr into stdout
 *     interactive 0|1   stdin is a pipe fed by "stdin HEX" lines, output streams as it comes
 *     cwd PATH          working directory of the program (default /box)
 *     stdin PATH        a file to read stdin from, or empty for /dev/null
 *     arg HEX           one argument, argv[0] first (repeatable)
 *     env HEX           one NAME=VALUE of the program's environment (repeatable)
 *     run               starts the run
 *   HEX is the byte string in hexadecimal. Any other key is a fault: "fail unknown request key".
 *   A "kill", "eof" or "stdin HEX" that arrives after its run ended is dropped.
 *   While a run is in progress:
 *     kill              cancels it (killed=cancel)
 *     stdin HEX         interactive only: bytes for the program's stdin (past 8 MiB held: killed=io)
 *     eof               interactive only: closes the program's stdin
 *   and, interactive only, the supervisor streams "out HEX" and "err HEX" lines as the program writes.
 * Report: "ok k=v k=v ..." or "fail MESSAGE", one line per run. Captured output is written to
 *   /.arbiter/stdout and /.arbiter/stderr, which only root inside the slot can read.
 *   Between leases, never inside a request:
 *     reset N           empties /box, /tmp and /dev/shm, removes /.arbiter/stdin, gives /box back to
 *                       the slot's uid (mode 0755); answers "reset clean", "reset full" when they held
 *                       more than N entries together (or nested too deep), or "fail MESSAGE"
 */
#define _GNU_SOURCE
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stddef.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <linux/close_range.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ITEMS 4096
#define LINE_MAX_BYTES (1 << 20)
#define RUN_CGROUP "run"
#define SUPERVISOR_CGROUP "supervisor"
#define V2_CONTROLLERS "+cpu +memory +pids"

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

/* The kernel's struct clone_args up to its `cgroup` field (CLONE_ARGS_SIZE_VER2), declared here
 * because <linux/sched.h> clashes with glibc's <sched.h>. */
struct clone_args_v2 {
  uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
      set_tid_size, cgroup;
};
#define IO_DIR "/.arbiter"

extern char **environ;

enum cg_mode { CG_V1, CG_V2 };

struct request {
  uint64_t cpu_ms, wall_ms, mem_kb, pids, fsize_kb, nofile, stack_kb, out_bytes, err_bytes;
  int merge_stderr;
  int interactive; /* stdin streamed from the control channel, output streamed back as it comes */
  char cwd[PATH_MAX];
  char stdin_path[PATH_MAX];
  char *argv[MAX_ITEMS + 1];
  int argc;
  char *envp[MAX_ITEMS + 1];
  int envc;
  uint64_t reset_entries; /* a "reset N" request: the most entries the wipe removes one by one */
};

struct cgroups {
  enum cg_mode mode;
  int slot_fd[3]; /* v1: memory, pids, cpuacct; v2: slot_fd[0] only */
  int run_fd[3];
  int count;
  int ready;     /* the run cgroup exists, is empty and its fds are open */
  int has_memsw; /* v1 with swap accounting */
  int has_peak;  /* v2 with memory.peak (kernel 5.19+); without it, peak memory is sampled */
  int sampled_memory; /* measure as if memory.peak were missing (argv) */
  int clone_into; /* v2: clone3(CLONE_INTO_CGROUP) works; cleared for good at its first refusal */
};

static uid_t run_uid;
static gid_t run_gid;
static struct sock_fprog seccomp_prog;

static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  dprintf(1, "fail ");
  vdprintf(1, fmt, ap);
  dprintf(1, "\n");
  va_end(ap);
  exit(1);
}

static uint64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* ---------- seccomp: built once at start, loaded by each child just before exec ---------- */

/* Syscalls a judged program never needs. They are refused with EPERM rather than killing the
 * program, so runtimes that probe for a feature (io_uring, userfaultfd) fall back cleanly. */
static const int denied_syscalls[] = {
    SCMP_SYS(ptrace),          SCMP_SYS(mount),           SCMP_SYS(umount2),
    SCMP_SYS(unshare),         SCMP_SYS(setns),           SCMP_SYS(pivot_root),
    SCMP_SYS(chroot),          SCMP_SYS(bpf),             SCMP_SYS(keyctl),
    SCMP_SYS(add_key),         SCMP_SYS(request_key),     SCMP_SYS(perf_event_open),
    SCMP_SYS(kexec_load),      SCMP_SYS(kexec_file_load), SCMP_SYS(reboot),
    SCMP_SYS(swapon),          SCMP_SYS(swapoff),         SCMP_SYS(init_module),
    SCMP_SYS(finit_module),    SCMP_SYS(delete_module),   SCMP_SYS(acct),
    SCMP_SYS(syslog),          SCMP_SYS(settimeofday),    SCMP_SYS(clock_settime),
    SCMP_SYS(clock_adjtime),   SCMP_SYS(adjtimex),        SCMP_SYS(quotactl),
    SCMP_SYS(lookup_dcookie),  SCMP_SYS(iopl),            SCMP_SYS(ioperm),
    SCMP_SYS(open_by_handle_at), SCMP_SYS(name_to_handle_at), SCMP_SYS(userfaultfd),
    SCMP_SYS(process_vm_readv), SCMP_SYS(process_vm_writev), SCMP_SYS(kcmp),
    SCMP_SYS(fanotify_init),   SCMP_SYS(io_uring_setup),  SCMP_SYS(io_uring_enter),
    SCMP_SYS(io_uring_register), SCMP_SYS(move_pages),    SCMP_SYS(migrate_pages),
    SCMP_SYS(mbind),           SCMP_SYS(set_mempolicy),   SCMP_SYS(vhangup),
    SCMP_SYS(fsopen),          SCMP_SYS(fsconfig),        SCMP_SYS(fsmount),
    SCMP_SYS(fspick),          SCMP_SYS(open_tree),       SCMP_SYS(move_mount),
    SCMP_SYS(mount_setattr),   SCMP_SYS(personality),     SCMP_SYS(uselib),
    SCMP_SYS(nfsservctl),      SCMP_SYS(pidfd_getfd),
    /* System V IPC objects live in the slot's IPC namespace, which outlasts the run: a segment left
     * behind would leak data to the next run and hold memory no run's cgroup limits. POSIX shared
     * memory (in /dev/shm, wiped between leases and between a submission's tests) still works. */
    SCMP_SYS(shmget),          SCMP_SYS(msgget),          SCMP_SYS(semget),
    /* Linux AIO: its contexts count against the host-wide fs.aio-max-nr, which one program could
     * exhaust for every process on the machine (databases use AIO), and no runtime needs it:
     * glibc's POSIX aio uses threads. */
    SCMP_SYS(io_setup),        SCMP_SYS(io_submit),       SCMP_SYS(io_getevents),
    SCMP_SYS(io_pgetevents),   SCMP_SYS(io_cancel),       SCMP_SYS(io_destroy),
    /* sync and syncfs make the kernel write back every dirty page of a file system, the host's
     * disk included: one slot calling them in a loop would slow every process on the machine.
     * fsync and fdatasync, which flush only the caller's own file, stay allowed. */
    SCMP_SYS(sync),            SCMP_SYS(syncfs),
};

/* Socket families refused with EAFNOSUPPORT, as if the kernel had none, in socket() and
 * socketpair(). AF_VSOCK reaches the hypervisor and other VMs' sockets, which no network namespace
 * confines. AF_NETLINK talks to kernel subsystems (audit, uevents, socket diagnostics, generic
 * netlink families). No installed toolchain needs it, NETLINK_ROUTE included: every language
 * compiles and runs without it (test/languages/languages.sandbox.test.ts runs them all), glibc's
 * getaddrinfo(AI_ADDRCONFIG) falls back when the socket is refused, and only listing network
 * interfaces (getifaddrs, if_nameindex) fails, which no judged program needs: the box has only lo. */
static const int denied_families[] = {AF_VSOCK, AF_NETLINK};

/* The highest syscall number libseccomp can name for this architecture. Numbers above it belong
 * to kernels newer than the one this filter was written against: nobody decided whether a judged
 * program may use them, so they are refused (see seccomp_prefix). Names are looked up from the
 * top down; no architecture Arbiter runs on numbers its syscalls anywhere near this high. */
#define SYSCALL_NR_SEARCH_LIMIT 1024
static uint32_t highest_known_syscall(void) {
  uint32_t arch = seccomp_arch_native();
  for (int nr = SYSCALL_NR_SEARCH_LIMIT - 1; nr >= 0; nr--) {
    char *name = seccomp_syscall_resolve_num_arch(arch, nr);
    if (name) {
      free(name);
      return (uint32_t)nr;
    }
  }
  die("libseccomp names no syscall of this architecture");
  return 0;
}

#ifndef X32_SYSCALL_BIT
#define X32_SYSCALL_BIT 0x40000000u
#endif

/* A classic BPF prefix run before libseccomp's program: on the native architecture, a syscall
 * number above `highest` returns ENOSYS, the answer of a kernel that lacks the call, so runtimes
 * fall back as they would on an older kernel. libseccomp matches syscall numbers only one by one,
 * so it cannot say "everything above N". Everything else (another architecture, an x32 number,
 * a known syscall) goes on to libseccomp's program, which begins by loading the architecture
 * itself. Returns the number of instructions written (at most SECCOMP_PREFIX_MAX). */
#define SECCOMP_PREFIX_MAX 6
static unsigned seccomp_prefix(struct sock_filter *out, uint32_t highest) {
  unsigned n = 0;
  int x32 = seccomp_arch_native() == SCMP_ARCH_X86_64;
  /* Offsets count from the next instruction; "pass" jumps to the first of libseccomp's. */
  unsigned total = x32 ? 6 : 5;
#define PASS_FROM(at) ((unsigned char)(total - (at) - 1))
  out[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
  out[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, seccomp_arch_native(), 0, PASS_FROM(n));
  n++;
  out[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
  /* x32 numbers have a high bit set; libseccomp's program refuses them as a foreign ABI. */
  if (x32) {
    out[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT, PASS_FROM(n), 0);
    n++;
  }
  out[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, highest, 0, PASS_FROM(n));
  n++;
  out[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA));
#undef PASS_FROM
  if (n != total) die("seccomp prefix length");
  return n;
}

static void build_seccomp(void) {
  scmp_filter_ctx ctx;
  ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (!ctx) die("seccomp_init failed");
  if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS) < 0)
    die("seccomp badarch");
  for (size_t i = 0; i < sizeof denied_syscalls / sizeof denied_syscalls[0]; i++) {
    if (denied_syscalls[i] < 0) continue;
    if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), denied_syscalls[i], 0) < 0)
      die("seccomp rule %d", denied_syscalls[i]);
  }
  /* The family is an int: only its low 32 bits are compared, as the kernel reads it, so bits set
   * above them cannot slip a refused family past the rule. (SCMP_A0_32 would not do: libseccomp
   * 2.5 still requires the high half to be zero for it to match.) */
  for (size_t i = 0; i < sizeof denied_families / sizeof denied_families[0]; i++) {
    struct scmp_arg_cmp family = SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, (uint64_t)denied_families[i]);
    if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socket), 1, family) < 0 ||
        seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socketpair), 1, family) < 0)
      die("seccomp socket family rule %d", denied_families[i]);
  }
  /* One rule per namespace flag: refuse clone() when that bit is set. */
  static const uint64_t ns_bits[] = {CLONE_NEWNS,  CLONE_NEWUTS, CLONE_NEWIPC,   CLONE_NEWUSER,
                                     CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWCGROUP};
  for (size_t i = 0; i < sizeof ns_bits / sizeof ns_bits[0]; i++) {
    if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                         SCMP_A0(SCMP_CMP_MASKED_EQ, ns_bits[i], ns_bits[i])) < 0)
      die("seccomp clone rule");
  }
  /* clone3 is refused by a small filter of its own (run_filter), not here: this filter also binds
   * the supervisor, which may fork runs with clone3(CLONE_INTO_CGROUP). */

  int fd = memfd_create("seccomp", MFD_CLOEXEC);
  if (fd < 0) die("memfd_create: %s", strerror(errno));
  if (seccomp_export_bpf(ctx, fd) < 0) die("seccomp_export_bpf");
  off_t size = lseek(fd, 0, SEEK_END);
  if (size <= 0 || size % sizeof(struct sock_filter) != 0) die("seccomp program size");
  size_t body = (size_t)size / sizeof(struct sock_filter);
  if (body + SECCOMP_PREFIX_MAX > BPF_MAXINSNS) die("seccomp program too long");
  struct sock_filter *filter = malloc((body + SECCOMP_PREFIX_MAX) * sizeof(struct sock_filter));
  if (!filter) die("out of memory");
  unsigned prefix = seccomp_prefix(filter, highest_known_syscall());
  if (pread(fd, filter + prefix, (size_t)size, 0) != size) die("seccomp program read");
  close(fd);
  seccomp_prog.len = (unsigned short)(prefix + body);
  seccomp_prog.filter = filter;
  seccomp_release(ctx);
}

/* The clone3 filter, stacked on the slot's (load_slot_seccomp): clone3 answers ENOSYS, since it
 * passes its flags in memory, where a filter cannot look, and libc then falls back to clone(),
 * whose namespace flags the slot's filter inspects. Another architecture or an x32 number is left
 * to the slot's filter, which kills or refuses it. Where the supervisor forks runs with clone3
 * (cgroup v2, CLONE_INTO_CGROUP) each run's child loads it; everywhere else the supervisor takes it
 * on itself once (refuse_clone3_from_now_on) and every run inherits it. */
static struct sock_filter run_filter[] = {
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0 /* the native architecture, set at start */, 0, 3),
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone3, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
};
static struct sock_fprog run_seccomp_prog = {sizeof run_filter / sizeof run_filter[0], run_filter};

/* The slot's filter binds the supervisor itself from "ready" on, and through it every run, which
 * inherits it without compiling it again. Nothing the supervisor does after start-up is refused by
 * it (the remounts and the unshare come before). no_new_privs is required to install a filter
 * without CAP_SYS_ADMIN (dropped by then); the supervisor never execs, so it changes nothing else. */
static void load_slot_seccomp(void) {
  run_filter[1].k = seccomp_arch_native();
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) die("no_new_privs: %s", strerror(errno));
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &seccomp_prog) < 0) die("cannot load the seccomp filter: %s", strerror(errno));
}

/* Set once the supervisor itself runs under the clone3 filter: runs inherit it from then on. */
static int clone3_refused;

/* For a supervisor that will never fork with clone3 again (cgroup v1 from the start, v2 once the
 * kernel refused CLONE_INTO_CGROUP): the clone3 filter goes on the supervisor, once, and every run
 * inherits it. Loaded by each run instead, it cost ~0.1-0.2 ms a run (issue [M]): the kernel
 * allocates, JIT-compiles and later frees a BPF program every time. Should the kernel refuse it
 * here, each run keeps loading its own, so a run is never without it. */
static void refuse_clone3_from_now_on(void) {
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &run_seccomp_prog) == 0) clone3_refused = 1;
}

/* ---------- cgroups ---------- */

static const char *v1_names[3] = {"memory", "pids", "cpuacct"};

static int write_at(int dirfd, const char *file, const char *value) {
  int fd = openat(dirfd, file, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t len = (ssize_t)strlen(value);
  ssize_t n = write(fd, value, (size_t)len);
  int saved = errno;
  close(fd);
  errno = saved;
  return n == len ? 0 : -1;
}

static int write_u64_at(int dirfd, const char *file, uint64_t value) {
  char buf[32];
  snprintf(buf, sizeof buf, "%llu", (unsigned long long)value);
  return write_at(dirfd, file, buf);
}

static ssize_t read_at(int dirfd, const char *file, char *buf, size_t size) {
  int fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, size - 1);
  close(fd);
  if (n < 0) return -1;
  buf[n] = 0;
  return n;
}

/* Reads "key value" from a flat-keyed cgroup file (memory.events, pids.events, cpu.stat). */
static uint64_t read_keyed(int dirfd, const char *file, const char *key) {
  char buf[4096];
  if (read_at(dirfd, file, buf, sizeof buf) < 0) return 0;
  size_t klen = strlen(key);
  for (char *line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
    if (strncmp(line, key, klen) == 0 && line[klen] == ' ') return strtoull(line + klen + 1, NULL, 10);
  }
  return 0;
}

static uint64_t read_u64_at(int dirfd, const char *file) {
  char buf[64];
  if (read_at(dirfd, file, buf, sizeof buf) < 0) return 0;
  return strtoull(buf, NULL, 10);
}

static int cgroup_has_tasks(struct cgroups *cg) {
  char buf[64];
  for (int i = 0; i < cg->count; i++) {
    if (cg->run_fd[i] < 0) continue;
    ssize_t n = read_at(cg->run_fd[i], "cgroup.procs", buf, sizeof buf);
    if (n != 0) return 1; /* tasks listed, or unreadable: both count as not proven empty */
  }
  return 0;
}

static void close_run_cgroups(struct cgroups *cg) {
  for (int i = 0; i < cg->count; i++) {
    if (cg->run_fd[i] >= 0) close(cg->run_fd[i]);
    cg->run_fd[i] = -1;
  }
}

/* Removes the per-run cgroup. Returns 0 when every hierarchy's directory is gone. */
static int remove_run_cgroups(struct cgroups *cg) {
  int ok = 0;
  close_run_cgroups(cg);
  for (int i = 0; i < cg->count; i++) {
    if (unlinkat(cg->slot_fd[i], RUN_CGROUP, AT_REMOVEDIR) < 0 && errno != ENOENT) ok = -1;
  }
  return ok;
}

/* Makes the next run's cgroup ahead of time, so its cost is paid between runs, not during one.
 * Returns 0 when every hierarchy has a fresh, empty "run" directory open. */
static int prepare_run_cgroups(struct cgroups *cg) {
  cg->ready = 0;
  if (remove_run_cgroups(cg) < 0) return -1; /* a leftover from a run that failed to clean */
  for (int i = 0; i < cg->count; i++) {
    if (mkdirat(cg->slot_fd[i], RUN_CGROUP, 0755) < 0) return -1;
    cg->run_fd[i] = openat(cg->slot_fd[i], RUN_CGROUP, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (cg->run_fd[i] < 0) return -1;
  }
  if (cg->mode == CG_V2)
    cg->has_peak = !cg->sampled_memory && faccessat(cg->run_fd[0], "memory.peak", F_OK, 0) == 0;
  cg->ready = 1;
  return 0;
}

static int apply_limits(struct cgroups *cg, const struct request *rq) {
  if (!cg->ready) {
    errno = EAGAIN;
    return -1;
  }
  uint64_t mem = rq->mem_kb * 1024u;
  if (cg->mode == CG_V1) {
    if (write_u64_at(cg->run_fd[0], "memory.limit_in_bytes", mem) < 0) return -1;
    /* memsw exists only with swap accounting; where present, it forbids swapping out. */
    if (cg->has_memsw && write_u64_at(cg->run_fd[0], "memory.memsw.limit_in_bytes", mem) < 0) return -1;
    if (write_u64_at(cg->run_fd[1], "pids.max", rq->pids) < 0) return -1;
  } else {
    if (write_u64_at(cg->run_fd[0], "memory.max", mem) < 0) return -1;
    write_at(cg->run_fd[0], "memory.swap.max", "0"); /* absent without swap: not an error */
    if (write_u64_at(cg->run_fd[0], "pids.max", rq->pids) < 0) return -1;
  }
  return 0;
}

static uint64_t cgroup_cpu_us(struct cgroups *cg) {
  if (cg->mode == CG_V1) return read_u64_at(cg->run_fd[2], "cpuacct.usage") / 1000u;
  return read_keyed(cg->run_fd[0], "cpu.stat", "usage_usec");
}

/* Moves this process into the slot's cgroup and roots a new cgroup namespace there (see the
 * header); on v2 it then moves on into the slot's supervisor leaf and enables the controllers. */
static void enter_slot_cgroups(struct cgroups *cg) {
  for (int i = 0; i < cg->count; i++) {
    if (write_at(cg->slot_fd[i], "cgroup.procs", "0") < 0)
      die("cannot enter the slot cgroup (%s): %s", cg->mode == CG_V1 ? v1_names[i] : "v2", strerror(errno));
  }
  if (unshare(CLONE_NEWCGROUP) < 0) die("cannot make the slot's cgroup namespace: %s", strerror(errno));
  if (cg->mode == CG_V2) {
    if (mkdirat(cg->slot_fd[0], SUPERVISOR_CGROUP, 0755) < 0 && errno != EEXIST)
      die("cannot create the supervisor cgroup: %s", strerror(errno));
    int leaf = openat(cg->slot_fd[0], SUPERVISOR_CGROUP, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (leaf < 0 || write_at(leaf, "cgroup.procs", "0") < 0)
      die("cannot enter the supervisor cgroup: %s", strerror(errno));
    close(leaf);
    if (write_at(cg->slot_fd[0], "cgroup.subtree_control", V2_CONTROLLERS) < 0)
      die("cannot enable %s for the slot's runs: %s", V2_CONTROLLERS, strerror(errno));
  }
  /* CAP_SYS_ADMIN served only the remounts and the unshare: out of the bounding, effective and
   * permitted sets. */
  if (prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN, 0, 0, 0) < 0) die("cannot drop CAP_SYS_ADMIN: %s", strerror(errno));
  struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
  if (syscall(SYS_capget, &header, data) < 0) die("capget: %s", strerror(errno));
  unsigned word = CAP_TO_INDEX(CAP_SYS_ADMIN);
  data[word].effective &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
  data[word].permitted &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
  data[word].inheritable &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
  if (syscall(SYS_capset, &header, data) < 0) die("cannot drop CAP_SYS_ADMIN: %s", strerror(errno));
}

/* Forks the run's child, which runs start(arg) (it execs the program or exits). On v2 it is born
 * inside the run cgroup where the kernel can do that (clone3 with CLONE_INTO_CGROUP, 5.7+), which
 * saves the child a migration; *entered says so. Otherwise the child shares the supervisor's memory
 * until it execs, as vfork does (issue [M]: fork's copy of the page tables, and the copy-on-write
 * faults after it, were the largest step of a run's setup): the supervisor waits meanwhile, and
 * the child touches only its own stack, the timing page and errno. */
#define CHILD_STACK_BYTES (1u << 20)
static pid_t fork_run_child(struct cgroups *cg, int *entered, int (*start)(void *), void *arg) {
  *entered = 0;
  if (cg->clone_into) {
    struct clone_args_v2 args;
    memset(&args, 0, sizeof args);
    args.flags = CLONE_INTO_CGROUP;
    args.exit_signal = SIGCHLD;
    args.cgroup = (uint64_t)cg->run_fd[0];
    pid_t pid = (pid_t)syscall(SYS_clone3, &args, sizeof args);
    if (pid == 0) {
      *entered = 1;
      _exit(start(arg));
    }
    if (pid > 0) {
      *entered = 1;
      return pid;
    }
    /* ENOSYS: no clone3 (before 5.3); E2BIG or EINVAL: no CLONE_INTO_CGROUP (before 5.7). */
    if (errno != ENOSYS && errno != E2BIG && errno != EINVAL) return -1;
    cg->clone_into = 0;
    refuse_clone3_from_now_on();
  }
  static void *stack;
  if (!stack) {
    void *made = mmap(NULL, CHILD_STACK_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (made == MAP_FAILED) return -1;
    stack = made;
  }
  /* The child points environ at the run's environment for execvp's PATH search; in shared memory
   * that is the supervisor's environ too, so it is put back once the child has exec'd. */
  char **saved_environ = environ;
  pid_t pid = clone(start, (char *)stack + CHILD_STACK_BYTES, CLONE_VM | CLONE_VFORK | SIGCHLD, arg);
  environ = saved_environ;
  /* The child's uid switch marked the memory map it shared with us undumpable (the kernel keeps
   * that flag on the map, not the task), and the map is ours alone again now that the child has
   * exec'd or exited. Undumpable, /proc/PID/ns/mnt and the like refuse anyone without
   * CAP_SYS_PTRACE: the server in a container, checking that its supervisor is still there, would
   * take it for gone. A fork leaves the supervisor dumpable; so does this. */
  if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0) die("cannot stay dumpable: %s", strerror(errno));
  return pid;
}

/* ---------- request parsing ---------- */

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static char *unhex(const char *s) {
  size_t n = strlen(s);
  if (n % 2) return NULL;
  char *out = malloc(n / 2 + 1);
  if (!out) return NULL;
  for (size_t i = 0; i < n / 2; i++) {
    int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      free(out);
      return NULL;
    }
    out[i] = (char)(hi * 16 + lo);
  }
  out[n / 2] = 0;
  return out;
}

static char inbuf[LINE_MAX_BYTES];
static size_t inlen, consumed;

static void buffered_line_compact(void) {
  memmove(inbuf, inbuf + consumed, inlen - consumed);
  inlen -= consumed;
  consumed = 0;
}

/* A complete line already read from fd 0 (without its newline), or NULL. */
static char *buffered_line(void) {
  if (consumed) buffered_line_compact();
  char *nl = memchr(inbuf, '\n', inlen);
  if (!nl) return NULL;
  *nl = 0;
  consumed = (size_t)(nl - inbuf) + 1;
  return inbuf;
}

/* One read from fd 0 into the buffer: bytes read, 0 at end of input, -1 on error. */
static ssize_t fill_input(void) {
  if (consumed) buffered_line_compact();
  if (inlen == sizeof inbuf) die("request line too long");
  for (;;) {
    ssize_t n = read(0, inbuf + inlen, sizeof inbuf - inlen);
    if (n < 0 && errno == EINTR) continue;
    if (n > 0) inlen += (size_t)n;
    return n;
  }
}

/* Returns one line from fd 0, reading as needed, or NULL at end of input. */
static char *read_line(void) {
  for (;;) {
    char *line = buffered_line();
    if (line) return line;
    if (fill_input() <= 0) return NULL;
  }
}

static void free_request(struct request *rq) {
  for (int i = 0; i < rq->argc; i++) free(rq->argv[i]);
  for (int i = 0; i < rq->envc; i++) free(rq->envp[i]);
  memset(rq, 0, sizeof *rq);
}

enum request_kind { REQUEST_END, REQUEST_RUN, REQUEST_RESET };

/* Reads the next request: a run (its keys, then "run"), a reset ("reset N"), or the end of input. */
static enum request_kind read_request(struct request *rq) {
  memset(rq, 0, sizeof *rq);
  strcpy(rq->cwd, "/box");
  int keys = 0;
  for (;;) {
    char *line = read_line();
    if (!line) return REQUEST_END;
    if (strcmp(line, "run") == 0) return REQUEST_RUN;
    if (strncmp(line, "reset ", 6) == 0) {
      if (keys) die("reset inside a run request");
      rq->reset_entries = strtoull(line + 6, NULL, 10);
      return REQUEST_RESET;
    }
    /* A cancel, or the end of an interactive run's stdin, that arrived after its run ended; a
     * late stdin chunk ("stdin HEX", never a path) is dropped below. */
    if (strcmp(line, "kill") == 0 || strcmp(line, "eof") == 0) continue;
    char *sp = strchr(line, ' ');
    const char *value = sp ? sp + 1 : "";
    if (sp) *sp = 0;
    keys++;
    uint64_t num = strtoull(value, NULL, 10);
    if (!strcmp(line, "cpu_ms")) rq->cpu_ms = num;
    else if (!strcmp(line, "wall_ms")) rq->wall_ms = num;
    else if (!strcmp(line, "mem_kb")) rq->mem_kb = num;
    else if (!strcmp(line, "pids")) rq->pids = num;
    else if (!strcmp(line, "fsize_kb")) rq->fsize_kb = num;
    else if (!strcmp(line, "nofile")) rq->nofile = num;
    else if (!strcmp(line, "stack_kb")) rq->stack_kb = num;
    else if (!strcmp(line, "out_bytes")) rq->out_bytes = num;
    else if (!strcmp(line, "err_bytes")) rq->err_bytes = num;
    else if (!strcmp(line, "merge_stderr")) rq->merge_stderr = num != 0;
    else if (!strcmp(line, "interactive")) rq->interactive = num != 0;
    else if (!strcmp(line, "cwd")) snprintf(rq->cwd, sizeof rq->cwd, "%s", value);
    else if (!strcmp(line, "stdin")) {
      if (value[0] == 0 || value[0] == '/') snprintf(rq->stdin_path, sizeof rq->stdin_path, "%s", value);
    }
    else if (!strcmp(line, "arg") || !strcmp(line, "env")) {
      char *decoded = unhex(value);
      if (!decoded) die("bad hex in %s", line);
      int is_arg = line[0] == 'a';
      int *count = is_arg ? &rq->argc : &rq->envc;
      if (*count >= MAX_ITEMS) die("too many %s items", line);
      (is_arg ? rq->argv : rq->envp)[(*count)++] = decoded;
    } else die("unknown request key %s", line);
  }
}

/* ---------- the run ---------- */

struct capture {
  int fd;      /* read end of the program's pipe, -1 once closed */
  const char *stream; /* "out" or "err": the tag of streamed chunks in interactive runs */
  int streaming;
  int file;    /* where the kept bytes go */
  uint64_t kept, limit;
  int truncated;
};

/* Where each run's setup time goes, for the bench (issue [M]): the child stamps the end of each
 * step into a page shared with the supervisor (MAP_SHARED survives fork, and exec drops it from
 * the child, so the program never sees it). CLOCK_MONOTONIC is one clock for both processes. */
enum setup_step { STEP_CHILD, STEP_CGROUP, STEP_FDS, STEP_RLIMITS, STEP_UID, STEP_SECCOMP, STEP_COUNT };
static volatile uint64_t *setup_stamps;
/* The last run's cleanup and next-cgroup preparation after its report, reported with the next run. */
static uint64_t last_reset_us;

static void stamp(enum setup_step step) {
  if (setup_stamps) setup_stamps[step] = now_us();
}

static void set_limit(int resource, uint64_t value) {
  struct rlimit rl = {value, value};
  if (setrlimit(resource, &rl) < 0) _exit(127);
}

/* Runs in the forked child: join the run cgroup, drop privileges, apply limits, exec. Any failure
 * before exec is reported through err_pipe as an errno value. */
static void child(const struct request *rq, struct cgroups *cg, int entered, int in_fd, int out_w,
                  int err_w, int err_pipe) {
  int stage_errno = 0;
#define FAIL(stage)          \
  do {                       \
    stage_errno = errno;     \
    goto fail;               \
  } while (0)
  stamp(STEP_CHILD);
  for (int i = 0; !entered && i < cg->count; i++) {
    if (write_at(cg->run_fd[i], "cgroup.procs", "0") < 0) FAIL("cgroup");
  }
  stamp(STEP_CGROUP);
  if (dup2(in_fd, 0) < 0 || dup2(out_w, 1) < 0 || dup2(rq->merge_stderr ? out_w : err_w, 2) < 0)
    FAIL("dup2");
  if (chdir(rq->cwd) < 0) FAIL("chdir");
  /* Nothing the supervisor or bubblewrap holds may reach the program. */
  if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0) FAIL("close_range");
  stamp(STEP_FDS);

  /* CPU: the kernel's per-process backstop; the supervisor enforces the cgroup-wide total. */
  uint64_t cpu_s = (rq->cpu_ms + 999) / 1000 + 1;
  set_limit(RLIMIT_CPU, cpu_s);
  set_limit(RLIMIT_FSIZE, rq->fsize_kb * 1024u);
  set_limit(RLIMIT_NOFILE, rq->nofile);
  set_limit(RLIMIT_STACK, rq->stack_kb * 1024u);
  set_limit(RLIMIT_CORE, 0);
  set_limit(RLIMIT_MEMLOCK, 0);
  set_limit(RLIMIT_MSGQUEUE, 0);
  /* No RLIMIT_NPROC: it counts per host uid across every Arbiter process on the machine, and it
   * would fail forks before the cgroup's pids.max could record that the process limit was hit. */
  stamp(STEP_RLIMITS);

  if (setgroups(0, NULL) < 0) FAIL("setgroups");
  if (setresgid(run_gid, run_gid, run_gid) < 0) FAIL("setgid");
  /* The bounding set is empty already (drop_bounding_set), so no exec can regain anything. */
  if (setresuid(run_uid, run_uid, run_uid) < 0) FAIL("setuid");
  /* setresuid cleared the permitted, effective and ambient sets; the inheritable set stays unless
   * emptied, and nothing should be left to inherit. */
  struct __user_cap_header_struct cap_header = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct cap_data[_LINUX_CAPABILITY_U32S_3];
  memset(cap_data, 0, sizeof cap_data);
  if (syscall(SYS_capset, &cap_header, cap_data) < 0) FAIL("capset");
  stamp(STEP_UID);
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) FAIL("no_new_privs");
  if (!clone3_refused && prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &run_seccomp_prog) < 0) FAIL("seccomp");
  stamp(STEP_SECCOMP);

  environ = (char **)rq->envp;
  execvp(rq->argv[0], (char *const *)rq->argv);
  stage_errno = errno;
fail:
  if (write(err_pipe, &stage_errno, sizeof stage_errno) < 0) _exit(126);
  _exit(127);
#undef FAIL
}

/* Empties the capability bounding set once, at start-up, for the supervisor and so for every run it
 * forks: no exec can regain a capability. The supervisor keeps its own effective ones (it never
 * execs); doing this here saves each run ~40 prctl calls. */
static void drop_bounding_set(void) {
  for (int cap = 0; cap <= CAP_LAST_CAP; cap++) {
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
      die("cannot drop capability %d from the bounding set: %s", cap, strerror(errno));
  }
}

/* The signals the supervisor ignores for itself: a report to a closed pipe must not kill it. An
 * ignored signal survives exec, so each run's child puts these back to default (child_main). */
static const int ignored_signals[] = {SIGPIPE};
#define IGNORED_SIGNAL_COUNT (sizeof ignored_signals / sizeof ignored_signals[0])

/* What the run's child needs, handed to it through fork_run_child. */
struct child_start {
  const struct request *rq;
  struct cgroups *cg;
  const int *entered;
  int in_fd, in_w;
  const int *out, *err, *exec_err;
};

/* The child's first function: signals as a program has them outside (none ignored, none blocked),
 * the supervisor's pipe ends closed, then child(). Its signal handlers are its own even when it
 * shares the supervisor's memory (no CLONE_SIGHAND). */
static int child_main(void *arg) {
  const struct child_start *c = arg;
  for (size_t i = 0; i < IGNORED_SIGNAL_COUNT; i++) signal(ignored_signals[i], SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  close(c->out[0]);
  close(c->err[0]);
  close(c->exec_err[0]);
  if (c->in_w >= 0) close(c->in_w);
  child(c->rq, c->cg, *c->entered, c->in_fd, c->out[1], c->err[1], c->exec_err[1]);
  return 127; /* child() never returns: it execs or exits */
}

static void kill_all(void) {
  /* As PID 1 of the slot, kill(-1) reaches every other process in it and never the supervisor. */
  kill(-1, SIGKILL);
}

static int drain(struct capture *c, int *killed_output) {
  char buf[65536];
  ssize_t n = read(c->fd, buf, sizeof buf);
  if (n > 0) {
    uint64_t room = c->limit > c->kept ? c->limit - c->kept : 0;
    uint64_t keep = (uint64_t)n < room ? (uint64_t)n : room;
    if (keep && write(c->file, buf, keep) != (ssize_t)keep) return -1;
    if (keep && c->streaming) {
      static char hex[2 * sizeof buf + 1];
      static const char digits[] = "0123456789abcdef";
      for (uint64_t i = 0; i < keep; i++) {
        hex[2 * i] = digits[(unsigned char)buf[i] >> 4];
        hex[2 * i + 1] = digits[(unsigned char)buf[i] & 15];
      }
      hex[2 * keep] = 0;
      dprintf(1, "%s %s\n", c->stream, hex);
    }
    c->kept += keep;
    if ((uint64_t)n > keep) {
      c->truncated = 1;
      if (!*killed_output) {
        *killed_output = 1;
        kill_all();
      }
    }
    return 1;
  }
  if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
    close(c->fd);
    c->fd = -1;
  }
  return 0;
}

static int open_capture_file(const char *name) {
  char path[64];
  snprintf(path, sizeof path, IO_DIR "/%s", name);
  return open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
}

/* Most interactive stdin held for the program at once. */
#define PENDING_MAX (8u << 20)

/* A control line during a run: "kill", or in interactive runs "stdin HEX" and "eof". */
static void handle_control(const char *line, const char **killed, char **pending, size_t *pending_len,
                           int *stdin_eof, int in_w) {
  if (strcmp(line, "kill") == 0) {
    *killed = "cancel";
    kill_all();
  } else if (strncmp(line, "stdin ", 6) == 0 && in_w >= 0 && !*stdin_eof) {
    char *data = unhex(line + 6);
    size_t n = data ? strlen(line + 6) / 2 : 0;
    if (!data || *pending_len + n > PENDING_MAX) {
      free(data);
      *killed = "io";
      kill_all();
      return;
    }
    char *grown = realloc(*pending, *pending_len + n + 1);
    if (!grown) die("out of memory");
    memcpy(grown + *pending_len, data, n);
    *pending = grown;
    *pending_len += n;
    free(data);
  } else if (strcmp(line, "eof") == 0) {
    *stdin_eof = 1;
  } else if (strncmp(line, "stdin ", 6) != 0) {
    kill_all();
    die("unexpected request line during a run: %.40s", line);
  }
}

static void run(const struct request *rq, struct cgroups *cg, int sigfd) {
  if (rq->argc == 0) die("no command");
  uint64_t entry = now_us();
  if (apply_limits(cg, rq) < 0) {
    dprintf(1, "fail cannot prepare the run cgroup: %s\n", strerror(errno));
    return;
  }
  uint64_t limits_at = now_us();
  if (setup_stamps) memset((void *)setup_stamps, 0, STEP_COUNT * sizeof *setup_stamps);
  int in_fd, in_w = -1;
  if (rq->interactive) {
    int in_pipe[2];
    if (pipe2(in_pipe, O_CLOEXEC) < 0) {
      dprintf(1, "fail cannot make the stdin pipe: %s\n", strerror(errno));
      return;
    }
    in_fd = in_pipe[0];
    in_w = in_pipe[1];
    fcntl(in_w, F_SETFL, O_NONBLOCK);
  } else {
    in_fd = rq->stdin_path[0] ? open(rq->stdin_path, O_RDONLY | O_CLOEXEC) : open("/dev/null", O_RDONLY | O_CLOEXEC);
  }
  /* Interactive stdin the program has not read yet; capped so a client cannot fill our memory. */
  char *pending = NULL;
  size_t pending_len = 0;
  int stdin_eof = 0;
  int out[2], err[2], exec_err[2];
  struct capture cap_out = {-1, "out", rq->interactive, open_capture_file("stdout"), 0, rq->out_bytes, 0};
  struct capture cap_err = {-1, "err", rq->interactive, open_capture_file("stderr"), 0, rq->err_bytes, 0};
  if (in_fd < 0 || cap_out.file < 0 || cap_err.file < 0 || pipe2(out, O_CLOEXEC) < 0 ||
      pipe2(err, O_CLOEXEC) < 0 || pipe2(exec_err, O_CLOEXEC) < 0) {
    dprintf(1, "fail cannot prepare the run's files: %s\n", strerror(errno));
    return;
  }
  cap_out.fd = out[0];
  cap_err.fd = err[0];

  uint64_t start = now_us();
  int entered;
  struct child_start spawn = {rq, cg, &entered, in_fd, in_w, out, err, exec_err};
  pid_t pid = fork_run_child(cg, &entered, child_main, &spawn);
  if (pid < 0) {
    dprintf(1, "fail fork: %s\n", strerror(errno));
    return;
  }
  close(in_fd);
  close(out[1]);
  close(err[1]);
  close(exec_err[1]);
  fcntl(out[0], F_SETFL, O_NONBLOCK);
  fcntl(err[0], F_SETFL, O_NONBLOCK);

  int exec_errno = 0;
  ssize_t got = read(exec_err[0], &exec_errno, sizeof exec_errno);
  if (got != sizeof exec_errno) exec_errno = 0;
  close(exec_err[0]);
  /* The clock starts when the program is really running, not when fork returned. */
  uint64_t exec_at = now_us();

  long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  if (ncpu < 1) ncpu = 1;
  uint64_t wall_deadline = exec_at + rq->wall_ms * 1000u;
  uint64_t cpu_limit_us = rq->cpu_ms * 1000u;
  int main_done = 0, main_status = 0, killed_output = 0;
  /* Without memory.peak: the highest memory.current seen while the run lasts, and the largest
   * maximum resident set of its reaped processes (wait4), whichever is more. */
  int sample_memory = cg->mode == CG_V2 && !cg->has_peak;
  uint64_t sampled_peak = 0, max_rss_kb = 0;
  struct rusage usage;
  const char *killed = "none";
  int ctl_open = 1;

  while (!main_done || cap_out.fd >= 0 || cap_err.fd >= 0) {
    /* Control lines that arrived together with the request, or in one read with others. */
    for (char *line; ctl_open && (line = buffered_line());) {
      handle_control(line, &killed, &pending, &pending_len, &stdin_eof, in_w);
    }
    if (in_w >= 0 && pending_len == 0 && stdin_eof) {
      close(in_w);
      in_w = -1;
    }
    struct pollfd fds[5];
    int nfds = 0;
    fds[nfds++] = (struct pollfd){sigfd, POLLIN, 0};
    if (cap_out.fd >= 0) fds[nfds++] = (struct pollfd){cap_out.fd, POLLIN, 0};
    if (cap_err.fd >= 0) fds[nfds++] = (struct pollfd){cap_err.fd, POLLIN, 0};
    if (ctl_open) fds[nfds++] = (struct pollfd){0, POLLIN, 0};
    if (in_w >= 0 && pending_len > 0) fds[nfds++] = (struct pollfd){in_w, POLLOUT, 0};

    uint64_t t = now_us();
    int timeout_ms = -1;
    if (!main_done) {
      uint64_t cpu = cgroup_cpu_us(cg);
      if (sample_memory) {
        uint64_t current = read_u64_at(cg->run_fd[0], "memory.current");
        if (current > sampled_peak) sampled_peak = current;
      }
      if (cpu > cpu_limit_us) {
        killed = "cpu";
        kill_all();
      } else if (t >= wall_deadline) {
        killed = "wall";
        kill_all();
      }
      /* CPU time grows at most ncpu times as fast as the clock, so this is the earliest moment
       * the CPU limit could be crossed; capped so the wall clock is checked often enough too. */
      uint64_t cpu_left_ms = (cpu_limit_us - (cpu < cpu_limit_us ? cpu : cpu_limit_us)) / 1000u / (uint64_t)ncpu;
      uint64_t wall_left_ms = t < wall_deadline ? (wall_deadline - t + 999) / 1000u : 0;
      uint64_t wait = cpu_left_ms < wall_left_ms ? cpu_left_ms : wall_left_ms;
      if (wait > 100) wait = 100;
      timeout_ms = (int)(wait < 1 ? 1 : wait);
    } else {
      timeout_ms = 100; /* main exited; only leftovers holding pipes remain, and they are dead */
    }
    int ready = poll(fds, (nfds_t)nfds, timeout_ms);
    if (ready < 0 && errno != EINTR) break;

    for (int i = 0; i < nfds && ready > 0; i++) {
      if (!fds[i].revents) continue;
      if (fds[i].fd == sigfd) {
        struct signalfd_siginfo si;
        while (read(sigfd, &si, sizeof si) == sizeof si) {
        }
        int status;
        pid_t w;
        while ((w = wait4(-1, &status, WNOHANG, &usage)) > 0) {
          if ((uint64_t)usage.ru_maxrss > max_rss_kb) max_rss_kb = (uint64_t)usage.ru_maxrss;
          if (w == pid) {
            main_done = 1;
            main_status = status;
            kill_all(); /* daemons and stragglers die with the main process */
          }
        }
      } else if (fds[i].fd == 0) {
        if (fill_input() <= 0) {
          ctl_open = 0;
          killed = "cancel";
          kill_all();
        }
      } else if (fds[i].fd == in_w) {
        ssize_t n = write(in_w, pending, pending_len);
        if (n > 0) {
          memmove(pending, pending + n, pending_len - (size_t)n);
          pending_len -= (size_t)n;
        } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
          /* The program closed its stdin (EPIPE): what it did not read is dropped. */
          pending_len = 0;
          close(in_w);
          in_w = -1;
        }
      } else {
        struct capture *c = fds[i].fd == cap_out.fd ? &cap_out : &cap_err;
        if (drain(c, &killed_output) < 0) {
          killed = "io";
          kill_all();
        }
      }
    }
    if (killed_output && strcmp(killed, "none") == 0) killed = "output";
  }
  uint64_t end = now_us();
  if (in_w >= 0) close(in_w);
  free(pending);

  /* Reap whatever is left; all of it has been sent SIGKILL. */
  int status;
  while (wait4(-1, &status, 0, &usage) > 0) {
    if ((uint64_t)usage.ru_maxrss > max_rss_kb) max_rss_kb = (uint64_t)usage.ru_maxrss;
  }
  struct signalfd_siginfo si;
  while (read(sigfd, &si, sizeof si) == sizeof si) {
  }

  uint64_t cpu_us = cgroup_cpu_us(cg);
  uint64_t mem_peak = 0, oom = 0, pids_hit = 0;
  if (cg->mode == CG_V1) {
    mem_peak = read_u64_at(cg->run_fd[0], "memory.max_usage_in_bytes");
    oom = read_keyed(cg->run_fd[0], "memory.oom_control", "oom_kill");
    pids_hit = read_keyed(cg->run_fd[1], "pids.events", "max");
  } else {
    if (sample_memory) {
      mem_peak = sampled_peak > max_rss_kb * 1024u ? sampled_peak : max_rss_kb * 1024u;
    } else {
      mem_peak = read_u64_at(cg->run_fd[0], "memory.peak");
    }
    oom = read_keyed(cg->run_fd[0], "memory.events", "oom_kill");
    pids_hit = read_keyed(cg->run_fd[0], "pids.events", "max");
  }
  int clean = 1;
  for (int attempt = 0; attempt < 50 && cgroup_has_tasks(cg); attempt++) {
    kill_all();
    usleep(1000);
  }
  if (cgroup_has_tasks(cg)) clean = 0;
  close(cap_out.file);
  close(cap_err.file);

  int exit_code = -1, sig = 0;
  if (WIFEXITED(main_status)) exit_code = WEXITSTATUS(main_status);
  if (WIFSIGNALED(main_status)) sig = WTERMSIG(main_status);
  /* Setup step by step (steps a failed exec never reached read 0). Each is the time from the end
   * of the step before: fork is the parent's fork call to the child's first instruction, exec the
   * last stamp to the parent seeing the exec (its pipe closed). meter: from the program's end to
   * this report (reaping, the cgroup's counters, proving it empty). */
  uint64_t marks[STEP_COUNT + 1];
  marks[0] = start;
  for (int i = 0; i < STEP_COUNT; i++) {
    uint64_t at = setup_stamps ? setup_stamps[i] : 0;
    marks[i + 1] = at >= marks[i] ? at : marks[i];
  }
  uint64_t seen_exec = exec_at > marks[STEP_COUNT] ? exec_at : marks[STEP_COUNT];
#define STEP(i) (unsigned long long)(marks[(i) + 1] - marks[i])
  dprintf(1,
          "ok exit=%d signal=%d exec_errno=%d setup_us=%llu cpu_us=%llu wall_us=%llu mem_bytes=%llu oom=%llu "
          "pids_hit=%llu killed=%s out_bytes=%llu out_truncated=%d err_bytes=%llu "
          "err_truncated=%d clean=%d into_cgroup=%d "
          "steps_us=limits:%llu,files:%llu,fork:%llu,cgroup:%llu,fds:%llu,rlimits:%llu,uid:%llu,seccomp:%llu,"
          "exec:%llu,meter:%llu,reset:%llu\n",
          exit_code, sig, exec_errno, (unsigned long long)(exec_at - start), (unsigned long long)cpu_us,
          (unsigned long long)(end - (exec_errno ? start : exec_at)), (unsigned long long)mem_peak,
          (unsigned long long)oom, (unsigned long long)pids_hit, killed,
          (unsigned long long)cap_out.kept, cap_out.truncated, (unsigned long long)cap_err.kept,
          cap_err.truncated, clean, entered, (unsigned long long)(limits_at - entry),
          (unsigned long long)(start - limits_at), STEP(STEP_CHILD), STEP(STEP_CGROUP), STEP(STEP_FDS),
          STEP(STEP_RLIMITS), STEP(STEP_UID), STEP(STEP_SECCOMP),
          (unsigned long long)(seen_exec - marks[STEP_COUNT]), (unsigned long long)(now_us() - end),
          (unsigned long long)last_reset_us);
#undef STEP
  /* After the report: the next run's cgroup is made while the caller reads this one's output. */
  uint64_t reset_from = now_us();
  if (clean) prepare_run_cgroups(cg);
  else cg->ready = 0;
  last_reset_us = now_us() - reset_from;
}

/* The tmpfs mounts a program can write to (bwrap-args.ts makes them). bubblewrap's --tmpfs takes a
 * size but no inode count, and empty files cost no blocks: without a cap a program could leave
 * millions of them, pinning kernel memory after its run and making every wipe of the slot slow.
 * Remounting keeps each mount's size and its nosuid and nodev flags, and needs CAP_SYS_ADMIN, so it
 * happens at start-up, before that capability is dropped. */
#define WRITABLE_MOUNTS 3
static const char *const writable_mounts[WRITABLE_MOUNTS] = {"/box", "/tmp", "/dev/shm"};

static void cap_inodes(unsigned long inodes) {
  char options[64];
  snprintf(options, sizeof options, "nr_inodes=%lu", inodes);
  for (size_t i = 0; i < WRITABLE_MOUNTS; i++) {
    if (mount(NULL, writable_mounts[i], NULL, MS_REMOUNT | MS_NOSUID | MS_NODEV, options) < 0)
      die("cannot cap the inodes of %s: %s", writable_mounts[i], strerror(errno));
  }
}

/* ---------- the reset between leases ---------- */

/* The wipe between leases runs here, in one request, rather than as a walk of many file system
 * calls from the server through /proc/PID/root (issue [M]: that walk was the largest part of a run's
 * cost on the server's side). Wiping the program's files takes three capabilities: DAC_OVERRIDE to
 * enter and empty directories the program owns (and may have chmod'ed to 0), FOWNER to delete other
 * uids' files in the sticky /tmp and /dev/shm and to set the work directory's mode, CHOWN to give
 * the work directory back to the slot's uid. The supervisor holds them in its permitted set only and
 * raises them into its effective set for the length of a wipe, so nothing else it does (a run's
 * child before its exec: chdir, the open of stdin) has them; a run's child loses them for good with
 * its uid switch, and the empty bounding set keeps any exec from regaining them. */
static const int wipe_caps[] = {CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER};

/* Raises (1) or lowers (0) wipe_caps in the effective set. Returns 0, or -1 with errno set. */
static int set_wipe_caps(int raised) {
  struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
  if (syscall(SYS_capget, &header, data) < 0) return -1;
  for (size_t i = 0; i < sizeof wipe_caps / sizeof wipe_caps[0]; i++) {
    unsigned word = CAP_TO_INDEX(wipe_caps[i]);
    if (raised) data[word].effective |= CAP_TO_MASK(wipe_caps[i]);
    else data[word].effective &= ~CAP_TO_MASK(wipe_caps[i]);
  }
  return (int)syscall(SYS_capset, &header, data);
}

/* Directories nested deeper than this are not followed: the slot is rebuilt instead, as when there
 * are too many entries. Each level holds an open directory while the wipe goes down. */
#define WIPE_MAX_DEPTH 64

enum wipe_outcome { WIPE_CLEAN, WIPE_FULL, WIPE_FAILED };

/* The writable mounts' root directories, opened once at start (see open_writable_mounts). */
static int mount_fds[WRITABLE_MOUNTS];

static void open_writable_mounts(void) {
  for (size_t i = 0; i < WRITABLE_MOUNTS; i++) {
    mount_fds[i] = open(writable_mounts[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (mount_fds[i] < 0) die("cannot open %s: %s", writable_mounts[i], strerror(errno));
  }
}

/* Removes every entry under `dirfd` (which stays), taking one of *budget for each; WIPE_FULL when
 * the entries outnumber the budget or nest deeper than WIPE_MAX_DEPTH. Nothing is ever followed:
 * entries are removed by name relative to their directory's fd, and a directory is entered only by
 * O_NOFOLLOW, so a symlink the program left (to /proc/1/fd/3, the slot's cgroup, say) is removed
 * itself. No process of the program is left to add entries meanwhile (its cgroup was proven empty).
 * `where` names the first entry that could not be removed, for the failure message. */
static enum wipe_outcome wipe_entries(int dirfd, int depth, uint64_t *budget, char *where, size_t where_size) {
  int fd = dup(dirfd);
  DIR *dir = fd < 0 ? NULL : fdopendir(fd);
  if (!dir) {
    if (fd >= 0) close(fd);
    snprintf(where, where_size, "opendir: %s", strerror(errno));
    return WIPE_FAILED;
  }
  /* The duplicate shares its offset with `dirfd`, which an earlier wipe left at the end. */
  rewinddir(dir);
  enum wipe_outcome outcome = WIPE_CLEAN;
  for (struct dirent *entry; outcome == WIPE_CLEAN && (errno = 0, entry = readdir(dir));) {
    const char *name = entry->d_name;
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) continue;
    if (*budget == 0) {
      outcome = WIPE_FULL;
      break;
    }
    (*budget)--;
    int is_dir = entry->d_type == DT_DIR;
    struct stat st;
    if (entry->d_type == DT_UNKNOWN) is_dir = fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
    if (is_dir) {
      if (depth >= WIPE_MAX_DEPTH) {
        outcome = WIPE_FULL;
        break;
      }
      int sub = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub < 0) {
        snprintf(where, where_size, "open %.200s: %s", name, strerror(errno));
        outcome = WIPE_FAILED;
        break;
      }
      outcome = wipe_entries(sub, depth + 1, budget, where, where_size);
      close(sub);
      if (outcome != WIPE_CLEAN) break;
    }
    if (unlinkat(dirfd, name, is_dir ? AT_REMOVEDIR : 0) < 0) {
      snprintf(where, where_size, "remove %.200s: %s", name, strerror(errno));
      outcome = WIPE_FAILED;
    }
  }
  if (outcome == WIPE_CLEAN && errno != 0) {
    snprintf(where, where_size, "readdir: %s", strerror(errno));
    outcome = WIPE_FAILED;
  }
  closedir(dir);
  return outcome;
}

/* A "reset N" request: empties the work directory, /tmp and /dev/shm, removes the run's stdin file,
 * and gives the work directory back to the slot's uid with mode 0755, as a new lease finds it.
 * Answers "reset clean", "reset full" when the three held more than N entries together (the caller
 * rebuilds the slot rather than wait for a long wipe), or "fail MESSAGE". */
static void reset_slot(uint64_t max_entries) {
  char where[256] = "";
  if (set_wipe_caps(1) < 0) {
    dprintf(1, "fail cannot raise the wipe's capabilities: %s\n", strerror(errno));
    return;
  }
  enum wipe_outcome outcome = WIPE_CLEAN;
  uint64_t budget = max_entries;
  for (size_t i = 0; i < WRITABLE_MOUNTS && outcome == WIPE_CLEAN; i++)
    outcome = wipe_entries(mount_fds[i], 0, &budget, where, sizeof where);
  if (outcome == WIPE_CLEAN && unlink(IO_DIR "/stdin") < 0 && errno != ENOENT) {
    snprintf(where, sizeof where, "remove the stdin file: %s", strerror(errno));
    outcome = WIPE_FAILED;
  }
  if (outcome == WIPE_CLEAN && (fchown(mount_fds[0], run_uid, run_gid) < 0 || fchmod(mount_fds[0], 0755) < 0)) {
    snprintf(where, sizeof where, "give back the work directory: %s", strerror(errno));
    outcome = WIPE_FAILED;
  }
  /* Lowered before anything else happens; a supervisor that cannot lower them must not go on. */
  if (set_wipe_caps(0) < 0) die("cannot lower the wipe's capabilities: %s", strerror(errno));
  if (outcome == WIPE_CLEAN) dprintf(1, "reset clean\n");
  else if (outcome == WIPE_FULL) dprintf(1, "reset full\n");
  else dprintf(1, "fail reset: %s\n", where);
}

int main(int argc, char **argv) {
  if (argc != 5 && !(argc == 6 && strcmp(argv[5], "sampled-memory") == 0))
    die("usage: arbiter-supervisor v1|v2 UID GID INODES [sampled-memory]");
  struct cgroups cg = {0};
  if (strcmp(argv[1], "v1") == 0) {
    cg.mode = CG_V1;
    cg.count = 3;
  } else if (strcmp(argv[1], "v2") == 0) {
    cg.mode = CG_V2;
    cg.count = 1;
    cg.clone_into = 1;
  } else {
    die("unknown cgroup mode %s", argv[1]);
  }
  for (int i = 0; i < 3; i++) {
    cg.slot_fd[i] = i < cg.count ? 3 + i : -1;
    cg.run_fd[i] = -1;
    if (i < cg.count && fcntl(cg.slot_fd[i], F_SETFD, FD_CLOEXEC) < 0)
      die("cgroup fd %d (%s) missing", 3 + i, cg.mode == CG_V1 ? v1_names[i] : "v2");
  }
  cg.sampled_memory = argc == 6;
  run_uid = (uid_t)strtoul(argv[2], NULL, 10);
  run_gid = (gid_t)strtoul(argv[3], NULL, 10);
  if (run_uid == 0 || run_gid == 0) die("refusing to run programs as root");
  unsigned long inodes = strtoul(argv[4], NULL, 10);
  if (inodes < 16) die("an inode cap of %s leaves no room for any program", argv[4]);

  for (size_t i = 0; i < IGNORED_SIGNAL_COUNT; i++) signal(ignored_signals[i], SIG_IGN);
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGCHLD);
  sigprocmask(SIG_BLOCK, &mask, NULL);
  int sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  if (sigfd < 0) die("signalfd: %s", strerror(errno));

  build_seccomp();
  void *stamps = mmap(NULL, STEP_COUNT * sizeof(uint64_t), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  setup_stamps = stamps == MAP_FAILED ? NULL : stamps;
  cap_inodes(inodes);
  open_writable_mounts();
  enter_slot_cgroups(&cg);
  /* Raised once here to prove they are permitted (bwrap-args.ts grants them), then lowered. */
  if (set_wipe_caps(1) < 0 || set_wipe_caps(0) < 0)
    die("cannot hold the wipe's capabilities (CHOWN, DAC_OVERRIDE, FOWNER): %s", strerror(errno));
  if (cg.mode == CG_V1) {
    int memsw = openat(cg.slot_fd[0], "memory.memsw.limit_in_bytes", O_RDONLY | O_CLOEXEC);
    cg.has_memsw = memsw >= 0;
    if (memsw >= 0) close(memsw);
  }
  if (prepare_run_cgroups(&cg) < 0) die("cannot create the run cgroup: %s", strerror(errno));
  drop_bounding_set();
  load_slot_seccomp();
  if (!cg.clone_into) refuse_clone3_from_now_on();
  dprintf(1, "ready\n");

  struct request rq;
  for (enum request_kind kind; (kind = read_request(&rq)) != REQUEST_END; free_request(&rq)) {
    if (kind == REQUEST_RUN) run(&rq, &cg, sigfd);
    else reset_slot(rq.reset_entries);
  }
  return 0;
}
