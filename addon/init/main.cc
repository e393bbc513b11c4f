/*
 * oci-ts-init entry: receive the plan, decode it completely, then run the steps.
 *
 * Stage 0 (this process, a child of the runtime) runs the namespace steps up to OP_FORK; the fork
 * uses CLONE_PARENT, so the container's init is a sibling, a child of the runtime itself (as
 * youki's container_clone_sibling). Stage 0 reports the new pid and exits; the init carries on.
 */
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <net/if.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <unistd.h>
#include <linux/sched.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

uint32_t g_step = 0;
const char *g_label = "";
int g_sock = -1;
int g_rootfd = -1;
int g_fds[64];
int g_nfds = 0;
const char *g_states[8];
size_t g_state_lens[8];

int send_raw(int sock, const void *data, size_t len, int fd) {
  struct iovec iov = {(void *)data, len};
  struct msghdr mh = {};
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  union { char b[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } c;
  if (fd >= 0) {
    mh.msg_control = c.b;
    mh.msg_controllen = sizeof c.b;
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &fd, sizeof(int));
  }
  for (;;) {
    ssize_t n = sendmsg(sock, &mh, MSG_NOSIGNAL);
    if (n >= 0) return 0;
    if (errno != EINTR) return -1;
  }
}

int send_msg(uint32_t type, const void *payload, size_t len, int fd) {
  char buf[8192];
  if (len + 4 > sizeof buf) len = sizeof buf - 4;
  memcpy(buf, &type, 4);
  if (len) memcpy(buf + 4, payload, len);
  return send_raw(g_sock, buf, len + 4, fd);
}

void fail(const char *syscall, const char *detail, int err) {
  if (err < 0) err = errno;
  char buf[4096];
  size_t sl = strlen(syscall), dl = strlen(detail);
  if (sl > 256) sl = 256;
  if (dl > 3000) dl = 3000;
  size_t off = 0;
  memcpy(buf + off, &g_step, 4); off += 4;
  int32_t e = err;
  memcpy(buf + off, &e, 4); off += 4;
  uint32_t l = sl;
  memcpy(buf + off, &l, 4); off += 4;
  memcpy(buf + off, syscall, sl); off += sl;
  l = dl;
  memcpy(buf + off, &l, 4); off += 4;
  memcpy(buf + off, detail, dl); off += dl;
  /* While the sync socket is open the runtime reports the failure. If sending fails there, the
   * runtime has died or given up on this container (it closed its end after an error of its own,
   * e.g. a full --root): it says what went wrong, and a second line here would only confuse. */
  if (g_sock >= 0) (void)send_msg(MSG_ERROR, buf, off);
  else {
    /* Nobody listens any more (after start): say it on the container's stderr, naming the field. */
    if (dl && (strcmp(syscall, "hook") == 0 || strcmp(syscall, "exec") == 0))
      dprintf(2, "oci-ts-init: %s%s%s\n", g_label, *g_label ? ": " : "", detail);
    else
      dprintf(2, "oci-ts-init: %s%s%s%s%s: %s\n", g_label, *g_label ? ": " : "", syscall, dl ? " " : "", detail, strerror(err));
  }
  _exit(err == ENOENT || err == EACCES ? 127 : 1);
}

int fd_at(int64_t index) {
  if (index < 0 || index >= g_nfds || g_fds[index] < 0) { errno = EBADF; fail("fd index"); }
  return g_fds[index];
}

/* MSG_LARGE: the message is in a sealed memfd, the last fd of the datagram; read it whole. */
static char *read_large(int mfd, uint64_t want, size_t *len) {
  struct stat st;
  if (fstat(mfd, &st) < 0 || (uint64_t)st.st_size != want) _exit(1);
  char *buf = (char *)malloc(want + 1);
  if (!buf) _exit(1);
  for (uint64_t off = 0; off < want;) {
    ssize_t n = pread(mfd, buf + off, want - off, off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) _exit(1);
    off += (uint64_t)n;
  }
  close(mfd);
  *len = want;
  return buf;
}

/* Receive one message into a malloc'd buffer (size probed with MSG_PEEK|MSG_TRUNC). */
static char *recv_msg(size_t *len, bool take_fds) {
  ssize_t want;
  do want = recv(g_sock, nullptr, 0, MSG_PEEK | MSG_TRUNC); while (want < 0 && errno == EINTR);
  if (want <= 0) _exit(1); /* the parent went away: nothing to report to */
  char *buf = (char *)malloc(want + 1);
  struct iovec iov = {buf, (size_t)want};
  struct msghdr mh = {};
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  static union { char b[CMSG_SPACE(sizeof(int) * 64)]; struct cmsghdr align; } c;
  mh.msg_control = c.b;
  mh.msg_controllen = sizeof c.b;
  ssize_t n;
  do n = recvmsg(g_sock, &mh, MSG_CMSG_CLOEXEC); while (n < 0 && errno == EINTR);
  if (n < 4) _exit(1);
  int got[64], ngot = 0;
  for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
    if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
      int cnt = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      if (cnt > 64 - ngot) _exit(1);
      memcpy(got + ngot, CMSG_DATA(cm), cnt * sizeof(int));
      ngot += cnt;
    }
  }
  uint32_t type;
  memcpy(&type, buf, 4);
  if (type == MSG_LARGE) {
    uint64_t want;
    if (n < 12 || ngot < 1) _exit(1);
    memcpy(&want, buf + 4, 8);
    free(buf);
    buf = read_large(got[--ngot], want, len);
  } else {
    *len = n;
  }
  if (take_fds) {
    if (ngot > 64 - g_nfds) _exit(1);
    memcpy(g_fds + g_nfds, got, ngot * sizeof(int));
    g_nfds += ngot;
  } else {
    for (int i = 0; i < ngot; i++) close(got[i]);
  }
  return buf;
}

void wait_continue() {
  size_t len;
  char *m = recv_msg(&len, false);
  uint32_t type;
  memcpy(&type, m, 4);
  if (type != MSG_CONTINUE) _exit(1);
  /* payload: u32 count, then count × (u32 len, bytes): the states later HOOK steps feed to stdin */
  const char *p = m + 4, *end = m + len;
  uint32_t count = 0;
  if (end - p >= 4) { memcpy(&count, p, 4); p += 4; }
  for (uint32_t i = 0; i < count && i < 8 && end - p >= 4; i++) {
    uint32_t l;
    memcpy(&l, p, 4); p += 4;
    if ((size_t)(end - p) < l) break;
    g_states[i] = p;
    g_state_lens[i] = l;
    p += l;
  }
}

/* ---- decoding: everything is decoded before the first side effect ---- */

struct Reader {
  const char *p, *end;
  bool ok = true;
  uint32_t u32() {
    uint32_t v = 0;
    if (end - p < 4) { ok = false; return 0; }
    memcpy(&v, p, 4); p += 4;
    return v;
  }
  int64_t i64() {
    int64_t v = 0;
    if (end - p < 8) { ok = false; return 0; }
    memcpy(&v, p, 8); p += 8;
    return v;
  }
  const char *str(uint32_t *len) {
    *len = u32();
    if (!ok || (size_t)(end - p) < (size_t)*len + 1) { ok = false; return ""; }
    const char *s = p;
    p += *len + 1;
    return s;
  }
};

static Step *decode(char *buf, size_t len, uint32_t *count) {
  Reader r{buf, buf + len};
  if (r.u32() != OCI_PLAN_MAGIC || r.u32() != OCI_PLAN_VERSION) { errno = EPROTO; fail("plan", "bad magic or version"); }
  uint32_t n = r.u32();
  if (!r.ok || n > 100000) { errno = EPROTO; fail("plan", "bad step count"); }
  Step *steps = (Step *)calloc(n ? n : 1, sizeof(Step));
  for (uint32_t i = 0; i < n && r.ok; i++) {
    steps[i].op = r.u32();
    steps[i].nargs = r.u32();
    if (steps[i].nargs > 64) { r.ok = false; break; }
    steps[i].a = (Arg *)calloc(steps[i].nargs ? steps[i].nargs : 1, sizeof(Arg));
    for (uint32_t j = 0; j < steps[i].nargs && r.ok; j++) {
      Arg &a = steps[i].a[j];
      if (r.p >= r.end) { r.ok = false; break; }
      a.kind = (unsigned char)*r.p++;
      if (a.kind == ARG_INT) a.i = r.i64();
      else if (a.kind == ARG_STR) a.s = r.str(&a.len);
      else if (a.kind == ARG_LIST) {
        a.n = r.u32();
        if (a.n > 1u << 20) { r.ok = false; break; }
        a.list = (char **)calloc(a.n + 1, sizeof(char *));
        for (uint32_t k = 0; k < a.n && r.ok; k++) {
          uint32_t l;
          a.list[k] = (char *)r.str(&l);
        }
      } else r.ok = false;
    }
  }
  if (!r.ok) { errno = EPROTO; fail("plan", "truncated or malformed plan"); }
  *count = n;
  return steps;
}

static const Arg &arg(const Step &s, uint32_t i) {
  static Arg none = {};
  return i < s.nargs ? s.a[i] : none;
}

static void write_file(const char *path, const char *content, size_t len) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) fail("open", path);
  if (write(fd, content, len) != (ssize_t)len) fail("write", path);
  close(fd);
}

static void op_fork(const Step &s) {
  /* clone3: CLONE_PARENT makes the init a child of the runtime; exit_signal must stay 0 with
   * CLONE_PARENT for clone3, the kernel then takes the caller's own exit signal (SIGCHLD). */
  struct clone_args ca = {};
  ca.flags = CLONE_PARENT | (uint64_t)arg(s, 0).i;
  /* CLONE_INTO_CGROUP (Linux 5.7): the init is born in its cgroup v2 directory, no migration */
  if (s.nargs > 1) {
    ca.flags |= 0x200000000ULL;
    ca.cgroup = (uint64_t)fd_at(arg(s, 1).i);
  }
  long pid = syscall(SYS_clone3, &ca, sizeof ca);
  if (pid < 0) fail("clone3", s.nargs > 2 ? arg(s, 2).s : nullptr);
  if (pid > 0) {
    int32_t p = pid;
    send_msg(MSG_PID, &p, 4);
    _exit(0);
  }
  /* The init: a session of its own, as runc's nsexec does. Until it is ready (op_wait_start) it
   * dies with the runtime: a create killed before it saved the init's pid leaves no init behind.
   * The runtime may already be gone: then the socket reads end-of-file. */
  setsid();
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  char c;
  if (recv(g_sock, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0) _exit(1);
}

static void run(Step *steps, uint32_t n) {
  for (g_step = 0; g_step < n; g_step++) {
    const Step &s = steps[g_step];
    switch (s.op) {
      case OP_SETNS:
        if (setns(fd_at(arg(s, 0).i), arg(s, 1).i) < 0) fail("setns");
        break;
      case OP_UNSHARE:
        if (unshare(arg(s, 0).i) < 0) fail("unshare");
        break;
      case OP_SYNC: {
        uint32_t tag = arg(s, 0).i;
        if (send_msg(MSG_SYNC, &tag, 4) < 0) fail("sendmsg");
        wait_continue();
        break;
      }
      case OP_SETID:
      case OP_SETID_FINAL:
        if (setresgid(arg(s, 1).i, arg(s, 1).i, arg(s, 1).i) < 0) fail("setresgid");
        if (setresuid(arg(s, 0).i, arg(s, 0).i, arg(s, 0).i) < 0) fail("setresuid");
        break;
      case OP_WRITE_FILE:
        write_file(arg(s, 0).s, arg(s, 1).s, arg(s, 1).len);
        break;
      case OP_FORK: op_fork(s); break;
      case OP_SET_DUMPABLE:
        if (prctl(PR_SET_DUMPABLE, arg(s, 0).i, 0, 0, 0) < 0) fail("prctl(PR_SET_DUMPABLE)");
        break;
      case OP_ROOTFS_BIND: op_rootfs_bind(s); break;
      case OP_MOUNT: op_mount(s); break;
      case OP_MKNOD: op_mknod(s); break;
      case OP_BIND_DEV: op_bind_dev(s); break;
      case OP_SYMLINK: op_symlink(s); break;
      case OP_PIVOT_ROOT: op_pivot_root(s); break;
      case OP_MOVE_ROOT: op_move_root(s); break;
      case OP_HIDE_HOST_MOUNT: op_hide_host_mount(s); break;
      case OP_CHROOT: op_chroot(s); break;
      case OP_MOUNT_PROPAGATION: op_mount_propagation(s); break;
      case OP_MASK_PATH: op_mask_path(s); break;
      case OP_READONLY_PATH: op_readonly_path(s); break;
      case OP_REMOUNT_RO: op_remount_ro(s); break;
      case OP_SETHOSTNAME:
        if (sethostname(arg(s, 0).s, arg(s, 0).len) < 0) fail("sethostname");
        break;
      case OP_SETDOMAINNAME:
        if (setdomainname(arg(s, 0).s, arg(s, 0).len) < 0) fail("setdomainname");
        break;
      case OP_RLIMIT: {
        struct rlimit rl;
        rl.rlim_cur = arg(s, 1).i < 0 ? RLIM_INFINITY : (rlim_t)arg(s, 1).i;
        rl.rlim_max = arg(s, 2).i < 0 ? RLIM_INFINITY : (rlim_t)arg(s, 2).i;
        if (setrlimit((__rlimit_resource)arg(s, 0).i, &rl) < 0) fail("setrlimit");
        break;
      }
      case OP_SETGROUPS: {
        const Arg &l = arg(s, 0);
        gid_t *g = (gid_t *)calloc(l.n + 1, sizeof(gid_t));
        for (uint32_t i = 0; i < l.n; i++) g[i] = strtoul(l.list[i], nullptr, 10);
        if (setgroups(l.n, g) < 0) fail("setgroups");
        free(g);
        break;
      }
      case OP_KEEPCAPS:
        if (prctl(PR_SET_KEEPCAPS, arg(s, 0).i, 0, 0, 0) < 0) fail("prctl(PR_SET_KEEPCAPS)");
        break;
      case OP_CAPBSET: op_capbset(s); break;
      case OP_CAPS: op_caps(s); break;
      case OP_AMBIENT: op_ambient(s); break;
      case OP_NO_NEW_PRIVS:
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) fail("prctl(PR_SET_NO_NEW_PRIVS)");
        break;
      case OP_UMASK: umask(arg(s, 0).i); break;
      case OP_CHDIR: op_chdir(s); break;
      case OP_CLOSE_FDS: op_close_fds(s); break;
      case OP_MKDIR: op_mkdir(s); break;
      case OP_LOOPBACK_UP: {
        // a new network namespace has "lo" down: up it, as runc does (ioctl, no netlink needed)
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0) fail("socket");
        struct ifreq ifr = {};
        strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
        if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) { int e = errno; close(fd); errno = e; fail("ioctl(SIOCGIFFLAGS lo)"); }
        ifr.ifr_flags |= IFF_UP;
        if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0) { int e = errno; close(fd); errno = e; fail("ioctl(SIOCSIFFLAGS lo)"); }
        close(fd);
        break;
      }
      case OP_PRCTL:
        if (prctl(arg(s, 0).i, arg(s, 1).i, 0, 0, 0) < 0) fail("prctl");
        break;
      case OP_PERSONALITY:
        if (personality(arg(s, 0).i) < 0) fail("personality");
        break;
      case OP_IOPRIO:
        if (syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, (int)arg(s, 0).i) < 0) fail("ioprio_set");
        break;
      case OP_SCHED: {
        /* struct sched_attr (sched_setattr(2)); glibc has no wrapper */
        struct {
          uint32_t size, policy;
          uint64_t flags;
          int32_t nice;
          uint32_t priority;
          uint64_t runtime, deadline, period;
        } attr = {};
        attr.size = sizeof attr;
        attr.policy = arg(s, 0).i;
        attr.priority = arg(s, 1).i;
        attr.nice = arg(s, 2).i;
        attr.flags = arg(s, 3).i;
        attr.runtime = arg(s, 4).i;
        attr.deadline = arg(s, 5).i;
        attr.period = arg(s, 6).i;
        if (syscall(SYS_sched_setattr, 0, &attr, 0) < 0) fail("sched_setattr");
        break;
      }
      case OP_MEMPOLICY: {
        const Arg &mask = arg(s, 1);
        if (syscall(SYS_set_mempolicy, (int)arg(s, 0).i, mask.len ? mask.s : nullptr, (unsigned long)mask.len * 8) < 0) fail("set_mempolicy");
        break;
      }
      case OP_MOUNT_IDMAP: op_mount_idmap(s); break;
      case OP_SECCOMP: {
        /* copy: the filter must be aligned for struct sock_filter */
        const Arg &b = arg(s, 0);
        release_setup_memory(); /* before a profile can deny madvise */
        struct sock_filter *f = (struct sock_filter *)malloc(b.len ? b.len : 1);
        memcpy(f, b.s, b.len);
        struct sock_fprog prog = {(unsigned short)(b.len / sizeof(struct sock_filter)), f};
        unsigned flags = arg(s, 1).i;
        long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
        if (fd < 0) fail("seccomp(SECCOMP_SET_MODE_FILTER)");
        if (flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) {
          if (send_msg(MSG_FD, "seccomp", 7, (int)fd) < 0) fail("sendmsg(seccomp listener)");
          close((int)fd);
        }
        free(f);
        break;
      }
      case OP_SCHED_AFFINITY:
        if (syscall(SYS_sched_setaffinity, 0, arg(s, 0).len, arg(s, 0).s) < 0) fail("sched_setaffinity");
        break;
      case OP_HOOK: op_hook(s); break;
      case OP_WAIT_START: op_wait_start(s); break;
      case OP_EXEC_LOOKUP: op_exec_lookup(s); break;
      case OP_EXEC: op_exec(s);
      case OP_CLOSE_FD: close(fd_at(arg(s, 0).i)); break;
      case OP_CONSOLE: op_console(s); break;
      default:
        errno = ENOSYS;
        fail("plan", "unknown step");
    }
  }
  errno = EPROTO;
  fail("plan", "plan ended without exec");
}

/*
 * CVE-2019-5736: this process ends up inside the container, where a process of the container could
 * reach the host's oci-ts-init binary through /proc/PID/exe and overwrite it. So the init runs from
 * a sealed, in-memory copy of itself (as runc's cloned_binary and crun do): /proc/PID/exe then
 * names a memfd that cannot be written, never the file on the host.
 */
static void run_from_sealed_copy(char **argv) {
  int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (self < 0) return;
  int seals = fcntl(self, F_GET_SEALS);
  if (seals >= 0 && (seals & F_SEAL_WRITE)) { close(self); return; } /* we are the copy */
  int mfd = memfd_create("oci-ts-init", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  struct stat st;
  if (mfd < 0 || fstat(self, &st) < 0) { dprintf(2, "oci-ts-init: memfd_create: %s\n", strerror(errno)); _exit(1); }
  off_t off = 0;
  while (off < st.st_size) {
    ssize_t n = sendfile(mfd, self, &off, st.st_size - off);
    if (n <= 0) { dprintf(2, "oci-ts-init: copying itself: %s\n", strerror(errno)); _exit(1); }
  }
  close(self);
  if (fcntl(mfd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0) {
    dprintf(2, "oci-ts-init: sealing: %s\n", strerror(errno));
    _exit(1);
  }
  char *envp[] = {nullptr};
  syscall(SYS_execveat, mfd, "", argv, envp, AT_EMPTY_PATH);
  dprintf(2, "oci-ts-init: execveat: %s\n", strerror(errno));
  _exit(1);
}

int main(int argc, char **argv) {
  /* First: no core dumps, no ptrace by the container, /proc/PID/ owned by root (CVE-2019-5736). */
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  if (argc >= 2 && strcmp(argv[1], "--userns-holder") != 0) run_from_sealed_copy(argv);
  if (argc < 2) {
    dprintf(2, "oci-ts-init is started by oci-ts, not by hand\n");
    return 2;
  }
  if (strcmp(argv[1], "--userns-holder") == 0) {
    /* Holds a new user namespace open while the runtime writes its maps and opens
     * /proc/PID/ns/user for an idmapped mount; the runtime kills it afterwards. */
    if (unshare(CLONE_NEWUSER) < 0) return 1;
    for (;;) pause();
  }
  g_sock = atoi(argv[1]);
  if (fcntl(g_sock, F_SETFD, FD_CLOEXEC) < 0) return 2;
  size_t len;
  char *m = recv_msg(&len, true);
  uint32_t type;
  memcpy(&type, m, 4);
  if (type != MSG_PLAN) return 2;
  uint32_t n;
  Step *steps = decode(m + 4, len - 4, &n);
  /* No descriptor of the runtime may reach the container: everything above stdio and the
   * preserved fds (the keep count of the EXEC step) is close-on-exec from now on. */
  for (uint32_t i = 0; i < n; i++) {
    if (steps[i].op != OP_EXEC) continue;
    unsigned keep = 3 + (unsigned)arg(steps[i], 2).i;
    if (syscall(SYS_close_range, keep, ~0U, 4 /* CLOSE_RANGE_CLOEXEC */) < 0)
      for (int fd = keep; fd < 65536; fd++) fcntl(fd, F_SETFD, FD_CLOEXEC);
  }
  run(steps, n);
  return 1;
}
