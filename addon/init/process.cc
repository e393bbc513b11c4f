/* Process steps: hooks run by the init, the exec fifo, descriptors and the working directory,
 * capabilities, the console, execve. */
#include "init.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <malloc.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/openat2.h>

static const Arg &arg(const Step &s, uint32_t i) {
  static Arg none = {};
  return i < s.nargs ? s.a[i] : none;
}

static int64_t now_ms() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* path argv env timeout_ms stdin_state: run a hook, feed it the state, wait with a timeout. */
void op_hook(const Step &s) {
  const char *path = arg(s, 0).s;
  if (arg(s, 5).s) g_label = arg(s, 5).s;
  int in[2];
  if (pipe2(in, O_CLOEXEC) < 0) fail("pipe2");
  pid_t pid = fork();
  if (pid < 0) fail("fork");
  if (pid == 0) {
    dup2(in[0], 0);
    int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (null >= 0) { dup2(null, 1); dup2(null, 2); }
    execve(path, arg(s, 1).list, arg(s, 2).list);
    _exit(127);
  }
  close(in[0]);
  int64_t k = arg(s, 4).i;
  if (k >= 1 && k <= 8 && g_state_lens[k - 1]) {
    signal(SIGPIPE, SIG_IGN);
    ssize_t w = write(in[1], g_states[k - 1], g_state_lens[k - 1]);
    (void)w;
  }
  close(in[1]);
  int64_t timeout = arg(s, 3).i, deadline = timeout > 0 ? now_ms() + timeout : 0;
  int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
  int status = 0;
  for (;;) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) fail("waitpid", path);
    int wait = deadline ? (int)(deadline - now_ms()) : -1;
    if (deadline && wait <= 0) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      char d[512];
      snprintf(d, sizeof d, "hook %s timed out after %lld ms", path, (long long)timeout);
      fail("hook", d, ETIMEDOUT);
    }
    if (pfd >= 0) {
      struct pollfd p = {pfd, POLLIN, 0};
      poll(&p, 1, wait);
    } else {
      usleep(1000);
    }
  }
  if (pfd >= 0) close(pfd);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    char d[512];
    /* the words of the runtime's own hooks (hooks/run.ts) and runc's ("error running hook",
     * Go's "signal: bad system call"), which scripts match */
    if (WIFEXITED(status)) {
      snprintf(d, sizeof d, "error running hook %s: exit status %d", path, WEXITSTATUS(status));
    } else {
      char name[64];
      const char *sn = strsignal(WTERMSIG(status));
      size_t i = 0;
      for (; sn && sn[i] && i < sizeof name - 1; i++) name[i] = (char)tolower((unsigned char)sn[i]);
      name[i] = 0;
      snprintf(d, sizeof d, "error running hook %s: signal: %s (signal %d)", path, name, WTERMSIG(status));
    }
    fail("hook", d, ECANCELED);
  }
}

/*
 * The init of a created container waits for `start`, possibly for hours, and engines keep hundreds
 * of them: what the setup steps needed and no longer do goes back to the kernel before the wait.
 * The stack below this frame (deep buffers of the mount and process steps) and the free memory of
 * the heap (received plan messages, the seccomp copy). Called once, before the seccomp filter is
 * loaded (a profile may deny madvise or brk) or, without one, before the fifo. Failures are
 * harmless and ignored: the memory simply stays.
 */
void release_setup_memory() {
  static bool done = false;
  if (done) return;
  done = true;
  malloc_trim(0);
  /* Keep 16 KiB below this frame for the calls still to come; nothing lives deeper. */
  const uintptr_t page = 4096, span = 256 * 1024;
  uintptr_t top = ((uintptr_t)__builtin_frame_address(0) & ~(page - 1)) - 4 * page;
  /* Addresses below the stack's mapping are skipped by the kernel (ENOMEM, ignored). */
  (void)madvise((void *)(top - span), span, MADV_DONTNEED);
}

/* dirfd_index name: tell the parent create is done, then block until `start` opens the fifo.
 * "Done" is the sync socket closing while the init lives: close(2) is allowed by any seccomp
 * profile, sendmsg(2) is not, and the filter may already be loaded here (runc's order). */
void op_wait_start(const Step &s) {
  int dir = fd_at(arg(s, 0).i);
  /* Before saying ready: can the fifo be opened at all? Without a reader a non-blocking open for
   * writing fails with ENXIO after the descriptor is allocated, so EMFILE (process.rlimits
   * RLIMIT_NOFILE too low) or EACCES shows here, where it can still be reported; create must not
   * succeed for an init that dies right after. Same call as below, so a seccomp profile that
   * allows one allows the other. */
  int fd;
  do fd = openat(dir, arg(s, 1).s, O_WRONLY | O_NONBLOCK | O_CLOEXEC); while (fd < 0 && errno == EINTR);
  if (fd < 0 && errno != ENXIO) fail("open exec fifo", arg(s, 1).s);
  release_setup_memory();
  /* The runtime may exit once we are ready: its death must no longer kill us (op_fork). */
  prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
  close(g_sock);
  g_sock = -1;
  if (fd < 0) do fd = openat(dir, arg(s, 1).s, O_WRONLY | O_CLOEXEC); while (fd < 0 && errno == EINTR);
  if (fd < 0) fail("open exec fifo");
  if (write(fd, "0", 1) != 1) fail("write exec fifo");
  close(fd);
  close(dir);
}

static char g_exec_path[4096];

static bool executable(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0;
}

/* file path_env: find the program now, after pivot_root, as runc's LookPath does before the fifo. */
void op_exec_lookup(const Step &s) {
  const char *file = arg(s, 0).s, *pathenv = arg(s, 1).s;
  char detail[1024];
  if (strchr(file, '/')) {
    snprintf(g_exec_path, sizeof g_exec_path, "%s", file);
    struct stat st;
    if (stat(file, &st) < 0) {
      snprintf(detail, sizeof detail, "exec: \"%s\": stat %s: no such file or directory", file, file);
      fail("exec", detail);
    }
    if (S_ISDIR(st.st_mode)) {
      snprintf(detail, sizeof detail, "exec: \"%s\": is a directory", file);
      fail("exec", detail, EACCES);
    }
    return;
  }
  const char *p = pathenv;
  while (p) {
    const char *colon = strchr(p, ':');
    size_t n = colon ? (size_t)(colon - p) : strlen(p);
    if (n == 0) snprintf(g_exec_path, sizeof g_exec_path, "./%s", file);
    else snprintf(g_exec_path, sizeof g_exec_path, "%.*s/%s", (int)n, p, file);
    if (executable(g_exec_path)) return;
    p = colon ? colon + 1 : nullptr;
  }
  snprintf(detail, sizeof detail, "exec: \"%s\": executable file not found in $PATH", file);
  fail("exec", detail, ENOENT);
}

/* argv env keep_fds */
void op_exec(const Step &s) {
  /* Everything above stdio and the preserved fds closes at exec (main() marked them already;
   * again here for fds opened since, ignoring a seccomp profile that forbids close_range). */
  syscall(SYS_close_range, 3 + (unsigned)arg(s, 2).i, ~0U, 4 /* CLOSE_RANGE_CLOEXEC */);
  /* Set in op_fork until the runtime knows us; a detached exec outlives its runtime. */
  prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
  char **argv = arg(s, 0).list;
  if (arg(s, 3).s) g_label = arg(s, 3).s;
  const char *path = g_exec_path[0] ? g_exec_path : argv[0];
  execve(path, argv, arg(s, 1).list);
  char detail[1024];
  snprintf(detail, sizeof detail, "exec: \"%s\"", argv[0]);
  fail("execve", detail);
}

static void capset_all(uint64_t eff, uint64_t perm, uint64_t inh) {
  struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct d[2] = {};
  d[0].effective = (uint32_t)eff; d[1].effective = (uint32_t)(eff >> 32);
  d[0].permitted = (uint32_t)perm; d[1].permitted = (uint32_t)(perm >> 32);
  d[0].inheritable = (uint32_t)inh; d[1].inheritable = (uint32_t)(inh >> 32);
  if (syscall(SYS_capset, &h, d) < 0) fail("capset");
}

static int last_cap() {
  static int last = -1;
  if (last >= 0) return last;
  last = 40;
  int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    char b[16] = {};
    if (read(fd, b, sizeof b - 1) > 0) last = atoi(b);
    close(fd);
  }
  return last;
}

void op_capbset(const Step &s) {
  uint64_t keep = arg(s, 0).i;
  for (int c = 0; c <= last_cap() && c < 64; c++) {
    if (keep & (1ULL << c)) continue;
    if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL) fail("prctl(PR_CAPBSET_DROP)");
  }
}

void op_caps(const Step &s) { capset_all(arg(s, 0).i, arg(s, 1).i, arg(s, 2).i); }

void op_ambient(const Step &s) {
  uint64_t mask = arg(s, 0).i;
  prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  for (int c = 0; c < 64; c++) {
    if (!(mask & (1ULL << c))) continue;
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0) fail("prctl(PR_CAP_AMBIENT_RAISE)");
  }
}

/* socket_fd_index rows cols: a pty whose slave becomes stdio and controlling terminal. */
void op_console(const Step &s) {
  int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) fail("open", "/dev/ptmx");
  int unlock = 0;
  if (ioctl(master, TIOCSPTLCK, &unlock) < 0) fail("ioctl(TIOCSPTLCK)");
  int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
  if (slave < 0) fail("ioctl(TIOCGPTPEER)");
  if (arg(s, 1).i > 0 || arg(s, 2).i > 0) {
    struct winsize ws = {};
    ws.ws_row = arg(s, 1).i;
    ws.ws_col = arg(s, 2).i;
    ioctl(master, TIOCSWINSZ, &ws);
  }
  /* /dev/console is the pty, as runc mounts it. */
  char slave_path[64] = "/dev/console";
  int ptn = 0;
  if (ioctl(master, TIOCGPTN, &ptn) == 0) {
    snprintf(slave_path, sizeof slave_path, "/dev/pts/%d", ptn);
    int c = open("/dev/console", O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    if (c >= 0) close(c);
    mount(slave_path, "/dev/console", nullptr, MS_BIND, nullptr);
  }
  int64_t sock_index = arg(s, 0).i;
  if (sock_index >= 0) {
    /* runc's console-socket protocol: the datagram carries the pty name, SCM_RIGHTS the master. */
    int sock = fd_at(sock_index);
    if (send_raw(sock, slave_path, strlen(slave_path), master) < 0) fail("sendmsg(console socket)");
    close(sock);
  } else if (send_msg(MSG_FD, "", 0, master) < 0) {
    fail("sendmsg(pty master)");
  }
  close(master);
  /* the terminal belongs to the user the program runs as (its group stays tty) */
  if (fchown(slave, (uid_t)arg(s, 3).i, (gid_t)-1) < 0) fail("fchown", "the pty");
  if (ioctl(slave, TIOCSCTTY, 0) < 0) fail("ioctl(TIOCSCTTY)");
  for (int fd = 0; fd < 3; fd++)
    if (dup2(slave, fd) < 0) fail("dup2");
  if (slave > 2) close(slave);
}

/*
 * The working directory (CVE-2024-21626). process.cwd comes from the image (its WORKDIR), so it
 * is hostile input: /proc/self/fd/N names whatever directory the init holds as descriptor N, and a
 * host directory there would start the container's process outside its root, where `..` climbs
 * to the host. Three defences, each enough on its own:
 *   1. CLOSE_FDS before the first CHDIR: the init holds no descriptor but stdio, the preserved
 *      fds, the sync socket, the root and the received fds later steps name (all close-on-exec);
 *   2. the path is resolved inside the current root with openat2(RESOLVE_IN_ROOT |
 *      RESOLVE_NO_MAGICLINKS) from an fd of "/", then fchdir: no /proc magic link is followed, and
 *      `..` stops at the root;
 *   3. after the fchdir, getcwd(2) must name a path under the root: the kernel prefixes
 *      "(unreachable)" otherwise (runc's check), and the init fails before any code of the image.
 */

/* preserved:int fd_index:int... */
void op_close_fds(const Step &s) {
  int keep[72];
  int n = 0;
  keep[n++] = g_sock;
  keep[n++] = g_rootfd;
  bool listed[64] = {};
  for (uint32_t i = 1; i < s.nargs && n < 72; i++) {
    keep[n++] = fd_at(arg(s, i).i);
    listed[arg(s, i).i] = true;
  }
  for (int i = 0; i < g_nfds; i++)
    if (!listed[i]) g_fds[i] = -1; /* closed below: a later step naming it fails with EBADF */
  /* what stays is close-on-exec, whatever it was given as (the image's program gets none of it) */
  for (int i = 0; i < n; i++)
    if (keep[i] >= 0 && fcntl(keep[i], F_SETFD, FD_CLOEXEC) < 0) fail("fcntl(FD_CLOEXEC)");
  /* sort the kept fds, then close the gaps between them */
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0 && keep[j - 1] > keep[j]; j--) { int t = keep[j]; keep[j] = keep[j - 1]; keep[j - 1] = t; }
  unsigned from = 3 + (unsigned)arg(s, 0).i;
  struct rlimit rl;
  unsigned top = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max < (1u << 20) ? (unsigned)rl.rlim_max : (1u << 20);
  for (int i = 0; i <= n; i++) {
    unsigned to = i < n ? (unsigned)keep[i] : ~0U; /* close [from, to) */
    if (i < n && (keep[i] < 0 || (unsigned)keep[i] < from)) continue;
    if (to > from) {
      /* close_range(2) may be refused by a seccomp profile loaded already: close one by one */
      if (syscall(SYS_close_range, from, to - 1, 0) < 0)
        for (unsigned fd = from; fd < to && fd < top; fd++) close((int)fd);
    }
    from = to + 1;
  }
}

static int open_in_root(const char *path) {
  int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) return -1;
  struct open_how how = {};
  how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  long fd;
  do fd = syscall(SYS_openat2, root, path, &how, sizeof how); while (fd < 0 && errno == EAGAIN);
  int e = errno;
  close(root);
  errno = e;
  return (int)fd;
}

[[noreturn]] static void cwd_fail(const char *syscall_name, int err) {
  if (err == ELOOP) fail("resolve", "inside the container's root (a /proc magic link or a symlink loop)", ELOOP);
  fail(syscall_name, "", err);
}

/* path: make the missing directories of process.cwd inside the root (runc's MkdirAll, 0755). A
 * path that cannot resolve inside the root is left for CHDIR to refuse with its reason. */
void op_mkdir(const Step &s) {
  int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) fail("open", "/");
  int fd = resolve_in(root, arg(s, 0).s, 1);
  int e = errno;
  close(root);
  if (fd >= 0) { close(fd); return; }
  if (e == ELOOP || e == ENOTDIR) return;
  cwd_fail("mkdir", e);
}

static bool g_cwd_done = false;

/* path final */
void op_chdir(const Step &s) {
  const char *path = arg(s, 0).s;
  bool final = arg(s, 1).i != 0;
  if (g_cwd_done) return;
  int fd = open_in_root(path);
  int e = fd < 0 ? errno : 0;
  if (fd >= 0 && fchdir(fd) < 0) e = errno;
  if (fd >= 0) close(fd);
  if (e) {
    /* runc: a directory only the container's user can enter is tried again after setuid */
    if (!final && (e == EACCES || e == EPERM)) return;
    cwd_fail("chdir", e);
  }
  g_cwd_done = true;
  /* checked right after the chdir that worked, before any other step */
  char buf[4096];
  long r = syscall(SYS_getcwd, buf, sizeof buf);
  if (r < 0) fail("getcwd");
  if (buf[0] != '/') fail("getcwd", "reports the working directory outside the container's root: possible breakout", EPERM);
}
