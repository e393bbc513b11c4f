/*
 * Seccomp: a lowered profile (numbers and names decided in TypeScript) → classic BPF bytes, with
 * libseccomp, in the parent. The init only loads the bytes, so it links no libseccomp.
 *
 * compileSeccomp({ defaultAction, defaultErrno, arches: string[], rules: [{ names, action,
 *   errno, args: [{ index, op, value, valueTwo }] }] }) -> { bpf: Buffer, unknown: string[] }
 * Actions are SCMP_ACT_* values without the errno/trace payload; `errno` is that payload.
 * With `enosysAbove` (names chosen in TypeScript, runc's rule) a stub runs before the filter: a
 * system call numbered above the largest of those names, for each architecture, gets ENOSYS, so a
 * program can tell "too new for this profile" from "denied" (runc libcontainer/seccomp/patchbpf).
 */
#include <napi.h>
#include <seccomp.h>

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <map>
#include <string>
#include <vector>

/*
 * The ENOSYS stub (runc generateEnosysStub): load the architecture, jump to its section; a section
 * loads the system call number and returns ENOSYS above that architecture's largest known one.
 * x86_64 and x32 share AUDIT_ARCH_X86_64: x32 numbers carry bit 30, so each mode is checked
 * against its own largest number, and a mode the profile does not list falls through to the
 * filter (which applies its bad-architecture action). `max` maps an audit arch to its largest
 * numbers: [0] native mode, [1] x32 (0 when not listed).
 */
static std::vector<sock_filter> enosys_stub(const std::map<uint32_t, std::pair<uint32_t, uint32_t>> &max) {
  const uint32_t X32_BIT = 0x40000000;
  struct Ins { uint16_t code; int jt, jf; uint32_t k; };  /* jt/jf: absolute targets, -1 = next */
  std::vector<Ins> p;
  const int FILTER = -2, ENOSYS_RET = -3;
  p.push_back({BPF_LD | BPF_W | BPF_ABS, -1, -1, 4});
  std::vector<size_t> arch_jumps;
  for (auto &m : max) {
    arch_jumps.push_back(p.size());
    p.push_back({BPF_JMP | BPF_JEQ | BPF_K, 0 /* patched */, -1, m.first});
  }
  p.push_back({BPF_JMP | BPF_JA, -1, -1, 0 /* to FILTER, patched */});
  size_t ja = p.size() - 1;
  size_t a = 0;
  for (auto &m : max) {
    p[arch_jumps[a++]].jt = (int)p.size();
    p.push_back({BPF_LD | BPF_W | BPF_ABS, -1, -1, 0});
    uint32_t native = m.second.first, x32 = m.second.second;
    if (m.first == AUDIT_ARCH_X86_64 && native && x32) {
      size_t js = p.size();
      p.push_back({BPF_JMP | BPF_JSET | BPF_K, 0, -1, X32_BIT});
      p.push_back({BPF_JMP | BPF_JGT | BPF_K, ENOSYS_RET, FILTER, native});
      p[js].jt = (int)p.size();
      p.push_back({BPF_JMP | BPF_JGT | BPF_K, ENOSYS_RET, FILTER, x32});
    } else if (m.first == AUDIT_ARCH_X86_64) {
      /* one mode listed: the other mode's calls go to the filter */
      if (native) p.push_back({BPF_JMP | BPF_JSET | BPF_K, FILTER, -1, X32_BIT});
      else p.push_back({BPF_JMP | BPF_JSET | BPF_K, -1, FILTER, X32_BIT});
      p.push_back({BPF_JMP | BPF_JGT | BPF_K, ENOSYS_RET, FILTER, native ? native : x32});
    } else {
      p.push_back({BPF_JMP | BPF_JGT | BPF_K, ENOSYS_RET, FILTER, native});
    }
  }
  int enosys_at = (int)p.size();
  p.push_back({BPF_RET | BPF_K, -1, -1, SECCOMP_RET_ERRNO | ENOSYS});
  int filter_at = (int)p.size();
  p[ja].k = (uint32_t)(filter_at - (int)ja - 1);
  std::vector<sock_filter> out;
  for (size_t i = 0; i < p.size(); i++) {
    auto off = [&](int t) -> uint8_t {
      int target = t == -1 ? (int)i + 1 : t == FILTER ? filter_at : t == ENOSYS_RET ? enosys_at : t;
      return (uint8_t)(target - (int)i - 1); /* a stub is a few instructions: always < 256 */
    };
    bool cond = BPF_CLASS(p[i].code) == BPF_JMP && BPF_OP(p[i].code) != BPF_JA;
    out.push_back({p[i].code, cond ? off(p[i].jt) : (uint8_t)0, cond ? off(p[i].jf) : (uint8_t)0, p[i].k});
  }
  return out;
}

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
  /* the largest number the rules name, per architecture (runc findLastSyscalls: unknown names are
   * ignored, an architecture with none gets no section) */
  std::map<uint32_t, std::pair<uint32_t, uint32_t>> max;
  Napi::Array above = list(env, p, "enosysAbove");
  if (above.Length()) {
    for (uint32_t i = 0; i < arches.Length(); i++) {
      std::string name = arches.Get(i).As<Napi::String>();
      uint32_t arch = seccomp_arch_resolve_name(name.c_str());
      uint32_t largest = 0;
      for (uint32_t k = 0; k < above.Length(); k++) {
        std::string sc = above.Get(k).As<Napi::String>();
        int nr = seccomp_syscall_resolve_name_arch(arch, sc.c_str());
        if (nr >= 0 && (uint32_t)nr > largest) largest = (uint32_t)nr;
      }
      if (!largest) continue;
      bool x32 = arch == SCMP_ARCH_X32;
      auto &e = max[x32 ? AUDIT_ARCH_X86_64 : arch];
      (x32 ? e.second : e.first) = largest;
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
  if (!max.empty()) {
    std::vector<sock_filter> pre = enosys_stub(max);
    bpf.insert(bpf.begin(), (const char *)pre.data(), (const char *)(pre.data() + pre.size()));
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("bpf", Napi::Buffer<char>::Copy(env, bpf.data(), bpf.size()));
  out.Set("unknown", unknown);
  return out;
}
