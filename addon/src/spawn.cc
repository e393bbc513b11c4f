/*
 * spawnInit(path, argv, fds[, cgroupFd]) -> pid: start oci-ts-init with posix_spawn (vfork-like,
 * fork-safe in a threaded process) without loading node:child_process. Child fd i is the parent's
 * fds[i]; every signal is reset to its default and unblocked (Node ignores SIGPIPE, which exec
 * would keep); the environment is empty. reapChild(pid) waits for it (stage 0 exits as soon as it
 * has forked).
 *
 * With cgroupFd (a cgroup v2 directory), the child is born in that cgroup: clone3 with
 * CLONE_INTO_CGROUP (Linux 5.7), which glibc's posix_spawn cannot do before 2.39. The child
 * then runs only async-signal-safe calls on memory prepared before the clone.
 */
#include <napi.h>
#include "errors.h"

#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <fcntl.h>
#include <unistd.h>
#include <linux/sched.h>

#include <string>
#include <vector>


Napi::Value SpawnInit(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>();
  Napi::Array a = info[1].As<Napi::Array>();
  Napi::Array f = info[2].As<Napi::Array>();
  std::vector<std::string> args;
  for (uint32_t i = 0; i < a.Length(); i++) args.push_back(a.Get(i).As<Napi::String>());
  std::vector<char *> argv;
  for (auto &s : args) argv.push_back(&s[0]);
  argv.push_back(nullptr);
  char *envp[] = {nullptr};

  if (info.Length() > 3 && info[3].IsNumber()) {
    int cg = info[3].As<Napi::Number>().Int32Value();
    std::vector<int> from;
    for (uint32_t i = 0; i < f.Length(); i++) from.push_back(f.Get(i).As<Napi::Number>().Int32Value());
    struct clone_args ca = {};
    ca.flags = CLONE_INTO_CGROUP | CLONE_VFORK;
    ca.exit_signal = SIGCHLD;
    ca.cgroup = (uint64_t)cg;
    long pid = syscall(SYS_clone3, &ca, sizeof ca);
    if (pid < 0) return throw_errno(env, "clone3(CLONE_INTO_CGROUP)", errno);
    if (pid == 0) {
      struct sigaction dfl = {};
      dfl.sa_handler = SIG_DFL;
      for (int sig = 1; sig < 65; sig++) sigaction(sig, &dfl, nullptr);
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, nullptr);
      for (size_t i = 0; i < from.size(); i++) {
        if (from[i] == (int)i) fcntl((int)i, F_SETFD, 0);
        else if (dup2(from[i], (int)i) < 0) _exit(127);
      }
      execve(path.c_str(), argv.data(), envp);
      _exit(127);
    }
    return Napi::Number::New(env, (double)pid);
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  for (uint32_t i = 0; i < f.Length(); i++) {
    int from = f.Get(i).As<Napi::Number>().Int32Value();
    /* glibc clears close-on-exec when from == i, so identity entries are kept open too */
    posix_spawn_file_actions_adddup2(&fa, from, (int)i);
  }
  posix_spawnattr_t at;
  posix_spawnattr_init(&at);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&at, &none);
  posix_spawnattr_setsigdefault(&at, &all);
  posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid;
  int r = posix_spawn(&pid, path.c_str(), &fa, &at, argv.data(), envp);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&at);
  if (r != 0) return throw_errno(env, "posix_spawn", r);
  return Napi::Number::New(env, pid);
}

Napi::Value ReapChild(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int pid = info[0].As<Napi::Number>().Int32Value();
  int status = 0;
  int r;
  do r = waitpid(pid, &status, 0); while (r < 0 && errno == EINTR);
  if (r < 0) return throw_errno(env, "waitpid", errno);
  return Napi::Number::New(env, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}
