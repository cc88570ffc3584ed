/*
 * exec-loop: the bench's bare ceiling. Runs one command RUNS times with fork/exec/wait, at most
 * CONCURRENCY at once (each finished run starts the next), and prints the wall time as one JSON
 * object on stdout.
 *
 * Why C: the ceiling must be the least any runner can spend on a run. Node's child_process.spawn
 * forks the whole node process on its main thread and was slower than the sandbox itself (a C hello
 * at 110/s bare against 208/s sandboxed), which made every ratio meaningless. This loop does what
 * any runner must do and nothing more: fork, exec, feed stdin, drain stdout and stderr through pipes,
 * reap. The sandbox does all of that plus its isolation, so it cannot beat this loop except by noise.
 *
 * Usage: exec-loop [-n RUNS] [-c CONCURRENCY] [-w WARMUP] [-d DIR] [-i STDIN_FILE] [-o EXPECT_FILE]
 *                  [-e NAME=VALUE]... [-t TIMEOUT_MS] -- COMMAND [ARG]...
 *   -n  measured runs (default 1)            -c  runs at once (default 1)
 *   -w  unmeasured warm-up runs first        -d  working directory of every run
 *   -i  bytes written to each run's stdin (default: stdin is /dev/null)
 *   -o  bytes each run's stdout must equal exactly; any other output fails the loop
 *   -e  the runs' environment, one entry per -e (nothing else is passed on); COMMAND without a
 *       slash is looked up once in this PATH (default /usr/local/bin:/usr/bin:/bin)
 *   -t  a run still going after this many ms is killed (its process group) and fails the loop
 *
 * Output (exit 0): {"runs":N,"concurrency":C,"warmup":W,"wall_ns":T,"runs_per_second":R,
 *   "run_ns":{"min":A,"median":B,"max":Z}}; wall_ns spans the measured runs only, from the first
 *   fork to the last run's end; a run ends when it has exited and both its output pipes are closed
 *   (the moment the sandbox's run() can return too).
 * Failure: a run that exits non-zero, dies of a signal, times out or prints something else makes
 *   the loop stop with a message on stderr and exit 1; bad usage exits 2. A failed run is never
 *   counted as a fast one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Bounds on what the caller can ask for: this runs from the bench, but a typo must not fork-bomb. */
#define MAX_RUNS 10000000L
#define MAX_CONCURRENCY 256
#define MAX_ENV 4096
#define MAX_FILE_BYTES (64L << 20)
#define DEFAULT_TIMEOUT_MS 60000L
#define DEFAULT_PATH "/usr/local/bin:/usr/bin:/bin"
/* How much of a failed run's output the error message shows. */
#define SHOWN_BYTES 300

struct run {
  pid_t pid;
  int pidfd, in_fd, out_fd, err_fd;
  int exited, status;
  size_t in_off;
  /* stdout is kept up to one byte past the expected output (enough to tell a mismatch), and
   * counted in full; stderr only for the message of a failed run. */
  char *out;
  size_t out_len, out_total;
  char err[SHOWN_BYTES];
  size_t err_len;
  int64_t start_ns, deadline_ns;
};

static const char *stdin_bytes;
static size_t stdin_len;
static const char *expected;
static size_t expected_len;
static int have_expected;
static size_t out_keep;
static int devnull = -1;

static void fail(int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("exec-loop: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(code);
}

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long parse_count(const char *text, const char *flag, long min, long max) {
  char *end;
  errno = 0;
  long value = strtol(text, &end, 10);
  if (errno || *end || end == text || value < min || value > max)
    fail(2, "%s wants a whole number from %ld to %ld, not \"%s\"", flag, min, max, text);
  return value;
}

static char *read_file(const char *path, size_t *len) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(2, "cannot open %s: %s", path, strerror(errno));
  struct stat st;
  if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > MAX_FILE_BYTES)
    fail(2, "%s must be a regular file of at most %ld bytes", path, MAX_FILE_BYTES);
  char *data = malloc((size_t)st.st_size + 1);
  if (!data) fail(1, "out of memory");
  size_t got = 0;
  while (got < (size_t)st.st_size) {
    ssize_t n = read(fd, data + got, (size_t)st.st_size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail(2, "cannot read %s: %s", path, n < 0 ? strerror(errno) : "file shrank");
    got += (size_t)n;
  }
  close(fd);
  *len = got;
  return data;
}

/* Looked up once, before any run, in the runs' own PATH: a bare run then pays for one execve, as a
 * run in the sandbox does once its supervisor has the path. */
static char *resolve(const char *file, char *const *envp) {
  if (strchr(file, '/')) return strdup(file);
  const char *path = DEFAULT_PATH;
  for (char *const *e = envp; *e; e++)
    if (strncmp(*e, "PATH=", 5) == 0) path = *e + 5;
  char candidate[PATH_MAX];
  for (const char *p = path; *p;) {
    const char *colon = strchr(p, ':');
    size_t len = colon ? (size_t)(colon - p) : strlen(p);
    if (len > 0 && snprintf(candidate, sizeof candidate, "%.*s/%s", (int)len, p, file) < (int)sizeof candidate &&
        access(candidate, X_OK) == 0)
      return strdup(candidate);
    p += len + (colon ? 1 : 0);
  }
  fail(1, "%s is not in PATH %s", file, path);
  return NULL;
}

static void set_nonblocking(int fd) {
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) fail(1, "fcntl: %s", strerror(errno));
}

static void close_fd(int *fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

static void start(struct run *r, const char *file, char *const *argv, char *const *envp, long timeout_ms) {
  int in[2] = {-1, -1}, out[2], err[2];
  if ((stdin_bytes && pipe2(in, O_CLOEXEC) < 0) || pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0)
    fail(1, "pipe: %s", strerror(errno));
  r->start_ns = now_ns();
  r->deadline_ns = r->start_ns + timeout_ms * 1000000LL;
  pid_t pid = fork();
  if (pid < 0) fail(1, "fork: %s", strerror(errno));
  if (pid == 0) {
    /* Its own process group, so a timeout kills whatever it started too. SIGPIPE is ignored by the
     * loop (a run may exit without reading its stdin) and an ignored signal would stay ignored
     * across exec, so the run gets the default back. */
    setpgid(0, 0);
    signal(SIGPIPE, SIG_DFL);
    if (dup2(stdin_bytes ? in[0] : devnull, 0) < 0 || dup2(out[1], 1) < 0 || dup2(err[1], 2) < 0) _exit(126);
    execve(file, argv, envp);
    dprintf(2, "exec-loop: cannot run %s: %s\n", file, strerror(errno));
    _exit(127);
  }
  r->pid = pid;
  r->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (r->pidfd < 0) fail(1, "pidfd_open (Linux 5.3+): %s", strerror(errno));
  if (stdin_bytes) close(in[0]);
  close(out[1]);
  close(err[1]);
  r->in_fd = stdin_bytes ? in[1] : -1;
  r->out_fd = out[0];
  r->err_fd = err[0];
  if (r->in_fd >= 0) set_nonblocking(r->in_fd);
  set_nonblocking(r->out_fd);
  set_nonblocking(r->err_fd);
  r->exited = 0;
  r->in_off = 0;
  r->out_len = r->out_total = r->err_len = 0;
  if (r->in_fd >= 0 && stdin_len == 0) close_fd(&r->in_fd);
}

static void feed(struct run *r) {
  while (r->in_fd >= 0 && r->in_off < stdin_len) {
    ssize_t n = write(r->in_fd, stdin_bytes + r->in_off, stdin_len - r->in_off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    if (n < 0) break; /* EPIPE: the run exited or closed stdin without reading it all, as it may */
    r->in_off += (size_t)n;
  }
  close_fd(&r->in_fd);
}

static void drain(struct run *r, int *fd, int is_out) {
  char buf[65536];
  for (;;) {
    ssize_t n = read(*fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    if (n <= 0) break;
    if (is_out) {
      size_t keep = r->out_len < out_keep ? out_keep - r->out_len : 0;
      if (keep > (size_t)n) keep = (size_t)n;
      memcpy(r->out + r->out_len, buf, keep);
      r->out_len += keep;
      r->out_total += (size_t)n;
    } else {
      size_t keep = sizeof r->err - r->err_len;
      if (keep > (size_t)n) keep = (size_t)n;
      memcpy(r->err + r->err_len, buf, keep);
      r->err_len += keep;
    }
  }
  close_fd(fd);
}

static void reap(struct run *r) {
  int status;
  while (waitpid(r->pid, &status, 0) < 0)
    if (errno != EINTR) fail(1, "waitpid: %s", strerror(errno));
  r->status = status;
  r->exited = 1;
  close_fd(&r->pidfd);
  /* Nothing reads the rest of stdin now; keeping the pipe open would only hold its buffer. */
  close_fd(&r->in_fd);
}

static void check(const struct run *r, long index) {
  const char *why = NULL;
  char what[64];
  if (WIFSIGNALED(r->status)) {
    snprintf(what, sizeof what, "died of signal %d", WTERMSIG(r->status));
    why = what;
  } else if (WEXITSTATUS(r->status) != 0) {
    snprintf(what, sizeof what, "exited %d", WEXITSTATUS(r->status));
    why = what;
  } else if (have_expected && (r->out_total != expected_len || memcmp(r->out, expected, expected_len) != 0)) {
    why = "printed something other than the expected output";
  }
  if (!why) return;
  size_t shown = r->out_len < SHOWN_BYTES ? r->out_len : SHOWN_BYTES;
  fail(1, "run %ld %s; stdout (%zu bytes) begins \"%.*s\"; stderr begins \"%.*s\"", index, why, r->out_total,
       (int)shown, r->out, (int)r->err_len, r->err);
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

/* Runs `total` runs, at most `concurrency` at once; fills durations (ns) when given. */
static void loop(long total, int concurrency, const char *file, char *const *argv, char *const *envp, long timeout_ms,
                 int64_t *durations) {
  struct run runs[MAX_CONCURRENCY];
  int active[MAX_CONCURRENCY]; /* indexes into runs of the runs in progress */
  long index_of[MAX_CONCURRENCY];
  struct pollfd fds[MAX_CONCURRENCY * 4];
  int owner[MAX_CONCURRENCY * 4];
  for (int i = 0; i < concurrency; i++) {
    runs[i].out = malloc(out_keep > 0 ? out_keep : 1);
    if (!runs[i].out) fail(1, "out of memory");
    active[i] = 0;
  }
  long started = 0, done = 0;
  while (done < total) {
    for (int i = 0; i < concurrency && started < total; i++) {
      if (active[i]) continue;
      start(&runs[i], file, argv, envp, timeout_ms);
      feed(&runs[i]);
      active[i] = 1;
      index_of[i] = started++;
    }
    int nfds = 0;
    int64_t next_deadline = INT64_MAX;
    for (int i = 0; i < concurrency; i++) {
      if (!active[i]) continue;
      struct run *r = &runs[i];
      if (r->deadline_ns < next_deadline) next_deadline = r->deadline_ns;
      if (r->in_fd >= 0) fds[nfds] = (struct pollfd){r->in_fd, POLLOUT, 0}, owner[nfds++] = i;
      if (r->out_fd >= 0) fds[nfds] = (struct pollfd){r->out_fd, POLLIN, 0}, owner[nfds++] = i;
      if (r->err_fd >= 0) fds[nfds] = (struct pollfd){r->err_fd, POLLIN, 0}, owner[nfds++] = i;
      if (r->pidfd >= 0) fds[nfds] = (struct pollfd){r->pidfd, POLLIN, 0}, owner[nfds++] = i;
    }
    int64_t wait_ms = (next_deadline - now_ns()) / 1000000LL + 1;
    int ready = poll(fds, (nfds_t)nfds, wait_ms < 0 ? 0 : wait_ms > INT_MAX ? INT_MAX : (int)wait_ms);
    if (ready < 0 && errno != EINTR) fail(1, "poll: %s", strerror(errno));
    for (int k = 0; ready > 0 && k < nfds; k++) {
      if (!fds[k].revents) continue;
      struct run *r = &runs[owner[k]];
      if (fds[k].fd == r->in_fd) feed(r);
      else if (fds[k].fd == r->out_fd) drain(r, &r->out_fd, 1);
      else if (fds[k].fd == r->err_fd) drain(r, &r->err_fd, 0);
      else if (fds[k].fd == r->pidfd) reap(r);
    }
    int64_t now = now_ns();
    for (int i = 0; i < concurrency; i++) {
      if (!active[i]) continue;
      struct run *r = &runs[i];
      if (r->exited && r->out_fd < 0 && r->err_fd < 0) {
        check(r, index_of[i]);
        if (durations) durations[index_of[i]] = now - r->start_ns;
        active[i] = 0;
        done++;
      } else if (now > r->deadline_ns) {
        kill(-r->pid, SIGKILL);
        kill(r->pid, SIGKILL);
        fail(1, "run %ld still going after %ld ms; killed", index_of[i], timeout_ms);
      }
    }
  }
  for (int i = 0; i < concurrency; i++) free(runs[i].out);
}

int main(int argc, char **argv) {
  long runs = 1, warmup = 0, timeout_ms = DEFAULT_TIMEOUT_MS;
  int concurrency = 1;
  const char *dir = NULL;
  char **envp = calloc(MAX_ENV + 1, sizeof *envp);
  int envc = 0;
  if (!envp) fail(1, "out of memory");
  int opt;
  while ((opt = getopt(argc, argv, "+n:c:w:d:i:o:e:t:")) != -1) {
    switch (opt) {
    case 'n': runs = parse_count(optarg, "-n", 1, MAX_RUNS); break;
    case 'c': concurrency = (int)parse_count(optarg, "-c", 1, MAX_CONCURRENCY); break;
    case 'w': warmup = parse_count(optarg, "-w", 0, MAX_RUNS); break;
    case 't': timeout_ms = parse_count(optarg, "-t", 1, 24L * 3600 * 1000); break;
    case 'd': dir = optarg; break;
    case 'i': stdin_bytes = read_file(optarg, &stdin_len); break;
    case 'o':
      expected = read_file(optarg, &expected_len);
      have_expected = 1;
      break;
    case 'e':
      if (!strchr(optarg, '=')) fail(2, "-e wants NAME=VALUE, not \"%s\"", optarg);
      if (envc >= MAX_ENV) fail(2, "at most %d -e entries", MAX_ENV);
      envp[envc++] = optarg;
      break;
    default: fail(2, "usage: exec-loop [-n RUNS] [-c CONC] [-w WARMUP] [-d DIR] [-i FILE] [-o FILE] "
                     "[-e NAME=VALUE]... [-t MS] -- COMMAND [ARG]...");
    }
  }
  if (optind >= argc) fail(2, "no command given (exec-loop [options] -- COMMAND [ARG]...)");
  char **command = argv + optind;
  out_keep = have_expected ? expected_len + 1 : SHOWN_BYTES;
  if (dir && chdir(dir) < 0) fail(2, "cannot enter %s: %s", dir, strerror(errno));
  char *file = resolve(command[0], envp);
  devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (devnull < 0) fail(1, "cannot open /dev/null: %s", strerror(errno));
  signal(SIGPIPE, SIG_IGN);

  if (warmup > 0) loop(warmup, concurrency, file, command, envp, timeout_ms, NULL);
  int64_t *durations = malloc((size_t)runs * sizeof *durations);
  if (!durations) fail(1, "out of memory");
  int64_t began = now_ns();
  loop(runs, concurrency, file, command, envp, timeout_ms, durations);
  int64_t wall = now_ns() - began;
  qsort(durations, (size_t)runs, sizeof *durations, cmp_i64);
  int64_t median = runs % 2 ? durations[runs / 2] : (durations[runs / 2 - 1] + durations[runs / 2]) / 2;
  printf("{\"runs\":%ld,\"concurrency\":%d,\"warmup\":%ld,\"wall_ns\":%lld,\"runs_per_second\":%.3f,"
         "\"run_ns\":{\"min\":%lld,\"median\":%lld,\"max\":%lld}}\n",
         runs, concurrency, warmup, (long long)wall, runs / (wall / 1e9), (long long)durations[0],
         (long long)median, (long long)durations[runs - 1]);
  return 0;
}
