/*
 * Seccomp: a lowered profile (numbers and names decided in TypeScript) → classic BPF bytes, with
 * libseccomp, in the parent. The init only loads the bytes, so it links no libseccomp.
 *
 * compileSeccomp({ defaultAction, defaultErrno, arches: string[], rules: [{ names, action,
 *   errno, args: [{ index, op, value, valueTwo }] }] }) -> { bpf: Buffer, unknown: string[] }
 * Actions are SCMP_ACT_* values without the errno/trace payload; `errno` is that payload.
 */
#include <napi.h>
#include <seccomp.h>

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <string>
#include <vector>

static uint32_t action_of(uint32_t action, uint32_t data) {
  if (action == SCMP_ACT_ERRNO(0)) return SCMP_ACT_ERRNO(data);
  if (action == SCMP_ACT_TRACE(0)) return SCMP_ACT_TRACE(data);
  return action;
}

static uint64_t u64(Napi::Value v) {
  if (v.IsBigInt()) {
    bool lossless;
    return v.As<Napi::BigInt>().Uint64Value(&lossless);
  }
  if (v.IsNumber()) return (uint64_t)v.As<Napi::Number>().Int64Value();
  return 0;
}

static uint32_t num(Napi::Object o, const char *key, uint32_t dflt) {
  Napi::Value v = o.Get(key);
  return v.IsNumber() ? v.As<Napi::Number>().Uint32Value() : dflt;
}

static Napi::Array list(Napi::Env env, Napi::Object o, const char *key) {
  Napi::Value v = o.Get(key);
  return v.IsArray() ? v.As<Napi::Array>() : Napi::Array::New(env);
}

Napi::Value CompileSeccomp(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) {
    Napi::TypeError::New(env, "compileSeccomp(profile)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Object p = info[0].As<Napi::Object>();
  uint32_t def = action_of(num(p, "defaultAction", SCMP_ACT_ALLOW), num(p, "defaultErrno", EPERM));
  scmp_filter_ctx ctx = seccomp_init(def);
  if (!ctx) {
    Napi::Error::New(env, "seccomp_init: invalid default action").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  /* no_new_privs is its own plan step (process.noNewPrivileges), not a side effect of the filter */
  seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
  Napi::Array unknown = Napi::Array::New(env);
  uint32_t nunknown = 0;
  auto error = [&](const std::string &msg) {
    seccomp_release(ctx);
    Napi::Error::New(env, msg).ThrowAsJavaScriptException();
    return env.Undefined();
  };
  Napi::Array arches = list(env, p, "arches");
  for (uint32_t i = 0; i < arches.Length(); i++) {
    std::string name = arches.Get(i).As<Napi::String>();
    uint32_t a = seccomp_arch_resolve_name(name.c_str());
    if (!a) return error("unknown seccomp architecture " + name);
    int r = seccomp_arch_add(ctx, a);
    if (r < 0 && r != -EEXIST) return error("seccomp_arch_add " + name + ": " + strerror(-r));
  }
  Napi::Array rules = list(env, p, "rules");
  for (uint32_t i = 0; i < rules.Length(); i++) {
    Napi::Object rule = rules.Get(i).As<Napi::Object>();
    uint32_t action = action_of(num(rule, "action", SCMP_ACT_ALLOW), num(rule, "errno", EPERM));
    std::vector<scmp_arg_cmp> cmps;
    Napi::Array args = list(env, rule, "args");
    for (uint32_t j = 0; j < args.Length(); j++) {
      Napi::Object a = args.Get(j).As<Napi::Object>();
      scmp_arg_cmp c = {};
      c.arg = num(a, "index", 0);
      c.op = (scmp_compare)num(a, "op", SCMP_CMP_EQ);
      c.datum_a = u64(a.Get("value"));
      c.datum_b = u64(a.Get("valueTwo"));
      cmps.push_back(c);
    }
    Napi::Array names = list(env, rule, "names");
    for (uint32_t k = 0; k < names.Length(); k++) {
      std::string name = names.Get(k).As<Napi::String>();
      int nr = seccomp_syscall_resolve_name(name.c_str());
      if (nr == __NR_SCMP_ERROR) {
        unknown.Set(nunknown++, name);
        continue;
      }
      if (action == def) continue; /* libseccomp refuses rules that repeat the default */
      int r = seccomp_rule_add_array(ctx, action, nr, cmps.size(), cmps.data());
      if (r < 0) return error("seccomp rule for " + name + ": " + strerror(-r));
    }
  }
  int mfd = memfd_create("oci-ts-seccomp", MFD_CLOEXEC);
  if (mfd < 0) return error(std::string("memfd_create: ") + strerror(errno));
  int r = seccomp_export_bpf(ctx, mfd);
  seccomp_release(ctx);
  if (r < 0) {
    close(mfd);
    Napi::Error::New(env, std::string("seccomp_export_bpf: ") + strerror(-r)).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  off_t len = lseek(mfd, 0, SEEK_END);
  std::vector<char> bpf(len);
  if (pread(mfd, bpf.data(), len, 0) != len) {
    close(mfd);
    Napi::Error::New(env, "reading the compiled filter failed").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  close(mfd);
  Napi::Object out = Napi::Object::New(env);
  out.Set("bpf", Napi::Buffer<char>::Copy(env, bpf.data(), bpf.size()));
  out.Set("unknown", unknown);
  return out;
}
