/* See ocistate.h. */
#define _GNU_SOURCE
#include "ocistate.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *const STATUS_NAMES[] = { "creating", "created", "running", "paused", "stopped" };

const char *oci_status_name(int status) {
  return status >= 0 && status <= OCI_STOPPED ? STATUS_NAMES[status] : "unknown";
}

/* ---------- /proc and the cgroup files ---------- */

/* Reads at most size-1 bytes of a file (NUL-terminated); -1 when it cannot be opened or read. */
ssize_t oci_read_small(const char *path, char *buf, size_t size) {
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return -1;
  size_t got = 0;
  while (got < size - 1) {
    ssize_t n = read(fd, buf + got, size - 1 - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) { close(fd); return -1; }
    if (n == 0) break;
    got += (size_t)n;
  }
  close(fd);
  buf[got] = '\0';
  return (ssize_t)got;
}

static int exists(const char *path) {
  return access(path, F_OK) == 0;
}

/* String.prototype.trim for the ASCII whitespace kernel files end with. */
static char *trim(char *s) {
  while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r' || *s == '\v' || *s == '\f') s++;
  size_t n = strlen(s);
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\n' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\v' || s[n - 1] == '\f')) s[--n] = '\0';
  return s;
}

int oci_proc_stat(long long pid, struct oci_proc *out) {
  char path[64], buf[4096];
  if (pid < 0 || pid > INT32_MAX) return -1;
  snprintf(path, sizeof path, "/proc/%lld/stat", pid);
  if (oci_read_small(path, buf, sizeof buf) < 0) return -1;
  /* the command may hold spaces and parentheses: the fields start after the last ')' */
  char *p = strrchr(buf, ')');
  if (!p || !p[1] || !p[2]) return -1;
  p += 2;
  memset(out, 0, sizeof *out);
  for (int field = 0; field <= 19; field++) {
    char *end = strchr(p, ' ');
    size_t n = end ? (size_t)(end - p) : strlen(p);
    if (field == 0) {
      if (n >= sizeof out->state) n = sizeof out->state - 1;
      memcpy(out->state, p, n);
    } else if (field == 1) {
      out->ppid = strtoll(p, NULL, 10);
    } else if (field == 19) {
      while (n && (p[n - 1] == '\n')) n--;
      if (n >= sizeof out->start) return -1;
      memcpy(out->start, p, n);
      return 0;
    }
    if (!end) return -1;
    p = end + 1;
  }
  return -1;
}

int oci_alive(long long pid, const char *start) {
  struct oci_proc st;
  if (pid <= 0 || oci_proc_stat(pid, &st) != 0) return 0;
  if (strcmp(st.state, "Z") == 0 || strcmp(st.state, "X") == 0) return 0;
  return strcmp(st.start, start) == 0;
}

/* The v1 freezer: FROZEN (after FREEZING settles, as runc waits) and frozen by itself. */
static int v1_frozen(const char *dir) {
  char path[4200], buf[256];
  snprintf(path, sizeof path, "%s/freezer.state", dir);
  ssize_t n = oci_read_small(path, buf, sizeof buf);
  for (int i = 0; n >= 0 && strcmp(trim(buf), "FREEZING") == 0 && i < 1000; i++) {
    struct timespec ms = { 0, 1000000 };
    nanosleep(&ms, NULL);
    n = oci_read_small(path, buf, sizeof buf);
  }
  if (n < 0 || strcmp(trim(buf), "FROZEN") != 0) return 0;
  snprintf(path, sizeof path, "%s/freezer.self_freezing", dir);
  n = oci_read_small(path, buf, sizeof buf);
  return n < 0 || strcmp(trim(buf), "0") != 0;
}

static int v2_frozen(const char *dir) {
  char path[4200], buf[64];
  snprintf(path, sizeof path, "%s/cgroup.freeze", dir);
  return oci_read_small(path, buf, sizeof buf) >= 0 && strcmp(trim(buf), "1") == 0;
}

/* Which freezer the container's cgroups use: a v1 freezer.state (directories under a "freezer"
 * hierarchy first), else the first cgroup2 directory with cgroup.freeze. */
int oci_freezer_of(const char *const *dirs, size_t n, int *version) {
  char path[4200];
  for (int pass = 0; pass < 2; pass++)
    for (size_t i = 0; i < n; i++) {
      if ((strstr(dirs[i], "/freezer") != NULL) != (pass == 0)) continue;
      snprintf(path, sizeof path, "%s/freezer.state", dirs[i]);
      if (exists(path)) { *version = 1; return (int)i; }
    }
  for (size_t i = 0; i < n; i++) {
    snprintf(path, sizeof path, "%s/cgroup.freeze", dirs[i]);
    if (exists(path)) { *version = 2; return (int)i; }
  }
  return -1;
}

int oci_is_frozen(const char *const *dirs, size_t n) {
  int version = 0, i = oci_freezer_of(dirs, n, &version);
  if (i < 0) return 0;
  return version == 1 ? v1_frozen(dirs[i]) : v2_frozen(dirs[i]);
}

/* The init has not exec'd the container's program yet: it still runs from the sealed oci-ts-init
 * copy (a start killed between releasing it and removing exec.fifo leaves the fifo of a running
 * container). Cannot tell: trust the fifo. */
static int init_waiting(long long pid) {
  char path[64], exe[256];
  static const char memfd[] = "/memfd:oci-ts-init";
  snprintf(path, sizeof path, "/proc/%lld/exe", pid);
  ssize_t n = readlink(path, exe, sizeof exe - 1);
  if (n < 0) return 1;
  exe[n] = '\0';
  return strncmp(exe, memfd, sizeof memfd - 1) == 0;
}

int oci_derive_status(const char *fifo, long long pid, const char *start, long long creator_pid,
                      const char *creator_start, const char *const *cgroups, size_t ncgroups) {
  if (creator_pid >= 0) return oci_alive(creator_pid, creator_start) ? OCI_CREATING : OCI_STOPPED;
  if (!oci_alive(pid, start)) return OCI_STOPPED;
  /* frozen before created, as runc's refreshState: a created container can be paused too */
  if (oci_is_frozen(cgroups, ncgroups)) return OCI_PAUSED;
  return exists(fifo) && init_waiting(pid) ? OCI_CREATED : OCI_RUNNING;
}

/* ---------- JSON ---------- */

/*
 * A small strict JSON reader (RFC 8259 as JSON.parse reads it) into a flat tree. Strings are
 * decoded into a second buffer; a string the reader cannot re-emit exactly (invalid UTF-8, a
 * lone surrogate) makes the whole file UNSURE rather than guessing what Node would do.
 */
enum { J_NULL, J_FALSE, J_TRUE, J_NUM, J_STR, J_ARR, J_OBJ };

struct jnode {
  int type;
  const char *s; /* J_STR: decoded (NUL-terminated, len bytes); J_NUM: the token */
  size_t len;
  const char *key; /* member of an object: its decoded key */
  size_t keylen;
  int child, next; /* first child and next sibling, -1 for none */
};

struct parser {
  const char *p, *end;
  char *strings; /* decoded strings go here */
  size_t slen;
  struct jnode *nodes;
  int nnodes, cap;
  int depth;
};

#define JFAIL (-2)

static void ws(struct parser *ps) {
  while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')) ps->p++;
}

static int new_node(struct parser *ps, int type) {
  if (ps->nnodes == OCI_STATE_MAX_NODES) return JFAIL;
  if (ps->nnodes == ps->cap) {
    int cap = ps->cap ? ps->cap * 2 : 256;
    struct jnode *n = realloc(ps->nodes, (size_t)cap * sizeof *n);
    if (!n) return JFAIL;
    ps->nodes = n;
    ps->cap = cap;
  }
  struct jnode *n = &ps->nodes[ps->nnodes];
  memset(n, 0, sizeof *n);
  n->type = type;
  n->child = n->next = -1;
  return ps->nnodes++;
}

static int hex4(const char *p, unsigned *out) {
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    char c = p[i];
    v <<= 4;
    if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
    else return -1;
  }
  *out = v;
  return 0;
}

/* Length of the valid UTF-8 sequence at p (1-4), or 0. */
static int utf8_len(const unsigned char *p, const unsigned char *end) {
  unsigned c = p[0];
  if (c < 0x80) return 1;
  int n;
  unsigned min;
  if (c >= 0xc2 && c <= 0xdf) { n = 2; min = 0x80; }
  else if (c >= 0xe0 && c <= 0xef) { n = 3; min = 0x800; }
  else if (c >= 0xf0 && c <= 0xf4) { n = 4; min = 0x10000; }
  else return 0;
  if (end - p < n) return 0;
  unsigned cp = c & (0x3f >> (n - 1));
  for (int i = 1; i < n; i++) {
    if ((p[i] & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (p[i] & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n;
}

static size_t put_utf8(char *o, unsigned cp) {
  if (cp < 0x80) { o[0] = (char)cp; return 1; }
  if (cp < 0x800) { o[0] = (char)(0xc0 | (cp >> 6)); o[1] = (char)(0x80 | (cp & 0x3f)); return 2; }
  if (cp < 0x10000) {
    o[0] = (char)(0xe0 | (cp >> 12)); o[1] = (char)(0x80 | ((cp >> 6) & 0x3f)); o[2] = (char)(0x80 | (cp & 0x3f));
    return 3;
  }
  o[0] = (char)(0xf0 | (cp >> 18)); o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
  o[2] = (char)(0x80 | ((cp >> 6) & 0x3f)); o[3] = (char)(0x80 | (cp & 0x3f));
  return 4;
}

/* A string at ps->p (on the opening quote): decoded into ps->strings. */
static int parse_string(struct parser *ps, const char **out, size_t *outlen) {
  ps->p++;
  char *o = ps->strings + ps->slen, *start = o;
  while (ps->p < ps->end) {
    unsigned char c = (unsigned char)*ps->p;
    if (c == '"') {
      ps->p++;
      *o = '\0';
      *out = start;
      *outlen = (size_t)(o - start);
      ps->slen += *outlen + 1;
      return 0;
    }
    if (c < 0x20) return JFAIL;
    if (c == '\\') {
      if (ps->end - ps->p < 2) return JFAIL;
      char e = ps->p[1];
      ps->p += 2;
      switch (e) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '/': *o++ = '/'; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'u': {
          unsigned cp;
          if (ps->end - ps->p < 4 || hex4(ps->p, &cp)) return JFAIL;
          ps->p += 4;
          if (cp >= 0xdc00 && cp <= 0xdfff) return JFAIL; /* lone low surrogate: not re-emitted here */
          if (cp >= 0xd800 && cp <= 0xdbff) {
            unsigned lo;
            if (ps->end - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u' || hex4(ps->p + 2, &lo) || lo < 0xdc00 || lo > 0xdfff) return JFAIL;
            ps->p += 6;
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          }
          o += put_utf8(o, cp);
          break;
        }
        default: return JFAIL;
      }
      continue;
    }
    int n = utf8_len((const unsigned char *)ps->p, (const unsigned char *)ps->end);
    if (!n) return JFAIL;
    memcpy(o, ps->p, (size_t)n);
    o += n;
    ps->p += n;
  }
  return JFAIL;
}

static int parse_number(struct parser *ps, int node) {
  const char *s = ps->p;
  if (ps->p < ps->end && *ps->p == '-') ps->p++;
  if (ps->p >= ps->end) return JFAIL;
  if (*ps->p == '0') ps->p++;
  else if (*ps->p >= '1' && *ps->p <= '9') while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') ps->p++;
  else return JFAIL;
  if (ps->p < ps->end && *ps->p == '.') {
    ps->p++;
    if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9') return JFAIL;
    while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') ps->p++;
  }
  if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
    ps->p++;
    if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-')) ps->p++;
    if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9') return JFAIL;
    while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') ps->p++;
  }
  ps->nodes[node].s = s;
  ps->nodes[node].len = (size_t)(ps->p - s);
  return 0;
}

static int literal(struct parser *ps, const char *word) {
  size_t n = strlen(word);
  if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0) return JFAIL;
  ps->p += n;
  return 0;
}

static int parse_value(struct parser *ps) {
  ws(ps);
  if (ps->p >= ps->end) return JFAIL;
  char c = *ps->p;
  int node;
  switch (c) {
    case 'n': node = new_node(ps, J_NULL); return node < 0 || literal(ps, "null") ? JFAIL : node;
    case 't': node = new_node(ps, J_TRUE); return node < 0 || literal(ps, "true") ? JFAIL : node;
    case 'f': node = new_node(ps, J_FALSE); return node < 0 || literal(ps, "false") ? JFAIL : node;
    case '"': {
      node = new_node(ps, J_STR);
      if (node < 0) return JFAIL;
      const char *s;
      size_t len;
      if (parse_string(ps, &s, &len)) return JFAIL;
      ps->nodes[node].s = s;
      ps->nodes[node].len = len;
      return node;
    }
    case '[':
    case '{': {
      int obj = c == '{';
      if (++ps->depth > OCI_STATE_MAX_DEPTH) return JFAIL;
      node = new_node(ps, obj ? J_OBJ : J_ARR);
      if (node < 0) return JFAIL;
      ps->p++;
      ws(ps);
      int last = -1;
      if (ps->p < ps->end && *ps->p == (obj ? '}' : ']')) {
        ps->p++;
        ps->depth--;
        return node;
      }
      for (;;) {
        const char *key = NULL;
        size_t keylen = 0;
        if (obj) {
          ws(ps);
          if (ps->p >= ps->end || *ps->p != '"' || parse_string(ps, &key, &keylen)) return JFAIL;
          ws(ps);
          if (ps->p >= ps->end || *ps->p != ':') return JFAIL;
          ps->p++;
        }
        int child = parse_value(ps);
        if (child < 0) return JFAIL;
        ps->nodes[child].key = key;
        ps->nodes[child].keylen = keylen;
        if (last < 0) ps->nodes[node].child = child;
        else ps->nodes[last].next = child;
        last = child;
        ws(ps);
        if (ps->p >= ps->end) return JFAIL;
        if (*ps->p == ',') { ps->p++; continue; }
        if (*ps->p == (obj ? '}' : ']')) { ps->p++; break; }
        return JFAIL;
      }
      ps->depth--;
      return node;
    }
    default:
      if (c == '-' || (c >= '0' && c <= '9')) {
        node = new_node(ps, J_NUM);
        if (node < 0 || parse_number(ps, node)) return JFAIL;
        return node;
      }
      return JFAIL;
  }
}

/* The member `key` of object node obj; -1 when absent, JFAIL when it appears twice. */
static int member(const struct parser *ps, int obj, const char *key) {
  int found = -1;
  size_t kl = strlen(key);
  for (int c = ps->nodes[obj].child; c >= 0; c = ps->nodes[c].next)
    if (ps->nodes[c].keylen == kl && memcmp(ps->nodes[c].key, key, kl) == 0) {
      if (found >= 0) return JFAIL;
      found = c;
    }
  return found;
}

/* A string without NUL (usable as a C string and a path). */
static int is_cstr(const struct parser *ps, int n) {
  return n >= 0 && ps->nodes[n].type == J_STR && strlen(ps->nodes[n].s) == ps->nodes[n].len;
}

/* isPid: an integer >= 0. Only the form JSON.stringify writes is read here. */
static int pid_value(const struct parser *ps, int n, long long *out) {
  if (n < 0 || ps->nodes[n].type != J_NUM) return -1;
  const char *s = ps->nodes[n].s;
  size_t len = ps->nodes[n].len;
  if (len == 0 || len > 10 || (len > 1 && s[0] == '0')) return -1;
  long long v = 0;
  for (size_t i = 0; i < len; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  if (v > INT32_MAX) return -1;
  *out = v;
  return 0;
}

/* An object key that JavaScript orders before the others (an array index): order would differ. */
static int is_index_key(const char *k, size_t len) {
  if (len == 0 || len > 10 || (len > 1 && k[0] == '0')) return 0;
  unsigned long long v = 0;
  for (size_t i = 0; i < len; i++) {
    if (k[i] < '0' || k[i] > '9') return 0;
    v = v * 10 + (unsigned)(k[i] - '0');
  }
  return v < 4294967295ULL;
}

/* ---------- output as JSON.stringify writes it ---------- */

struct out { char *buf; size_t len, cap; int oom; };

static void emit(struct out *o, const char *s, size_t n) {
  if (o->oom) return;
  if (o->len + n + 1 > o->cap) {
    size_t cap = o->cap ? o->cap : 1024;
    while (o->len + n + 1 > cap) cap *= 2;
    char *b = realloc(o->buf, cap);
    if (!b) { o->oom = 1; return; }
    o->buf = b;
    o->cap = cap;
  }
  memcpy(o->buf + o->len, s, n);
  o->len += n;
  o->buf[o->len] = '\0';
}

static void emits(struct out *o, const char *s) { emit(o, s, strlen(s)); }

/* JSON.stringify of a string (valid UTF-8, no lone surrogates: the parser saw to that). */
static void emit_jstr(struct out *o, const char *s, size_t n) {
  emit(o, "\"", 1);
  size_t run = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    const char *esc = NULL;
    char u[8];
    if (c == '"') esc = "\\\"";
    else if (c == '\\') esc = "\\\\";
    else if (c == '\b') esc = "\\b";
    else if (c == '\f') esc = "\\f";
    else if (c == '\n') esc = "\\n";
    else if (c == '\r') esc = "\\r";
    else if (c == '\t') esc = "\\t";
    else if (c < 0x20) {
      snprintf(u, sizeof u, "\\u%04x", c);
      esc = u;
    }
    if (!esc) continue;
    emit(o, s + run, i - run);
    emits(o, esc);
    run = i + 1;
  }
  emit(o, s + run, n - run);
  emit(o, "\"", 1);
}

static char *jstr_dup(struct out *o, const struct parser *ps, int n) {
  size_t at = o->len;
  emit_jstr(o, ps->nodes[n].s, ps->nodes[n].len);
  emit(o, "", 1); /* keep the NUL as a separator */
  return o->oom ? NULL : (char *)(uintptr_t)at; /* an offset until the buffer stops moving */
}

/* spec.hooks (node `hooks`, -1 when absent) holds hooks of this kind, or something the native
 * paths do not judge: anything but absent, null or []. */
static int has_hooks(const struct parser *ps, int hooks, const char *kind) {
  if (hooks == JFAIL) return 1;
  if (hooks < 0 || ps->nodes[hooks].type == J_NULL) return 0;
  if (ps->nodes[hooks].type != J_OBJ) return 1;
  int list = member(ps, hooks, kind);
  if (list == JFAIL) return 1;
  return list >= 0 && ps->nodes[list].type != J_NULL && !(ps->nodes[list].type == J_ARR && ps->nodes[list].child < 0);
}

int oci_state_parse(const char *text, size_t len, struct oci_state *st) {
  memset(st, 0, sizeof *st);
  if (len > OCI_STATE_MAX_BYTES) return OCI_STATE_UNSURE;
  struct parser ps = { 0 };
  st->text = malloc(len + 1);
  st->strings = malloc(len + 1);
  if (!st->text || !st->strings) { oci_state_free(st); return OCI_STATE_NOMEM; }
  memcpy(st->text, text, len);
  st->text[len] = '\0';
  ps.p = st->text;
  ps.end = st->text + len;
  ps.strings = st->strings;
  int rc = OCI_STATE_UNSURE;
  int root = parse_value(&ps);
  ws(&ps);
  if (root < 0 || ps.p != ps.end || ps.nodes[root].type != J_OBJ) goto done;

  /* every field checkSaved checks, of its type; the strings printed or used as paths without NUL */
  static const char *const STRS[] = { "ociVersion", "id", "startTime", "bundle", "rootfs", "created", "owner" };
  int f[7];
  for (int i = 0; i < 7; i++) {
    f[i] = member(&ps, root, STRS[i]);
    if (!is_cstr(&ps, f[i])) goto done;
  }
  int pid = member(&ps, root, "pid");
  if (pid_value(&ps, pid, &st->pid)) goto done;
  for (int k = 0; k < 2; k++) {
    int list = member(&ps, root, k ? "cgroupCreated" : "cgroupPaths");
    if (list < 0 || ps.nodes[list].type != J_ARR) goto done;
    for (int c = ps.nodes[list].child; c >= 0; c = ps.nodes[c].next) {
      if (!is_cstr(&ps, c)) goto done;
      const char *d = ps.nodes[c].s;
      size_t n = ps.nodes[c].len;
      /* an absolute, normal path: the kernel resolves it as path.join would */
      int normal = d[0] == '/' && !strstr(d, "//") && !strstr(d, "/./") && !strstr(d, "/../") && !(n > 1 && d[n - 1] == '/') &&
                   !(n >= 2 && strcmp(d + n - 2, "/.") == 0) && !(n >= 3 && strcmp(d + n - 3, "/..") == 0);
      if (k) {
        /* cgroupCreated: only what delete removes; an odd one is left to Node's delete */
        if (st->created_odd || !normal || st->ncreated == OCI_STATE_MAX_CGROUPS) st->created_odd = 1;
        else st->created[st->ncreated++] = d;
        continue;
      }
      if (st->ncgroups == OCI_STATE_MAX_CGROUPS || !normal) goto done;
      st->cgroups[st->ncgroups++] = d;
    }
  }
  int spec = member(&ps, root, "spec");
  if (spec < 0 || ps.nodes[spec].type != J_OBJ) goto done;
  int ns = member(&ps, root, "namespaces");
  if (ns == JFAIL) goto done;
  if (ns >= 0) {
    if (ps.nodes[ns].type != J_OBJ) goto done;
    for (int c = ps.nodes[ns].child; c >= 0; c = ps.nodes[c].next)
      if (ps.nodes[c].type != J_STR) goto done;
  }
  st->creator_pid = -1;
  int creator = member(&ps, root, "creator");
  if (creator == JFAIL) goto done;
  if (creator >= 0) {
    if (ps.nodes[creator].type != J_OBJ) goto done;
    int cs = member(&ps, creator, "startTime");
    if (pid_value(&ps, member(&ps, creator, "pid"), &st->creator_pid) || !is_cstr(&ps, cs)) goto done;
    st->creator_start = ps.nodes[cs].s;
  }
  int ann = member(&ps, root, "annotations");
  if (ann == JFAIL) goto done;
  if (ann >= 0) {
    if (ps.nodes[ann].type != J_OBJ) goto done;
    int count = 0;
    for (int c = ps.nodes[ann].child; c >= 0; c = ps.nodes[c].next) {
      /* printed as they are: strings, in file order, each key once */
      if (ps.nodes[c].type != J_STR || is_index_key(ps.nodes[c].key, ps.nodes[c].keylen) || ++count > 1000) goto done;
      for (int d = ps.nodes[ann].child; d != c; d = ps.nodes[d].next)
        if (ps.nodes[d].keylen == ps.nodes[c].keylen && memcmp(ps.nodes[d].key, ps.nodes[c].key, ps.nodes[c].keylen) == 0) goto done;
    }
  }
  /* spec.hooks.poststart / poststop: anything but absent, null or [] is left to Node */
  int hooks = member(&ps, spec, "hooks");
  st->poststart = has_hooks(&ps, hooks, "poststart");
  st->poststop = has_hooks(&ps, hooks, "poststop");
  /* spec.linux.intelRdt: a resctrl group is the container's (absent or null: none) */
  int lnx = member(&ps, spec, "linux");
  st->intelrdt = lnx == JFAIL;
  if (lnx >= 0 && ps.nodes[lnx].type == J_OBJ) {
    int rdt = member(&ps, lnx, "intelRdt");
    st->intelrdt = rdt == JFAIL || (rdt >= 0 && ps.nodes[rdt].type != J_NULL);
  } else if (lnx >= 0 && ps.nodes[lnx].type != J_NULL) {
    st->intelrdt = 1;
  }

  st->id = ps.nodes[f[1]].s;
  st->start_time = ps.nodes[f[2]].s;

  /* the printed pieces */
  struct out o = { 0 };
  char *offs[7];
  static const int ORDER[] = { 0, 1, 3, 4, 5, 6 }; /* ociVersion id bundle rootfs created owner */
  for (int i = 0; i < 6; i++) offs[i] = jstr_dup(&o, &ps, f[ORDER[i]]);
  offs[6] = NULL;
  if (ann >= 0 && ps.nodes[ann].child >= 0) {
    offs[6] = (char *)(uintptr_t)o.len;
    emits(&o, "{");
    for (int c = ps.nodes[ann].child; c >= 0; c = ps.nodes[c].next) {
      emits(&o, c == ps.nodes[ann].child ? "\n    " : ",\n    ");
      emit_jstr(&o, ps.nodes[c].key, ps.nodes[c].keylen);
      emits(&o, ": ");
      emit_jstr(&o, ps.nodes[c].s, ps.nodes[c].len);
    }
    emits(&o, "\n  }");
    emit(&o, "", 1);
  }
  if (o.oom) { free(o.buf); rc = OCI_STATE_NOMEM; goto done; }
  st->out = o.buf;
  const char **dst[] = { &st->j_oci_version, &st->j_id, &st->j_bundle, &st->j_rootfs, &st->j_created, &st->j_owner, &st->j_annotations };
  for (int i = 0; i < 7; i++) *dst[i] = (i == 6 && !offs[6]) ? NULL : o.buf + (uintptr_t)offs[i];
  rc = OCI_STATE_OK;
done:
  free(ps.nodes);
  if (rc != OCI_STATE_OK) oci_state_free(st);
  return rc;
}

void oci_state_free(struct oci_state *s) {
  free(s->text);
  free(s->strings);
  free(s->out);
  s->text = s->strings = s->out = NULL;
}

char *oci_state_public(const struct oci_state *s, int status, long long pid) {
  struct out o = { 0 };
  char num[32];
  snprintf(num, sizeof num, "%lld", pid);
  emits(&o, "{\n  \"ociVersion\": "); emits(&o, s->j_oci_version);
  emits(&o, ",\n  \"id\": "); emits(&o, s->j_id);
  emits(&o, ",\n  \"pid\": "); emits(&o, num);
  emits(&o, ",\n  \"status\": \""); emits(&o, oci_status_name(status));
  emits(&o, "\",\n  \"bundle\": "); emits(&o, s->j_bundle);
  emits(&o, ",\n  \"rootfs\": "); emits(&o, s->j_rootfs);
  emits(&o, ",\n  \"created\": "); emits(&o, s->j_created);
  emits(&o, ",\n  \"owner\": "); emits(&o, s->j_owner);
  if (s->j_annotations) { emits(&o, ",\n  \"annotations\": "); emits(&o, s->j_annotations); }
  emits(&o, "\n}");
  if (o.oom) { free(o.buf); return NULL; }
  return o.buf;
}

/* ---------- signals ---------- */

/* Linux numbering (asm-generic, as on x86_64 and arm64). The RT names follow moby/sys/signal,
 * which runc uses: RTMIN, RTMIN+1..RTMIN+15, RTMAX-14..RTMAX-1, RTMAX (glibc reserves 32 and 33,
 * so RTMIN is 34). */
#define SIGRT_MIN 34
#define SIGRT_MAX 64
static const struct { const char *name; int num; } SIGNAL_TABLE[] = {
  { "ABRT", 6 }, { "ALRM", 14 }, { "BUS", 7 }, { "CHLD", 17 }, { "CLD", 17 }, { "CONT", 18 }, { "FPE", 8 },
  { "HUP", 1 }, { "ILL", 4 }, { "INT", 2 }, { "IO", 29 }, { "IOT", 6 }, { "KILL", 9 }, { "PIPE", 13 },
  { "POLL", 29 }, { "PROF", 27 }, { "PWR", 30 }, { "QUIT", 3 }, { "SEGV", 11 }, { "STKFLT", 16 },
  { "STOP", 19 }, { "SYS", 31 }, { "TERM", 15 }, { "TRAP", 5 }, { "TSTP", 20 }, { "TTIN", 21 },
  { "TTOU", 22 }, { "URG", 23 }, { "USR1", 10 }, { "USR2", 12 }, { "VTALRM", 26 }, { "WINCH", 28 },
  { "XCPU", 24 }, { "XFSZ", 25 }, { "RTMIN", SIGRT_MIN }, { "RTMAX", SIGRT_MAX },
};
#define NSIGNAL_TABLE (sizeof SIGNAL_TABLE / sizeof SIGNAL_TABLE[0])

const char *oci_signal_name(int i, int *num) {
  static char rt[16];
  if (i < 0) return NULL;
  if ((size_t)i < NSIGNAL_TABLE) { *num = SIGNAL_TABLE[i].num; return SIGNAL_TABLE[i].name; }
  i -= (int)NSIGNAL_TABLE;
  if (i < 15) { snprintf(rt, sizeof rt, "RTMIN+%d", i + 1); *num = SIGRT_MIN + i + 1; return rt; }
  i -= 15;
  if (i < 14) { snprintf(rt, sizeof rt, "RTMAX-%d", 14 - i); *num = SIGRT_MAX - (14 - i); return rt; }
  return NULL;
}

int oci_parse_signal(const char *raw) {
  if (!*raw) return 15;
  size_t n = strlen(raw);
  int digits = 1;
  for (size_t i = 0; i < n; i++) if (raw[i] < '0' || raw[i] > '9') digits = 0;
  if (digits) {
    /* a number is taken as it is (the kernel refuses one it has no signal for), up to INT_MAX */
    long long v = 0;
    for (size_t i = 0; i < n; i++) {
      v = v * 10 + (raw[i] - '0');
      if (v > INT32_MAX) return -1;
    }
    return (int)v;
  }
  char name[32];
  if (n >= sizeof name) return -1;
  for (size_t i = 0; i <= n; i++) name[i] = (raw[i] >= 'a' && raw[i] <= 'z') ? (char)(raw[i] - 32) : raw[i];
  const char *p = strncmp(name, "SIG", 3) == 0 ? name + 3 : name;
  int num;
  const char *s;
  for (int i = 0; (s = oci_signal_name(i, &num)); i++)
    if (strcmp(s, p) == 0) return num;
  return -1;
}
