/*
 * oci_ts.node: the in-process mechanism. It never forks and never reads config: it gives
 * TypeScript the few syscalls Node lacks (SOCK_SEQPACKET with SCM_RIGHTS, flock, mkfifo, pidfd,
 * waitid). Errors are thrown as Error objects with {code, errno, syscall}, like Node's own.
 */
#include <napi.h>
#include "errors.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/openat2.h>
#include <linux/mount.h>
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif

#include <vector>

static const char *errno_code(int e) {
  switch (e) {
    case EPERM: return "EPERM"; case ENOENT: return "ENOENT"; case ESRCH: return "ESRCH";
    case EINTR: return "EINTR"; case EIO: return "EIO"; case EBADF: return "EBADF";
    case ECHILD: return "ECHILD"; case EAGAIN: return "EAGAIN"; case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES"; case EEXIST: return "EEXIST"; case ENOTDIR: return "ENOTDIR";
    case EINVAL: return "EINVAL"; case EMFILE: return "EMFILE"; case ENOSPC: return "ENOSPC";
    case EPIPE: return "EPIPE"; case ENOSYS: return "ENOSYS"; case ETIMEDOUT: return "ETIMEDOUT";
    case ECONNREFUSED: return "ECONNREFUSED"; case ENOTSOCK: return "ENOTSOCK";
    default: return "EUNKNOWN";
  }
}

Napi::Value throw_errno(Napi::Env env, const char *syscall, int e) {
  Napi::Error err = Napi::Error::New(env, std::string(syscall) + ": " + strerror(e));
  err.Set("code", Napi::String::New(env, errno_code(e)));
  err.Set("errno", Napi::Number::New(env, e));
  err.Set("syscall", Napi::String::New(env, syscall));
  err.ThrowAsJavaScriptException();
  return env.Undefined();
}

#define CHECK_ARGS(n)                                                              \
  if (info.Length() < (n)) {                                                      \
    Napi::TypeError::New(env, "wrong number of arguments").ThrowAsJavaScriptException(); \
    return env.Undefined();                                                       \
  }

/* socketpair(AF_UNIX, SOCK_SEQPACKET|SOCK_CLOEXEC) -> [a, b] */
static Napi::Value SeqpacketPair(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) return throw_errno(env, "socketpair", errno);
  int sz = 4 << 20;
  setsockopt(sv[0], SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof sz);
  setsockopt(sv[1], SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof sz);
  Napi::Array a = Napi::Array::New(env, 2);
  a.Set(0u, sv[0]);
  a.Set(1u, sv[1]);
  return a;
}

/*
 * A message larger than this goes in a sealed memfd (plan_wire.h MSG_LARGE): a datagram cannot be
 * larger than the socket buffer, and a plan carries whatever config.json holds (args, env, a
 * seccomp program, hook states with the annotations).
 */
static const size_t LARGE_MSG = 256 * 1024;
enum { MSG_LARGE = 9 };

/* The message in a sealed memfd; returns the fd or -1 (errno set). */
static int large_memfd(const char *data, size_t len) {
  int mfd = (int)syscall(SYS_memfd_create, "oci-ts-msg", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (mfd < 0) return -1;
  for (size_t off = 0; off < len;) {
    ssize_t n = write(mfd, data + off, len - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int e = n < 0 ? errno : EIO;
      close(mfd);
      errno = e;
      return -1;
    }
    off += (size_t)n;
  }
  if (fcntl(mfd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0) {
    int e = errno;
    close(mfd);
    errno = e;
    return -1;
  }
  return mfd;
}

/* send(fd, buffer, fds?: number[]); a buffer over LARGE_MSG travels as MSG_LARGE + memfd (last fd) */
static Napi::Value Send(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CHECK_ARGS(2);
  int fd = info[0].As<Napi::Number>().Int32Value();
  Napi::Buffer<char> buf = info[1].As<Napi::Buffer<char>>();
  std::vector<int> fds;
  if (info.Length() > 2 && info[2].IsArray()) {
    Napi::Array a = info[2].As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); i++) fds.push_back(a.Get(i).As<Napi::Number>().Int32Value());
  }
  char large[12];
  int mfd = -1;
  struct iovec iov = {buf.Data(), buf.Length()};
  if (buf.Length() > LARGE_MSG) {
    mfd = large_memfd(buf.Data(), buf.Length());
    if (mfd < 0) return throw_errno(env, "memfd_create (a large message)", errno);
    uint32_t type = MSG_LARGE;
    uint64_t len = buf.Length();
    memcpy(large, &type, 4);
    memcpy(large + 4, &len, 8);
    iov = {large, sizeof large};
    fds.push_back(mfd);
  }
  struct msghdr mh = {};
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  std::vector<char> control;
  if (!fds.empty()) {
    control.resize(CMSG_SPACE(sizeof(int) * fds.size()));
    mh.msg_control = control.data();
    mh.msg_controllen = control.size();
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    memcpy(CMSG_DATA(cm), fds.data(), sizeof(int) * fds.size());
  }
  ssize_t n;
  do n = sendmsg(fd, &mh, MSG_NOSIGNAL); while (n < 0 && errno == EINTR);
  int e = errno;
  if (mfd >= 0) close(mfd);
  if (n < 0) return throw_errno(env, "sendmsg", e);
  return env.Undefined();
}

/* recv(fd, timeoutMs) -> { data: Buffer, fds: number[] } | null (peer closed). Blocks. */
static Napi::Value Recv(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CHECK_ARGS(2);
  int fd = info[0].As<Napi::Number>().Int32Value();
  int timeout = info[1].As<Napi::Number>().Int32Value();
  struct pollfd p = {fd, POLLIN, 0};
  int r;
  do r = poll(&p, 1, timeout); while (r < 0 && errno == EINTR);
  if (r < 0) return throw_errno(env, "poll", errno);
  if (r == 0) return throw_errno(env, "recv", ETIMEDOUT);
  ssize_t want;
  do want = recv(fd, nullptr, 0, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT); while (want < 0 && errno == EINTR);
  if (want < 0) {
    if (errno == ECONNRESET) return env.Null();
    return throw_errno(env, "recv", errno);
  }
  if (want == 0) {
    /* A zero-length datagram can't be told from EOF on SEQPACKET: we never send empty ones. */
    char c;
    recv(fd, &c, 0, MSG_DONTWAIT);
    return env.Null();
  }
  std::vector<char> data(want);
  struct iovec iov = {data.data(), data.size()};
  struct msghdr mh = {};
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  union { char b[CMSG_SPACE(sizeof(int) * 16)]; struct cmsghdr align; } c;
  mh.msg_control = c.b;
  mh.msg_controllen = sizeof c.b;
  ssize_t n;
  do n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC); while (n < 0 && errno == EINTR);
  if (n < 0) return throw_errno(env, "recvmsg", errno);
  Napi::Object out = Napi::Object::New(env);
  out.Set("data", Napi::Buffer<char>::Copy(env, data.data(), n));
  Napi::Array fds = Napi::Array::New(env);
  uint32_t k = 0;
  for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
    if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS) continue;
    int cnt = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (int i = 0; i < cnt; i++) {
      int f;
      memcpy(&f, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
      fds.Set(k++, f);
    }
  }
  out.Set("fds", fds);
  return out;
}

/* flock(fd, op) — op: LOCK_EX=2 LOCK_NB=4 LOCK_UN=8; returns false on EWOULDBLOCK with LOCK_NB. */
static Napi::Value Flock(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CHECK_ARGS(2);
  int r;
  do r = flock(info[0].As<Napi::Number>().Int32Value(), info[1].As<Napi::Number>().Int32Value());
  while (r < 0 && errno == EINTR);
  if (r < 0) {
    if (errno == EWOULDBLOCK) return Napi::Boolean::New(env, false);
    return throw_errno(env, "flock", errno);
  }
  return Napi::Boolean::New(env, true);
}

static Napi::Value Mkfifo(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CHECK_ARGS(2);
  std::string path = info[0].As<Napi::String>();
  mode_t old = umask(0);
  int r = mkfifo(path.c_str(), info[1].As<Napi::Number>().Uint32Value());
  umask(old);
  if (r < 0) return throw_errno(env, "mkfifo", errno);
  return env.Undefined();
}

static Napi::Value PidfdOpen(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CHECK_ARGS(1);
  long fd = syscall(SYS_pidfd_open, info[0].As<Napi::Number>().Int32Value(), 0);
  if (fd < 0) return throw_errno(env, "pidfd_open", errno);
  fcntl((int)fd, F_SETFD, FD_CLOEXEC);
  return Napi::Number::New(env, (double)fd);
}

static Napi::Value PidfdSendSignal(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CHECK_ARGS(2);
  long r = syscall(SYS_pidfd_send_signal, info[0].As<Napi::Number>().Int32Value(), info[1].As<Napi::Number>().Int32Value(), nullptr, 0);
  if (r < 0) return throw_errno(env, "pidfd_send_signal", errno);
  return env.Undefined();
}

/* connectUnix(path) -> fd of a SOCK_STREAM connection (the --console-socket). */
static Napi::Value ConnectUnix(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CHECK_ARGS(1);
  std::string path = info[0].As<Napi::String>();
  struct sockaddr_un sa = {};
  sa.sun_family = AF_UNIX;
  if (path.size() >= sizeof sa.sun_path) return throw_errno(env, "connect", ENAMETOOLONG);
  memcpy(sa.sun_path, path.c_str(), path.size());
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket", errno);
  int r;
  do r = connect(fd, (struct sockaddr *)&sa, sizeof sa); while (r < 0 && errno == EINTR);
  if (r < 0) {
    int e = errno;
    close(fd);
    return throw_errno(env, "connect", e);
  }
  return Napi::Number::New(env, fd);
}

/* waitPid(pid) -> Promise<{ code, signal }>: waitid in a worker thread; pid must be our child. */
class WaitWorker : public Napi::AsyncWorker {
 public:
  WaitWorker(Napi::Env env, int pid) : Napi::AsyncWorker(env), pid_(pid), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }
  void Execute() override {
    siginfo_t si = {};
    int r;
    do r = waitid(P_PID, pid_, &si, WEXITED); while (r < 0 && errno == EINTR);
    if (r < 0) { err_ = errno; return; }
    code_ = si.si_code;
    status_ = si.si_status;
  }
  void OnOK() override {
    Napi::Env env = Env();
    if (err_) {
      Napi::Error e = Napi::Error::New(env, std::string("waitid: ") + strerror(err_));
      e.Set("code", Napi::String::New(env, errno_code(err_)));
      deferred_.Reject(e.Value());
      return;
    }
    Napi::Object o = Napi::Object::New(env);
    bool exited = code_ == CLD_EXITED;
    o.Set("code", exited ? Napi::Value(Napi::Number::New(env, status_)) : env.Null());
    o.Set("signal", exited ? env.Null() : Napi::Value(Napi::Number::New(env, status_)));
    deferred_.Resolve(o);
  }

 private:
  int pid_, err_ = 0, code_ = 0, status_ = 0;
  Napi::Promise::Deferred deferred_;
};

static Napi::Value WaitPid(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CHECK_ARGS(1);
  WaitWorker *w = new WaitWorker(env, info[0].As<Napi::Number>().Int32Value());
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

/* winsize(fd) -> {rows, cols} | null (not a terminal); setWinsize(fd, rows, cols): TIOCGWINSZ/TIOCSWINSZ. */
static Napi::Value Winsize(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CHECK_ARGS(1);
  struct winsize ws = {};
  if (ioctl(info[0].As<Napi::Number>().Int32Value(), TIOCGWINSZ, &ws) < 0) return env.Null();
  Napi::Object o = Napi::Object::New(env);
  o.Set("rows", Napi::Number::New(env, ws.ws_row));
  o.Set("cols", Napi::Number::New(env, ws.ws_col));
  return o;
}

static Napi::Value SetWinsize(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CHECK_ARGS(3);
  struct winsize ws = {};
  ws.ws_row = info[1].As<Napi::Number>().Uint32Value();
  ws.ws_col = info[2].As<Napi::Number>().Uint32Value();
  if (ioctl(info[0].As<Napi::Number>().Int32Value(), TIOCSWINSZ, &ws) < 0) return throw_errno(env, "ioctl(TIOCSWINSZ)", errno);
  return env.Undefined();
}

/*
 * openTree(path, recursive) -> fd: a detached copy of the mount tree at `path` (open_tree with
 * OPEN_TREE_CLONE), opened here with the runtime's credentials. A bind mount into a container with a
 * user namespace is attached from it (move_mount), so a source the container's root cannot reach
 * (a 0700 directory of host root) can still be mounted, as runc does.
 */
static Napi::Value OpenTree(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CHECK_ARGS(2);
  std::string path = info[0].As<Napi::String>();
  bool recursive = info[1].As<Napi::Boolean>().Value();
  long fd = syscall(SYS_open_tree, AT_FDCWD, path.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0));
  if (fd < 0) return throw_errno(env, "open_tree", errno);
  return Napi::Number::New(env, (double)fd);
}

/*
 * readFileInRoot(root, path, maxBytes) -> Buffer | null (no such file): a regular file of a
 * container read from the host, `path` resolved with RESOLVE_IN_ROOT under the directory `root`
 * (e.g. /proc/PID/root), so a symlink in the image cannot point the read at a host file.
 */
static Napi::Value ReadFileInRoot(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CHECK_ARGS(3);
  std::string root = info[0].As<Napi::String>();
  std::string rel = info[1].As<Napi::String>();
  size_t max = info[2].As<Napi::Number>().Uint32Value();
  int rfd = open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rfd < 0) return throw_errno(env, "open", errno);
  struct open_how how = {};
  how.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  long fd;
  do fd = syscall(SYS_openat2, rfd, rel.c_str(), &how, sizeof how); while (fd < 0 && (errno == EAGAIN || errno == EINTR));
  int e = errno;
  close(rfd);
  if (fd < 0) return e == ENOENT || e == ENOTDIR ? env.Null() : throw_errno(env, "openat2", e);
  struct stat st;
  if (fstat((int)fd, &st) < 0 || !S_ISREG(st.st_mode)) {
    close((int)fd);
    return throw_errno(env, "read", EINVAL);
  }
  std::vector<char> buf(max);
  size_t n = 0;
  while (n < max) {
    ssize_t r = read((int)fd, buf.data() + n, max - n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    n += r;
  }
  close((int)fd);
  return Napi::Buffer<char>::Copy(env, buf.data(), n);
}

/* setAffinity(pid, mask): sched_setaffinity of another process (mask: unsigned long words). */
static Napi::Value SetAffinity(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CHECK_ARGS(2);
  Napi::Buffer<char> mask = info[1].As<Napi::Buffer<char>>();
  if (syscall(SYS_sched_setaffinity, info[0].As<Napi::Number>().Int32Value(), mask.Length(), mask.Data()) < 0)
    return throw_errno(env, "sched_setaffinity", errno);
  return env.Undefined();
}

Napi::Value CompileSeccomp(const Napi::CallbackInfo &info);
Napi::Value MoveNetDevice(const Napi::CallbackInfo &info);
Napi::Value SpawnInit(const Napi::CallbackInfo &info);
Napi::Value AttachDeviceFilter(const Napi::CallbackInfo &info);
Napi::Value DeviceFilterIds(const Napi::CallbackInfo &info);
Napi::Value ReapChild(const Napi::CallbackInfo &info);
Napi::Value ProcStat(const Napi::CallbackInfo &info);
Napi::Value Alive(const Napi::CallbackInfo &info);
Napi::Value DeriveStatus(const Napi::CallbackInfo &info);
Napi::Value FreezerOf(const Napi::CallbackInfo &info);
Napi::Value IsFrozen(const Napi::CallbackInfo &info);
Napi::Value ParseSignal(const Napi::CallbackInfo &info);
Napi::Value SignalTable(const Napi::CallbackInfo &info);
Napi::Value ParseState(const Napi::CallbackInfo &info);
Napi::Value KeepMigrationWarm(const Napi::CallbackInfo &info);
Napi::Value StopMigrationWarm(const Napi::CallbackInfo &info);

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("seqpacketPair", Napi::Function::New(env, SeqpacketPair));
  exports.Set("send", Napi::Function::New(env, Send));
  exports.Set("recv", Napi::Function::New(env, Recv));
  exports.Set("flock", Napi::Function::New(env, Flock));
  exports.Set("mkfifo", Napi::Function::New(env, Mkfifo));
  exports.Set("pidfdOpen", Napi::Function::New(env, PidfdOpen));
  exports.Set("pidfdSendSignal", Napi::Function::New(env, PidfdSendSignal));
  exports.Set("connectUnix", Napi::Function::New(env, ConnectUnix));
  exports.Set("waitPid", Napi::Function::New(env, WaitPid));
  exports.Set("compileSeccomp", Napi::Function::New(env, CompileSeccomp));
  exports.Set("moveNetDevice", Napi::Function::New(env, MoveNetDevice));
  exports.Set("spawnInit", Napi::Function::New(env, SpawnInit));
  exports.Set("reapChild", Napi::Function::New(env, ReapChild));
  exports.Set("winsize", Napi::Function::New(env, Winsize));
  exports.Set("setWinsize", Napi::Function::New(env, SetWinsize));
  exports.Set("readFileInRoot", Napi::Function::New(env, ReadFileInRoot));
  exports.Set("setAffinity", Napi::Function::New(env, SetAffinity));
  exports.Set("openTree", Napi::Function::New(env, OpenTree));
  exports.Set("attachDeviceFilter", Napi::Function::New(env, AttachDeviceFilter));
  exports.Set("deviceFilterIds", Napi::Function::New(env, DeviceFilterIds));
  exports.Set("procStat", Napi::Function::New(env, ProcStat));
  exports.Set("alive", Napi::Function::New(env, Alive));
  exports.Set("deriveStatus", Napi::Function::New(env, DeriveStatus));
  exports.Set("freezerOf", Napi::Function::New(env, FreezerOf));
  exports.Set("isFrozen", Napi::Function::New(env, IsFrozen));
  exports.Set("parseSignal", Napi::Function::New(env, ParseSignal));
  exports.Set("signalTable", Napi::Function::New(env, SignalTable));
  exports.Set("parseState", Napi::Function::New(env, ParseState));
  exports.Set("keepMigrationWarm", Napi::Function::New(env, KeepMigrationWarm));
  exports.Set("stopMigrationWarm", Napi::Function::New(env, StopMigrationWarm));
  return exports;
}

NODE_API_MODULE(oci_ts, Init)
