/*
 * The launcher's native fast path: `state`, `start` (a created container without poststart
 * hooks), `kill` of the init, `delete` of a stopped container with nothing to decide (see
 * serve_delete) and `--version`, served without starting Node.
 *
 * TypeScript stays the author of every decision it does not mirror exactly. What this file
 * decides, it decides with the same data and the same code as the Node path:
 *   - the flags: the lean parser's rules (runtime/cli/parse.ts) over the tables of
 *     runtime/cli/options.ts, which scripts/build.js writes into launcher.conf (`globals=`,
 *     `cmd.<name>=`); a command without a table there is never served here;
 *   - the state file, the status and the signal names: addon/common/ocistate.c, the code the
 *     addon runs for the Node path;
 *   - the version text: dist/version.txt, what the bundle printed at build time (served only
 *     while the recorded node binary is unchanged).
 * Everything else goes to Node unchanged (fp_serve returns -1), before any side effect: a usage
 * error, --help, --debug, an unknown or invalid value, an id the TS check refuses, a --root with
 * `..` (path.join would normalise it), a --log that cannot be opened, a state file the native
 * reader does not vouch for, a container in another status than the command needs, poststart
 * hooks, `kill --all`, a delete that would kill, warn, run poststop hooks or sweep, OCI_TS_TRACE
 * or OCI_TS_TEST_KILL_AT set. Node's answer is then the only
 * answer, error text and exit status included. The one error met after acting (the init a start
 * released died before it took its byte; a renamed state directory delete could not remove) is
 * handed over as a verdict (OCI_TS_FAST_VERDICT) for Node's error boundary to print and log.
 */
#define _GNU_SOURCE
#include "fastpath.h"
#include "ocistate.h"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

#define HANDOVER (-1)

static const char *conf_value(const struct fp_conf *c, const char *key) {
  size_t k = strlen(key);
  for (char *p = c->text; p && p < c->text + c->len; p += strlen(p) + 1)
    if (strncmp(p, key, k) == 0 && p[k] == '=') return p + k + 1;
  return NULL;
}

/* ---------- the lean parser (runtime/cli/parse.ts), over tables from launcher.conf ---------- */

/* A flag table is `name[/short]:type ...` (type b, s, n or a). Finds `name` (len bytes): its
 * type, and its long name in *lname and *llen. 0 when absent. */
static char find_flag(const char *table, const char *name, size_t len, const char **lname, size_t *llen) {
  for (const char *p = table; p && *p;) {
    while (*p == ' ') p++;
    const char *end = strchr(p, ' ');
    if (!end) end = p + strlen(p);
    const char *colon = memchr(p, ':', (size_t)(end - p));
    if (colon && colon + 1 < end) {
      const char *slash = memchr(p, '/', (size_t)(colon - p));
      const char *nend = slash ? slash : colon;
      int hit = (size_t)(nend - p) == len && memcmp(p, name, len) == 0;
      if (!hit && slash && len == 1 && (size_t)(colon - slash - 1) == 1 && slash[1] == name[0]) hit = 1;
      if (hit) {
        *lname = p;
        *llen = (size_t)(nend - p);
        return colon[1];
      }
    }
    p = end;
  }
  return 0;
}

static int is_flag(const char *w) {
  return w[0] == '-' && w[1] != '\0' && strcmp(w, "--") != 0;
}

static int in_set(const char *v, const char *const *set) {
  for (; *set; set++)
    if (strcmp(v, *set) == 0) return 1;
  return 0;
}

static const char *const TRUE_WORDS[] = { "1", "t", "T", "TRUE", "true", "True", NULL };
static const char *const FALSE_WORDS[] = { "0", "f", "F", "FALSE", "false", "False", NULL };

static int eq(const char *a, size_t n, const char *b) {
  return strlen(b) == n && memcmp(a, b, n) == 0;
}

/* One flag at argv[i]: the words it used, 0 for help, -1 for a usage error. */
static int take_flag(const char *table, int global, int argc, char **argv, int i, struct fp_args *a) {
  const char *word = argv[i];
  const char *body = word[1] == '-' ? word + 2 : word + 1;
  const char *eqs = strchr(body, '=');
  size_t nlen = eqs ? (size_t)(eqs - body) : strlen(body);
  const char *inl = eqs ? eqs + 1 : NULL;
  const char *name;
  size_t len;
  char type = find_flag(table, body, nlen, &name, &len);
  if (!type) return (eq(body, nlen, "help") || eq(body, nlen, "h")) ? 0 : -1;
  if (type == 'b') {
    int v;
    if (!inl || in_set(inl, TRUE_WORDS)) v = 1;
    else if (in_set(inl, FALSE_WORDS)) v = 0;
    else return -1;
    if (global && eq(name, len, "debug")) a->debug = v;
    else if (global && eq(name, len, "help")) a->help = v;
    else if (global && eq(name, len, "version")) a->version = v;
    else if (!global && eq(name, len, "all")) a->all = v;
    else if (!global && eq(name, len, "force")) a->force = v;
    return 1;
  }
  const char *value = inl;
  int used = 1;
  if (!value) {
    if (i + 1 >= argc) return -1;
    value = argv[i + 1];
    used = 2;
  }
  if (type == 'n') {
    const char *d = value + (*value == '+' || *value == '-');
    if (!*d) return -1;
    for (; *d; d++)
      if (*d < '0' || *d > '9') return -1;
  }
  if (global && type == 's') {
    if (eq(name, len, "log")) a->log = value;
    else if (eq(name, len, "log-format")) a->log_format = value;
    else if (eq(name, len, "root")) a->root = value;
    else if (eq(name, len, "rootless")) a->rootless = value;
  }
  return used;
}

void fp_parse(const struct fp_conf *c, int argc, char **argv, struct fp_args *a) {
  memset(a, 0, sizeof *a);
  a->log_format = "text";
  a->rootless = "auto";
  const char *globals = conf_value(c, "globals");
  if (!globals) { a->error = 1; return; }
  int i = 1;
  while (i < argc && is_flag(argv[i])) {
    int n = take_flag(globals, 1, argc, argv, i, a);
    if (n < 0) { a->error = 1; return; }
    if (n == 0) { a->help = 1; i++; } else i += n;
  }
  if (i < argc && strcmp(argv[i], "--") == 0) i++;
  if (i >= argc) return;
  const char *name = argv[i++];
  a->command = name;
  if (strcmp(name, "help") == 0 || strcmp(name, "h") == 0) { a->help = 1; return; }
  char key[64];
  if (strlen(name) > 32) return;
  snprintf(key, sizeof key, "cmd.%s", name);
  const char *table = conf_value(c, key); /* "MIN:MAX flags..." */
  if (!table) return;
  char *end;
  long min = strtol(table, &end, 10);
  if (*end != ':') return;
  long max = strtol(end + 1, &end, 10);
  const char *flags = end;
  int done = 0;
  while (i < argc) {
    const char *w = argv[i];
    if (!done && strcmp(w, "--") == 0) { done = 1; i++; continue; }
    if (!done && is_flag(w)) {
      int n = take_flag(flags, 0, argc, argv, i, a);
      if (n < 0) { a->error = 1; return; }
      if (n == 0) { a->help = 1; i++; } else i += n;
      continue;
    }
    if (a->nargs == FP_MAX_ARGS) { a->error = 1; return; }
    a->args[a->nargs++] = w;
    i++;
  }
  if (!a->help && (a->nargs < min || a->nargs > max)) { a->error = 1; return; }
  a->known = 1;
}

int fp_is_hot(const struct fp_args *a, const char *hot) {
  if (a->error || a->help) return 0;
  if (!a->command) return a->version;
  size_t n = strlen(a->command);
  if (n == 0) return 0;
  for (const char *p = hot; (p = strstr(p, a->command)); p += n)
    if ((p == hot || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0')) return 1;
  return 0;
}

/* ---------- checks the Node path makes before the command ---------- */

/* path.dirname (POSIX) */
static void dirname_of(const char *path, char *out, size_t size) {
  size_t len = strlen(path);
  if (len == 0) { snprintf(out, size, "."); return; }
  int root = path[0] == '/';
  long end = -1;
  int matched_slash = 1;
  for (long i = (long)len - 1; i >= 1; i--) {
    if (path[i] == '/') {
      if (!matched_slash) { end = i; break; }
    } else {
      matched_slash = 0;
    }
  }
  if (end == -1) { snprintf(out, size, root ? "/" : "."); return; }
  if (root && end == 1) { snprintf(out, size, "//"); return; }
  snprintf(out, size, "%.*s", (int)end, path);
}

/* runtime/log openLogger: an existing --log opens for appending; a missing one needs a writable directory. */
static int log_usable(const char *log) {
  int fd = open(log, O_WRONLY | O_APPEND | O_SYNC | O_CLOEXEC);
  if (fd >= 0) { close(fd); return 1; }
  if (errno != ENOENT) return 0;
  char dir[PATH_MAX];
  dirname_of(log, dir, sizeof dir);
  return access(dir, W_OK) == 0;
}

/* runtime/state/store.ts checkId: [\w+\-.]+, not . or .., at most 255 bytes */
static int id_ok(const char *id) {
  size_t n = strlen(id);
  if (n == 0 || n > 255 || strcmp(id, ".") == 0 || strcmp(id, "..") == 0) return 0;
  for (const char *p = id; *p; p++) {
    char c = *p;
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '+' || c == '-' || c == '.')) return 0;
  }
  return 1;
}

static int has_dotdot(const char *path) {
  for (const char *p = path; (p = strstr(p, "..")); p += 2)
    if ((p == path || p[-1] == '/') && (p[2] == '/' || p[2] == '\0')) return 1;
  return 0;
}

/* write(2) it all (EAGAIN: the fd may be a non-blocking pipe we did not set). EPIPE is the reader's
 * business, as runtime/cli/output.ts print. */
static void write_all(int fd, const char *s, size_t n) {
  signal(SIGPIPE, SIG_IGN);
  while (n > 0) {
    ssize_t w = write(fd, s, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        struct pollfd p = { fd, POLLOUT, 0 };
        (void)poll(&p, 1, -1);
        continue;
      }
      return;
    }
    s += w;
    n -= (size_t)w;
  }
}

/* ---------- the commands ---------- */

/* <root>/<id>/state.json through the shared reader; -1 when Node must read it. */
static int load_state(const char *root, const char *id, struct oci_state *st) {
  char path[PATH_MAX];
  if ((size_t)snprintf(path, sizeof path, "%s/%s/state.json", root, id) >= sizeof path) return -1;
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return -1;
  struct stat sb;
  if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size > (off_t)OCI_STATE_MAX_BYTES) { close(fd); return -1; }
  size_t cap = (size_t)sb.st_size + 1, got = 0;
  char *buf = malloc(cap + 1);
  if (!buf) { close(fd); return -1; }
  for (;;) {
    ssize_t r = read(fd, buf + got, cap - got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) { free(buf); close(fd); return -1; }
    if (r == 0) break;
    got += (size_t)r;
    if (got == cap) { free(buf); close(fd); return -1; } /* grew meanwhile: Node reads it */
  }
  close(fd);
  int rc = oci_state_parse(buf, got, st);
  free(buf);
  if (rc != OCI_STATE_OK) return -1;
  if (strcmp(st->id, id) != 0) { oci_state_free(st); return -1; }
  return 0;
}

static int status_of(const char *root, const struct oci_state *st) {
  char fifo[PATH_MAX];
  snprintf(fifo, sizeof fifo, "%s/%s/exec.fifo", root, st->id);
  return oci_derive_status(fifo, st->pid, st->start_time, st->creator_pid, st->creator_start ? st->creator_start : "",
                           st->cgroups, st->ncgroups);
}

static int serve_state(const char *root, const char *id) {
  struct oci_state st;
  if (load_state(root, id, &st)) return HANDOVER;
  int status = status_of(root, &st);
  char *text = oci_state_public(&st, status, status == OCI_STOPPED ? 0 : st.pid);
  oci_state_free(&st);
  if (!text) return HANDOVER;
  write_all(1, text, strlen(text));
  free(text);
  return 0;
}

/* runtime/container/signal.ts signalProcess: through a pidfd checked against the start time. */
static int serve_kill(const char *root, const char *id, const char *word) {
  int sig = oci_parse_signal(word ? word : "");
  if (sig < 0 || sig > 64) return HANDOVER;
  struct oci_state st;
  if (load_state(root, id, &st)) return HANDOVER;
  int rc = HANDOVER;
  if (status_of(root, &st) == OCI_STOPPED) goto out;
  int pidfd = (int)syscall(SYS_pidfd_open, (int)st.pid, 0);
  if (pidfd < 0) goto out;
  struct oci_proc ps;
  if (oci_proc_stat(st.pid, &ps) == 0 && strcmp(ps.state, "Z") != 0 && strcmp(ps.start, st.start_time) == 0 &&
      syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) == 0)
    rc = 0;
  close(pidfd);
out:
  oci_state_free(&st);
  return rc;
}

/* The container's lock as runtime/state/store.ts withLock takes it: LOCK_EX on its state
 * directory (flags: LOCK_NB to give up at once). The descriptor, or -1. */
static int lock_container(const char *root, const char *id, int flags) {
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/%s", root, id);
  int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return -1;
  while (flock(dfd, LOCK_EX | flags) != 0)
    if (errno != EINTR) { close(dfd); return -1; }
  return dfd;
}

static void unlock_container(int dfd) {
  if (dfd < 0) return;
  flock(dfd, LOCK_UN);
  close(dfd);
}

/* runtime/container/start.ts: under the container's lock, release the init through exec.fifo. */
static int serve_start(const char *root, const char *id, const char **verdict) {
  static char msg[PATH_MAX + 256];
  struct oci_state st;
  if (load_state(root, id, &st)) return HANDOVER;
  int rc = HANDOVER, dfd = -1;
  if (st.poststart) goto out;
  char path[PATH_MAX];
  dfd = lock_container(root, id, 0);
  if (dfd < 0) goto out;
  if (status_of(root, &st) != OCI_CREATED) goto out;
  snprintf(path, sizeof path, "%s/%s/exec.fifo", root, id);
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) goto out;
  char byte;
  for (int i = 0;; i++) {
    ssize_t r = read(fd, &byte, 1);
    if (r == 1) break;
    if (r < 0 && errno != EAGAIN && errno != EINTR) {
      snprintf(msg, sizeof msg, "%s: read %s: %s", "start", path, strerror(errno));
      *verdict = msg;
      close(fd);
      goto out;
    }
    if (!oci_alive(st.pid, st.start_time)) {
      /* a short program may have run and exited between two reads: its byte is still in the fifo */
      if (read(fd, &byte, 1) == 1) break;
      snprintf(msg, sizeof msg, "container %s: the init exited before start", st.id);
      *verdict = msg;
      close(fd);
      goto out;
    }
    if (i >= 50) {
      struct timespec ms = { 0, 1000000 };
      nanosleep(&ms, NULL);
    }
  }
  close(fd);
  if (unlink(path) != 0) {
    snprintf(msg, sizeof msg, "unlink %s: %s", path, strerror(errno));
    *verdict = msg;
    goto out;
  }
  rc = 0;
out:
  unlock_container(dfd);
  oci_state_free(&st);
  return rc;
}

/* ---------- delete of a stopped container ---------- */

/* runtime/state/store.ts sweepStale would remove something: a `~<pid>.<start>.<n>` directory under
 * --root whose process is gone (liveStartTime: no such process, a zombie, another start time). */
static int sweep_pending(const char *root) {
  DIR *d = opendir(root);
  if (!d) return 0; /* sweepStale: an unreadable --root is not swept */
  int pending = 0;
  for (struct dirent *e; !pending && (e = readdir(d));) {
    const char *n = e->d_name, *p = n + 1;
    if (n[0] != '~') continue;
    /* ^~(\d+)\.(\d+)\.\d+$ */
    const char *pid_s = p;
    while (*p >= '0' && *p <= '9') p++;
    if (p == pid_s || *p != '.') continue;
    const char *start = ++p;
    while (*p >= '0' && *p <= '9') p++;
    if (p == start || *p != '.') continue;
    size_t start_len = (size_t)(p - start);
    const char *seq = ++p;
    while (*p >= '0' && *p <= '9') p++;
    if (p == seq || *p) continue;
    long long pid = 0;
    for (const char *q = pid_s; *q != '.'; q++) pid = pid > INT32_MAX ? pid : pid * 10 + (*q - '0');
    struct oci_proc ps;
    if (oci_proc_stat(pid, &ps) != 0 || strcmp(ps.state, "Z") == 0 || strlen(ps.start) != start_len ||
        memcmp(ps.start, start, start_len) != 0)
      pending = 1;
  }
  closedir(d);
  return pending;
}

/* A directory entry that is a directory (withFileTypes isDirectory: d_type, lstat when unknown). */
static int is_dir_entry(int dirfd, const struct dirent *e) {
  if (e->d_type != DT_UNKNOWN) return e->d_type == DT_DIR;
  struct stat sb;
  return fstatat(dirfd, e->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(sb.st_mode);
}

/* The cgroup `dir` and its child cgroups hold no process (cgroup.procs empty everywhere). A
 * directory that is gone holds none; anything unreadable counts as not empty. */
static int cgroup_empty(const char *dir, int depth) {
  char path[PATH_MAX];
  if (depth > 32 || (size_t)snprintf(path, sizeof path, "%s/cgroup.procs", dir) >= sizeof path) return 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT && access(dir, F_OK) != 0 && errno == ENOENT;
  char byte;
  ssize_t r;
  while ((r = read(fd, &byte, 1)) < 0 && errno == EINTR) {}
  close(fd);
  if (r != 0) return 0;
  DIR *d = opendir(dir);
  if (!d) return 0;
  int empty = 1;
  for (struct dirent *e; empty && (e = readdir(d));) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 || !is_dir_entry(dirfd(d), e)) continue;
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= sizeof path) empty = 0;
    else empty = cgroup_empty(path, depth + 1);
  }
  closedir(d);
  return empty;
}

/* runtime/cgroups/manager.ts rmdirCgroup of a leaf: its child cgroups first. 0, or -1 when a
 * rmdir failed (Node's delete finishes from there: it retries a busy one, and judges). */
static int rmdir_cgroup_tree(const char *dir, int depth) {
  if (depth > 32) return -1;
  DIR *d = opendir(dir);
  if (!d) return errno == ENOENT ? 0 : -1;
  char path[PATH_MAX];
  int rc = 0;
  for (struct dirent *e; rc == 0 && (e = readdir(d));) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 || !is_dir_entry(dirfd(d), e)) continue;
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= sizeof path) rc = -1;
    else rc = rmdir_cgroup_tree(path, depth + 1);
  }
  closedir(d);
  if (rc == 0 && rmdir(dir) != 0 && errno != ENOENT) rc = -1;
  return rc;
}

/* String.prototype.length of a UTF-8 path (the reader vouched for its UTF-8): UTF-16 units. */
static size_t js_length(const char *s) {
  size_t n = 0;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if ((*p & 0xc0) == 0x80) continue;
    n += *p >= 0xf0 ? 2 : 1;
  }
  return n;
}

/* removeCgroups(cgroupCreated, cgroupPaths) when no cgroup holds a process: deepest (longest) first,
 * in a stable order; the container's own directories with their child cgroups; ancestors only if
 * empty (shared with other containers: busy or not empty is not an error). 0, or -1 to hand over. */
static int remove_cgroups(const struct oci_state *st) {
  size_t order[OCI_STATE_MAX_CGROUPS];
  for (size_t i = 0; i < st->ncreated; i++) {
    size_t j = i, len = js_length(st->created[i]);
    for (; j > 0 && js_length(st->created[order[j - 1]]) < len; j--) order[j] = order[j - 1];
    order[j] = i;
  }
  for (size_t i = 0; i < st->ncreated; i++) {
    const char *d = st->created[order[i]];
    int leaf = 0;
    for (size_t k = 0; k < st->ncgroups; k++) leaf |= strcmp(st->cgroups[k], d) == 0;
    if (leaf) {
      if (rmdir_cgroup_tree(d, 0) != 0) return -1;
    } else if (rmdir(d) != 0 && errno != ENOENT && errno != EBUSY && errno != ENOTEMPTY) {
      return -1;
    }
  }
  return 0;
}

/* fs.rmSync(path, { recursive: true, force: true }) of the renamed state directory (files only). */
static int remove_tree(int parent, const char *name, int depth) {
  if (unlinkat(parent, name, 0) == 0 || errno == ENOENT) return 0;
  if ((errno != EISDIR && errno != EPERM) || depth > 16) return -1;
  int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return -1;
  DIR *d = fdopendir(fd);
  if (!d) { close(fd); return -1; }
  int rc = 0;
  for (struct dirent *e; rc == 0 && (e = readdir(d));)
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) rc = remove_tree(dirfd(d), e->d_name, depth + 1);
  closedir(d);
  if (rc == 0 && unlinkat(parent, name, AT_REMOVEDIR) != 0 && errno != ENOENT) rc = -1;
  return rc;
}

/*
 * runtime/container/delete.ts for the one case with nothing to decide: a stopped container (no
 * creator recorded) without poststop hooks or a resctrl group, whose cgroups hold no process, with
 * no stale `~` directory to sweep. The same steps in the same order under the same lock: lock
 * (given up at once if held: Node waits, or kills a stuck create), read and derive under it,
 * remove the cgroup directories create made, rename the state directory to a `~` name and remove
 * it. A step that fails before the rename hands over: every step leaves a container that Node's
 * delete finishes.
 */
static int serve_delete(const char *root, const char *id, int force, const char **verdict) {
  static char msg[PATH_MAX + 256];
  if (sweep_pending(root)) return HANDOVER;
  int dfd = lock_container(root, id, LOCK_NB);
  /* deleteContainer: `--force` of a container that is not there succeeds, silently (engines call
   * it after every container); without --force Node words "does not exist". */
  if (dfd < 0) return force && (errno == ENOENT || errno == ENOTDIR) ? 0 : HANDOVER;
  struct oci_state st;
  if (load_state(root, id, &st)) { unlock_container(dfd); return HANDOVER; }
  int rc = HANDOVER;
  if (st.creator_pid >= 0 || st.poststop || st.intelrdt || st.created_odd) goto out;
  if (status_of(root, &st) != OCI_STOPPED) goto out;
  for (size_t i = 0; i < st.ncgroups; i++)
    if (!cgroup_empty(st.cgroups[i], 0)) goto out;
  if (remove_cgroups(&st) != 0) goto out;
  /* removeStateDir: `~<pid>.<our start time>.1` (the first temp name of this process) */
  struct oci_proc self;
  char from[PATH_MAX], tmp[PATH_MAX];
  if (oci_proc_stat(getpid(), &self) != 0) snprintf(self.start, sizeof self.start, "0");
  snprintf(from, sizeof from, "%s/%s", root, id);
  snprintf(tmp, sizeof tmp, "%s/~%d.%s.1", root, (int)getpid(), self.start);
  if (rename(from, tmp) != 0) {
    if (errno == ENOENT) rc = 0;
    goto out;
  }
  rc = 0;
  if (remove_tree(AT_FDCWD, tmp, 0) != 0) {
    /* left as a `~` directory: the next create or delete sweeps it once this process is gone */
    snprintf(msg, sizeof msg, "delete: removing %s: %s", tmp, strerror(errno));
    *verdict = msg;
    rc = HANDOVER;
  }
out:
  unlock_container(dfd);
  oci_state_free(&st);
  return rc;
}

static int serve_version(const struct fp_conf *c) {
  const char *file = conf_value(c, "version");
  if (!file || !c->node_same) return HANDOVER;
  char buf[4096];
  int fd = open(file, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return HANDOVER;
  ssize_t n = read(fd, buf, sizeof buf);
  close(fd);
  if (n <= 0 || n == (ssize_t)sizeof buf) return HANDOVER;
  write_all(1, buf, (size_t)n);
  return 0;
}

int fp_serve(const struct fp_conf *c, const struct fp_args *a, const char **verdict) {
  *verdict = NULL;
  if (a->error || a->help || a->debug) return HANDOVER;
  if (getenv("OCI_TS_TRACE") || getenv("OCI_TS_TEST_KILL_AT")) return HANDOVER;
  if (fcntl(1, F_GETFD) < 0) return HANDOVER; /* no stdout: Node words that error */
  /* runtime/cli/main.ts globalOptions, then openLogger */
  if (strcmp(a->log_format, "text") != 0 && strcmp(a->log_format, "json") != 0) return HANDOVER;
  if (strcmp(a->rootless, "true") != 0 && strcmp(a->rootless, "false") != 0 && strcmp(a->rootless, "auto") != 0) return HANDOVER;
  if (a->log && *a->log && !log_usable(a->log)) return HANDOVER;
  if (!a->command) return a->version ? serve_version(c) : HANDOVER;
  if (!a->known) return HANDOVER;
  char root[PATH_MAX];
  if (a->root && *a->root) {
    snprintf(root, sizeof root, "%s", a->root);
  } else {
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    if (geteuid() != 0 && xdg && *xdg) snprintf(root, sizeof root, "%s/oci-ts", xdg);
    else snprintf(root, sizeof root, "/run/oci-ts");
  }
  if (has_dotdot(root) || strlen(root) > PATH_MAX - 300) return HANDOVER;
  const char *id = a->args[0];
  if (a->nargs < 1 || !id_ok(id)) return HANDOVER;
  if (strcmp(a->command, "state") == 0) return serve_state(root, id);
  if (strcmp(a->command, "kill") == 0) return a->all ? HANDOVER : serve_kill(root, id, a->nargs > 1 ? a->args[1] : NULL);
  if (strcmp(a->command, "start") == 0) return serve_start(root, id, verdict);
  if (strcmp(a->command, "delete") == 0) return serve_delete(root, id, a->force, verdict);
  return HANDOVER;
}
