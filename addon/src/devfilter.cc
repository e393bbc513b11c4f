/*
 * cgroup v2 device rules: a BPF_PROG_TYPE_CGROUP_DEVICE program built from the exception list the
 * runtime computed (runtime/cgroups/v2/devices.ts decides; this file only encodes and attaches),
 * attached to the container's cgroup with BPF_F_ALLOW_MULTI. A program already attached there (an
 * earlier create or update) is replaced atomically with BPF_F_REPLACE, or, on kernels without it,
 * the new one is attached before the old ones are detached, so there is never a moment without one.
 *
 * attachDeviceFilter(cgroupDir, defaultAllow, exceptions[{type, major, minor, access}])
 *   type: 0 any, 1 block, 2 char (BPF_DEVCG_DEV_*); major/minor: -1 any;
 *   access: bits of BPF_DEVCG_ACC_MKNOD 1, READ 2, WRITE 4.
 *   An access is granted the opposite of defaultAllow when one exception covers it (its type,
 *   major and minor match and the requested bits are a subset of its access), else defaultAllow.
 * → { attached: program id, replaced: number of programs it took the place of }
 */
#include <napi.h>
#include "errors.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <vector>

namespace {

struct Exception { int type; long long major, minor; int access; };

bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  bpf_insn i;
  memset(&i, 0, sizeof i);
  i.code = code;
  i.dst_reg = dst;
  i.src_reg = src;
  i.off = off;
  i.imm = imm;
  return i;
}

long sys_bpf(int cmd, bpf_attr *attr) { return syscall(__NR_bpf, cmd, attr, sizeof *attr); }

/*
 * r2 = type, r3 = access, r4 = major, r5 = minor (struct bpf_cgroup_dev_ctx: access_type is
 * access << 16 | type). Per exception a block of tests that jump past it on mismatch, then
 * "r0 = !default; exit"; at the end "r0 = default; exit".
 */
std::vector<bpf_insn> build(bool defaultAllow, const std::vector<Exception> &ex) {
  std::vector<bpf_insn> p;
  p.push_back(insn(BPF_LDX | BPF_MEM | BPF_W, 2, 1, 0, 0));
  p.push_back(insn(BPF_ALU | BPF_AND | BPF_K, 2, 0, 0, 0xffff));
  p.push_back(insn(BPF_LDX | BPF_MEM | BPF_W, 3, 1, 0, 0));
  p.push_back(insn(BPF_ALU | BPF_RSH | BPF_K, 3, 0, 0, 16));
  p.push_back(insn(BPF_LDX | BPF_MEM | BPF_W, 4, 1, 4, 0));
  p.push_back(insn(BPF_LDX | BPF_MEM | BPF_W, 5, 1, 8, 0));
  for (const Exception &e : ex) {
    std::vector<bpf_insn> b;
    std::vector<size_t> jumps;  // indexes in b of the "skip this block" jumps
    if (e.type) { jumps.push_back(b.size()); b.push_back(insn(BPF_JMP | BPF_JNE | BPF_K, 2, 0, 0, e.type)); }
    if ((e.access & 7) != 7) {
      b.push_back(insn(BPF_ALU | BPF_MOV | BPF_X, 1, 3, 0, 0));
      b.push_back(insn(BPF_ALU | BPF_AND | BPF_K, 1, 0, 0, ~e.access & 7));
      jumps.push_back(b.size());
      b.push_back(insn(BPF_JMP | BPF_JNE | BPF_K, 1, 0, 0, 0));
    }
    if (e.major >= 0) { jumps.push_back(b.size()); b.push_back(insn(BPF_JMP | BPF_JNE | BPF_K, 4, 0, 0, (int32_t)e.major)); }
    if (e.minor >= 0) { jumps.push_back(b.size()); b.push_back(insn(BPF_JMP | BPF_JNE | BPF_K, 5, 0, 0, (int32_t)e.minor)); }
    b.push_back(insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, defaultAllow ? 0 : 1));
    b.push_back(insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
    for (size_t j : jumps) b[j].off = (int16_t)(b.size() - j - 1);
    p.insert(p.end(), b.begin(), b.end());
  }
  p.push_back(insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, defaultAllow ? 1 : 0));
  p.push_back(insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
  return p;
}

int prog_id(int fd) {
  bpf_prog_info info;
  memset(&info, 0, sizeof info);
  bpf_attr a;
  memset(&a, 0, sizeof a);
  a.info.bpf_fd = fd;
  a.info.info_len = sizeof info;
  a.info.info = (uint64_t)(uintptr_t)&info;
  return sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a) < 0 ? 0 : (int)info.id;
}

}  // namespace

Napi::Value AttachDeviceFilter(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string dir = info[0].As<Napi::String>();
  bool defaultAllow = info[1].As<Napi::Boolean>();
  Napi::Array arr = info[2].As<Napi::Array>();
  std::vector<Exception> ex;
  for (uint32_t i = 0; i < arr.Length(); i++) {
    Napi::Object o = arr.Get(i).As<Napi::Object>();
    ex.push_back({o.Get("type").As<Napi::Number>().Int32Value(), o.Get("major").As<Napi::Number>().Int64Value(),
                  o.Get("minor").As<Napi::Number>().Int64Value(), o.Get("access").As<Napi::Number>().Int32Value()});
  }
  std::vector<bpf_insn> prog = build(defaultAllow, ex);

  static const char license[] = "Apache";
  bpf_attr a;
  memset(&a, 0, sizeof a);
  a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  a.insns = (uint64_t)(uintptr_t)prog.data();
  a.insn_cnt = prog.size();
  a.license = (uint64_t)(uintptr_t)license;
  strncpy(a.prog_name, "oci_ts_devices", sizeof a.prog_name - 1);
  int pfd = (int)sys_bpf(BPF_PROG_LOAD, &a);
  if (pfd < 0) return throw_errno(env, "bpf(BPF_PROG_LOAD)", errno);

  int cfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cfd < 0) {
    int e = errno;
    close(pfd);
    return throw_errno(env, "open", e);
  }

  // the programs attached to this cgroup itself (not inherited ones)
  uint32_t ids[64];
  memset(&a, 0, sizeof a);
  a.query.target_fd = cfd;
  a.query.attach_type = BPF_CGROUP_DEVICE;
  a.query.prog_ids = (uint64_t)(uintptr_t)ids;
  a.query.prog_cnt = 64;
  uint32_t nOld = 0;
  if (sys_bpf(BPF_PROG_QUERY, &a) == 0) nOld = a.query.prog_cnt;
  std::vector<int> old;
  for (uint32_t i = 0; i < nOld; i++) {
    bpf_attr g;
    memset(&g, 0, sizeof g);
    g.prog_id = ids[i];
    int fd = (int)sys_bpf(BPF_PROG_GET_FD_BY_ID, &g);
    if (fd >= 0) old.push_back(fd);
  }

  auto finish = [&](int err, const char *call) -> Napi::Value {
    for (int fd : old) close(fd);
    close(cfd);
    int id = err ? 0 : prog_id(pfd);
    close(pfd);
    if (err) return throw_errno(env, call, err);
    Napi::Object r = Napi::Object::New(env);
    r.Set("attached", id);
    r.Set("replaced", (double)old.size());
    return r;
  };

  memset(&a, 0, sizeof a);
  a.target_fd = cfd;
  a.attach_bpf_fd = pfd;
  a.attach_type = BPF_CGROUP_DEVICE;
  if (old.size() == 1) {
    a.attach_flags = BPF_F_ALLOW_MULTI | BPF_F_REPLACE;
    a.replace_bpf_fd = old[0];
    if (sys_bpf(BPF_PROG_ATTACH, &a) == 0) return finish(0, nullptr);
    if (errno != EINVAL) return finish(errno, "bpf(BPF_PROG_ATTACH)");
    // no BPF_F_REPLACE (before Linux 5.6): attach, then detach below
    a.attach_flags = BPF_F_ALLOW_MULTI;
    a.replace_bpf_fd = 0;
  } else {
    a.attach_flags = BPF_F_ALLOW_MULTI;
  }
  if (sys_bpf(BPF_PROG_ATTACH, &a) < 0) return finish(errno, "bpf(BPF_PROG_ATTACH)");
  for (int fd : old) {
    bpf_attr d;
    memset(&d, 0, sizeof d);
    d.target_fd = cfd;
    d.attach_bpf_fd = fd;
    d.attach_type = BPF_CGROUP_DEVICE;
    if (sys_bpf(BPF_PROG_DETACH, &d) < 0 && errno != ENOENT) return finish(errno, "bpf(BPF_PROG_DETACH)");
  }
  return finish(0, nullptr);
}

/* The ids of the device programs attached to the cgroup itself (tests, and `update` to report). */
Napi::Value DeviceFilterIds(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string dir = info[0].As<Napi::String>();
  int cfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cfd < 0) return throw_errno(env, "open", errno);
  uint32_t ids[64];
  bpf_attr a;
  memset(&a, 0, sizeof a);
  a.query.target_fd = cfd;
  a.query.attach_type = BPF_CGROUP_DEVICE;
  a.query.prog_ids = (uint64_t)(uintptr_t)ids;
  a.query.prog_cnt = 64;
  long rc = sys_bpf(BPF_PROG_QUERY, &a);
  int e = errno;
  close(cfd);
  if (rc < 0) return throw_errno(env, "bpf(BPF_PROG_QUERY)", e);
  Napi::Array r = Napi::Array::New(env, a.query.prog_cnt);
  for (uint32_t i = 0; i < a.query.prog_cnt; i++) r.Set(i, ids[i]);
  return r;
}
