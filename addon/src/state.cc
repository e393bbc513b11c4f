/*
 * The addon's side of addon/common/ocistate.c: status derivation, /proc/PID/stat, the signal table
 * and the native state.json reader, for runtime/state/status.ts and runtime/cli/signals.ts. The
 * launcher compiles the same C file, so `state` answers the same with and without Node.
 */
#include <napi.h>
#include <string>
#include <vector>
#include "ocistate.h"

/* procStat(pid) -> {state, ppid, startTime} | undefined */
Napi::Value ProcStat(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  double pid = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : -1;
  struct oci_proc st;
  if (!(pid >= 0 && pid <= 2147483647.0) || (double)(long long)pid != pid || oci_proc_stat((long long)pid, &st) != 0) return env.Undefined();
  Napi::Object o = Napi::Object::New(env);
  o.Set("state", Napi::String::New(env, st.state));
  o.Set("ppid", Napi::Number::New(env, (double)st.ppid));
  o.Set("startTime", Napi::String::New(env, st.start));
  return o;
}

static long long pid_arg(const Napi::Value &v) {
  if (!v.IsNumber()) return -1;
  double d = v.As<Napi::Number>().DoubleValue();
  /* a pid that cannot exist is a process that is not there */
  return d >= 0 && d <= 2147483647.0 && (double)(long long)d == d ? (long long)d : 0;
}

/* alive(pid, startTime) -> boolean */
Napi::Value Alive(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[1].IsString()) return Napi::Boolean::New(env, false);
  std::string start = info[1].As<Napi::String>();
  return Napi::Boolean::New(env, oci_alive(pid_arg(info[0]), start.c_str()) != 0);
}

/* The strings of a JS array, kept alive in `keep`, as the C array of pointers the C code takes. */
static std::vector<const char *> c_strings(const Napi::Array &a, std::vector<std::string> &keep) {
  for (uint32_t i = 0; i < a.Length(); i++) keep.push_back(a.Get(i).ToString());
  std::vector<const char *> ptrs;
  for (auto &d : keep) ptrs.push_back(d.c_str());
  return ptrs;
}

/* freezerOf(dirs) -> {index, version} | undefined */
Napi::Value FreezerOf(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsArray()) {
    Napi::TypeError::New(env, "freezerOf(dirs)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::vector<std::string> keep;
  std::vector<const char *> ptrs = c_strings(info[0].As<Napi::Array>(), keep);
  int version = 0, i = oci_freezer_of(ptrs.data(), ptrs.size(), &version);
  if (i < 0) return env.Undefined();
  Napi::Object o = Napi::Object::New(env);
  o.Set("index", Napi::Number::New(env, i));
  o.Set("version", Napi::Number::New(env, version));
  return o;
}

/* isFrozen(dirs) -> boolean */
Napi::Value IsFrozen(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsArray()) {
    Napi::TypeError::New(env, "isFrozen(dirs)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::vector<std::string> keep;
  std::vector<const char *> ptrs = c_strings(info[0].As<Napi::Array>(), keep);
  return Napi::Boolean::New(env, oci_is_frozen(ptrs.data(), ptrs.size()) != 0);
}

/* deriveStatus(fifo, pid, startTime, creatorPid (-1: none), creatorStartTime, cgroupPaths) -> status */
Napi::Value DeriveStatus(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 6 || !info[0].IsString() || !info[2].IsString() || !info[4].IsString() || !info[5].IsArray()) {
    Napi::TypeError::New(env, "deriveStatus(fifo, pid, startTime, creatorPid, creatorStartTime, cgroupPaths)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::string fifo = info[0].As<Napi::String>(), start = info[2].As<Napi::String>(), cstart = info[4].As<Napi::String>();
  double cp = info[3].As<Napi::Number>().DoubleValue();
  long long creator = cp < 0 ? -1 : pid_arg(info[3]);
  std::vector<std::string> keep;
  std::vector<const char *> ptrs = c_strings(info[5].As<Napi::Array>(), keep);
  int status = oci_derive_status(fifo.c_str(), pid_arg(info[1]), start.c_str(), creator, cstart.c_str(), ptrs.data(), ptrs.size());
  return Napi::String::New(env, oci_status_name(status));
}

/* parseSignal(raw) -> number, or -1 for a name it does not know */
Napi::Value ParseSignal(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string raw = info.Length() > 0 && info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : std::string();
  if (raw.find('\0') != std::string::npos) return Napi::Number::New(env, -1);
  return Napi::Number::New(env, oci_parse_signal(raw.c_str()));
}

/* signalTable() -> {NAME: number} (names without SIG) */
Napi::Value SignalTable(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  int num;
  const char *name;
  for (int i = 0; (name = oci_signal_name(i, &num)); i++) o.Set(name, Napi::Number::New(env, num));
  return o;
}

/*
 * parseState(buffer, status, pid) -> what the launcher reads of a state.json, with the `state`
 * text it would print for that status and pid; null when it would hand the file to Node.
 */
Napi::Value ParseState(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsBuffer() || !info[1].IsString()) {
    Napi::TypeError::New(env, "parseState(buffer, status, pid)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Buffer<char> buf = info[0].As<Napi::Buffer<char>>();
  std::string status = info[1].As<Napi::String>();
  int code = -1;
  for (int i = OCI_CREATING; i <= OCI_STOPPED; i++) if (status == oci_status_name(i)) code = i;
  struct oci_state st;
  int rc = oci_state_parse(buf.Data(), buf.Length(), &st);
  if (rc == OCI_STATE_NOMEM) {
    Napi::Error::New(env, "parseState: out of memory").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (rc != OCI_STATE_OK) return env.Null();
  Napi::Object o = Napi::Object::New(env);
  o.Set("id", Napi::String::New(env, st.id));
  o.Set("pid", Napi::Number::New(env, (double)st.pid));
  o.Set("startTime", Napi::String::New(env, st.start_time));
  if (st.creator_pid >= 0) {
    Napi::Object c = Napi::Object::New(env);
    c.Set("pid", Napi::Number::New(env, (double)st.creator_pid));
    c.Set("startTime", Napi::String::New(env, st.creator_start));
    o.Set("creator", c);
  }
  Napi::Array dirs = Napi::Array::New(env, st.ncgroups);
  for (size_t i = 0; i < st.ncgroups; i++) dirs.Set((uint32_t)i, Napi::String::New(env, st.cgroups[i]));
  o.Set("cgroupPaths", dirs);
  o.Set("poststart", Napi::Boolean::New(env, st.poststart != 0));
  char *text = oci_state_public(&st, code, (long long)info[2].As<Napi::Number>().Int64Value());
  if (text) o.Set("text", Napi::String::New(env, text));
  free(text);
  oci_state_free(&st);
  return o;
}
