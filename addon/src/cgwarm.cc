/*
 * keepMigrationWarm / stopMigrationWarm: the kernel's cgroup migration lock
 * (cgroup_threadgroup_rwsem, a percpu rwsem) makes the first writer after a quiet while wait an RCU
 * grace period (~10 ms) and stays cheap for about one more grace period after its last writer.
 * Writing a pid to cgroup.procs takes it as a writer, so the first cgroup v1 migration of a create or
 * an exec pays that wait, with forks on the whole host held up behind it. This thread writes our own
 * pid to the cgroup.procs of the cgroup we are in (a move to where we already are: nothing changes)
 * every `periodMs`, from the start of the command until its migrations are done, so the wait is paid
 * while TypeScript validates and plans, and the real migration finds the lock warm. It stops by
 * itself after `maxMs`, at the first failed write (not root, the cgroup gone) and when told to.
 */
#include <napi.h>

#include <atomic>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

namespace {

std::atomic<unsigned> g_generation{0};

struct Warmer {
  int fd;
  unsigned generation;
  long period_ms, max_ms;
  char pid[24];
};

long now_ms() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

void *run(void *arg) {
  Warmer *w = static_cast<Warmer *>(arg);
  const long end = now_ms() + w->max_ms;
  const size_t len = strlen(w->pid);
  while (g_generation.load() == w->generation && now_ms() < end) {
    ssize_t r;
    do r = write(w->fd, w->pid, len); while (r < 0 && errno == EINTR);
    if (r < 0) break;
    struct timespec ts = {w->period_ms / 1000, (w->period_ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {}
  }
  close(w->fd);
  delete w;
  return nullptr;
}

}  // namespace

/* keepMigrationWarm(procsFile, pid, periodMs, maxMs) -> boolean: false if the file cannot be opened */
Napi::Value KeepMigrationWarm(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4) {
    Napi::TypeError::New(env, "wrong number of arguments").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::string file = info[0].As<Napi::String>().Utf8Value();
  int fd = open(file.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return Napi::Boolean::New(env, false);
  Warmer *w = new Warmer();
  w->fd = fd;
  w->generation = ++g_generation;  // at most one warmer: a new one ends the previous one
  snprintf(w->pid, sizeof w->pid, "%d", info[1].As<Napi::Number>().Int32Value());
  w->period_ms = info[2].As<Napi::Number>().Int64Value();
  w->max_ms = info[3].As<Napi::Number>().Int64Value();
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attr, 64 * 1024);
  pthread_t t;
  int e = pthread_create(&t, &attr, run, w);
  pthread_attr_destroy(&attr);
  if (e != 0) {
    close(fd);
    delete w;
    return Napi::Boolean::New(env, false);
  }
  return Napi::Boolean::New(env, true);
}

/* stopMigrationWarm(): the running warmer (if any) stops after its current write */
Napi::Value StopMigrationWarm(const Napi::CallbackInfo &info) {
  ++g_generation;
  return info.Env().Undefined();
}
