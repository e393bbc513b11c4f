/*
 * spawnInit(path, argv, fds) -> pid: start oci-ts-init with posix_spawn (vfork-like, fork-safe in
 * a threaded process) without loading node:child_process. Child fd i is the parent's fds[i]; every
 * signal is reset to its default and unblocked (Node ignores SIGPIPE, which exec would keep); the
 * environment is empty. reapChild(pid) waits for it (stage 0 exits as soon as it has forked).
 */
#include <napi.h>
#include "errors.h"

#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>

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
