/*
 * bin/oci-ts: finds Node without PATH and execs the oci-ts CLI in it.
 *
 * Engines call the runtime with a near-empty environment (podman's `delete --force` has no PATH at
 * all: docs/engine-contract.md), so `#!/usr/bin/env node` cannot work. scripts/build.js writes
 * OCI_TS_ROOT/dist/launcher.conf, one `key=value` per line:
 *
 *   node=/usr/bin/node          absolute path of the Node that built the snapshot (process.execPath)
 *   node_id=SIZE:MTIME_NS:INO   that binary's identity when the blob was built
 *   blob=/…/dist/oci-ts.blob    V8 startup snapshot (absent if it could not be built)
 *   bundle=/…/dist/oci-ts.js    the plain bundle
 *
 * Then, with the environment passed through unchanged:
 *   node --snapshot-blob BLOB -- ARGS...   when the node binary still has the recorded identity,
 *                                          the blob exists and NODE_OPTIONS is empty;
 *   node BUNDLE ARGS...                    otherwise (after a Node upgrade a blob is rejected by node
 *                                          and the runtime must still work).
 * `--` keeps node from taking `--root`, `--log`... as its own flags.
 * If the recorded node is gone, well-known locations are tried, then PATH; without launcher.conf
 * the plain bundle OCI_TS_ROOT/dist/oci-ts.js is run that way.
 *
 * Before that, the limits Node itself needs (it crashes with SIGSEGV or aborts in uv_loop_init
 * with too few descriptors, and deadlocks when it cannot start its threads), each a one-line
 * error with exit status 1 rather than a crash or a hang:
 *   - RLIMIT_NOFILE: a soft limit below NOFILE_NEED is raised to the hard limit (Node raises it
 *     at start-up anyway); the caller's soft limit is always passed on as OCI_TS_NOFILE_SOFT so
 *     the container's process gets it back (the planner adds the RLIMIT step when config.json
 *     sets no RLIMIT_NOFILE; runc does the same for Go's raised limit). A hard limit below
 *     NOFILE_NEED is refused.
 *   - pids: in every pids hierarchy (cgroup v1 `pids`, cgroup v2), this process's cgroup and each
 *     ancestor must have room for PIDS_NEED more tasks (pids.max - pids.current), or the command
 *     is refused naming the cgroup.
 * OCI_TS_OPEN_FDS tells the runtime how many descriptors from 3 up were open when it was called:
 * `--preserve-fds N` must not reach Node's own descriptors (its epoll and eventfd live there).
 *
 * Cost: one open+read of a ~1 KB file and two stat(2) calls before execve, plus the reads of
 * /proc/self/cgroup, /proc/self/mountinfo and two small files per pids cgroup level. Static, no stdio.
 *
 * The native fast path (fastpath.c, same binary): `state`, `start` of a created container without
 * poststart hooks, `kill` of the init, `delete` of a stopped container with nothing to decide and
 * `--version` are served here without Node, from the
 * tables build.js writes into launcher.conf (the flags of options.ts, the hot commands, the
 * version text) and addon/common/ocistate.c (the state reader, status derivation and signal
 * table the addon uses too). Whatever it cannot decide alone goes to Node unchanged: that is only
 * an execve, so the cost of a handover is the parse. OCI_TS_FASTPATH=0 turns it off. The limits
 * below are checked only when Node is about to run: the fast path does not need them.
 *
 * The commands the hot bundle does not hold (create, run, exec, ...: everything but the `hot=`
 * list) start the full bundle directly (`full=`, dist/oci-ts-cold.js) instead of going through
 * the hot one.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fastpath.h"
#include "ocistate.h"

#ifndef OCI_TS_ROOT
#error "OCI_TS_ROOT must be defined (binding.gyp)"
#endif

#define CONF OCI_TS_ROOT "/dist/launcher.conf"

static void die(const char *msg, const char *detail) {
  char buf[1024];
  int n = snprintf(buf, sizeof buf, "oci-ts: %s%s%s\n", msg, detail ? ": " : "", detail ? detail : "");
  if (n > 0) (void)!write(2, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
  _exit(127);
}

/* A limit the runtime cannot work under: one line, exit status 1 (an error of the command, as runc). */
static void refuse(const char *msg) {
  (void)!write(2, msg, strlen(msg));
  _exit(1);
}

/* Descriptors Node needs for itself (its loop, the addon, the files of a create) with room to spare. */
#define NOFILE_NEED 64
/* Tasks Node starts (main thread, V8 platform workers, the libuv pool, signal/inspector threads)
 * plus the processes of a create (helper, init, a hook). */
#define PIDS_NEED 16

static char nofile_env[64];

static void check_nofile(void) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
  /* Node raises the soft limit to the hard one at start-up anyway: always say what the caller had. */
  snprintf(nofile_env, sizeof nofile_env, "OCI_TS_NOFILE_SOFT=%llu", (unsigned long long)rl.rlim_cur);
  if (rl.rlim_cur >= NOFILE_NEED) return;
  if (rl.rlim_max < NOFILE_NEED) {
    char buf[256];
    snprintf(buf, sizeof buf, "oci-ts: the open file limit (RLIMIT_NOFILE, ulimit -n) is %llu (hard %llu): the runtime needs at least %d\n",
             (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max, NOFILE_NEED);
    refuse(buf);
  }
  rl.rlim_cur = rl.rlim_max;
  (void)setrlimit(RLIMIT_NOFILE, &rl);
}

/* One cgroup directory: refuse when pids.max leaves no room for PIDS_NEED more tasks. */
static void check_pids_dir(const char *dir) {
  char path[4096], max[64], cur[64];
  snprintf(path, sizeof path, "%s/pids.max", dir);
  if (oci_read_small(path, max, sizeof max) <= 0 || strncmp(max, "max", 3) == 0) return;
  snprintf(path, sizeof path, "%s/pids.current", dir);
  if (oci_read_small(path, cur, sizeof cur) <= 0) return;
  long long m = atoll(max), c = atoll(cur);
  if (m - c >= PIDS_NEED) return;
  char buf[4400];
  snprintf(buf, sizeof buf, "oci-ts: the pids cgroup %s is at its limit (pids.current %lld of pids.max %lld): the runtime needs room for %d more tasks\n",
           dir, c, m, PIDS_NEED);
  refuse(buf);
}

/* mountinfo fields 4 (root in the fs) and 5 (mount point) and the fs type and super options. */
struct mnt { char root[1024], point[1024], type[32], opts[512]; };

static int parse_mountinfo_line(char *line, struct mnt *m) {
  if (sscanf(line, "%*s %*s %*s %1023s %1023s", m->root, m->point) != 2) return 0;
  const char *sep = strstr(line, " - "); /* the optional fields end here */
  return sep && sscanf(sep + 3, "%31s %*s %511s", m->type, m->opts) == 2;
}

/* Is `name` one of the comma-separated words of `list`? */
static int has_word(const char *list, const char *name) {
  size_t n = strlen(name);
  for (const char *p = list; (p = strstr(p, name)); p += n)
    if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == '\0')) return 1;
  return 0;
}

/* Walk from this process's cgroup up to the mount point, in every hierarchy that has pids. */
static void check_pids(void) {
  static char cg[8192], mi[65536];
  if (oci_read_small("/proc/self/cgroup", cg, sizeof cg) <= 0 || oci_read_small("/proc/self/mountinfo", mi, sizeof mi) <= 0) return;
  for (char *save = NULL, *line = strtok_r(cg, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    /* "ID:CONTROLLERS:PATH"; cgroup v2 is "0::PATH" */
    char *c1 = strchr(line, ':');
    char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c2) continue;
    *c2 = '\0';
    const char *controllers = c1 + 1, *cgpath = c2 + 1;
    int v2 = *controllers == '\0';
    if (!v2 && !has_word(controllers, "pids")) continue;
    /* find the mount of this hierarchy */
    char *copy = strdup(mi);
    if (!copy) return;
    for (char *s2 = NULL, *ml = strtok_r(copy, "\n", &s2); ml; ml = strtok_r(NULL, "\n", &s2)) {
      struct mnt m;
      if (!parse_mountinfo_line(ml, &m)) continue;
      if (v2 ? strcmp(m.type, "cgroup2") != 0 : (strcmp(m.type, "cgroup") != 0 || !has_word(m.opts, "pids"))) continue;
      size_t rl = strcmp(m.root, "/") == 0 ? 0 : strlen(m.root);
      if (rl && strncmp(cgpath, m.root, rl) != 0) continue;
      char dir[4096];
      snprintf(dir, sizeof dir, "%s%s", m.point, cgpath + rl);
      size_t base = strlen(m.point);
      for (;;) {
        size_t l = strlen(dir);
        while (l > base + 1 && dir[l - 1] == '/') dir[--l] = '\0';
        check_pids_dir(dir);
        char *slash = strrchr(dir, '/');
        if (!slash || (size_t)(slash - dir) < base) break;
        *slash = '\0';
      }
      break;
    }
    free(copy);
  }
}

/* How many descriptors from 3 up are open (the caller's, before Node opens its own). */
static char fds_env[48];
static void count_open_fds(void) {
  int fd = 3;
  while (fd < (1 << 20) && fcntl(fd, F_GETFD) >= 0) fd++;
  snprintf(fds_env, sizeof fds_env, "OCI_TS_OPEN_FDS=%d", fd - 3);
}

/*
 * environ plus our variables (any inherited copies of them dropped): OCI_TS_FAST_VERDICT carries
 * the error the fast path met after it had acted (the init it released died), for Node to report
 * through its one error boundary (stderr and --log).
 */
static char **with_our_env(char **env, const char *verdict) {
  static char verdict_env[4600];
  size_t n = 0;
  while (env[n]) n++;
  char **out = calloc(n + 4, sizeof *out);
  if (!out) return env;
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (strncmp(env[i], "OCI_TS_NOFILE_SOFT=", 19) != 0 && strncmp(env[i], "OCI_TS_OPEN_FDS=", 16) != 0 &&
        strncmp(env[i], "OCI_TS_FAST_VERDICT=", 20) != 0) out[k++] = env[i];
  if (nofile_env[0]) out[k++] = nofile_env;
  out[k++] = fds_env;
  if (verdict) {
    snprintf(verdict_env, sizeof verdict_env, "OCI_TS_FAST_VERDICT=%s", verdict);
    out[k++] = verdict_env;
  }
  out[k] = NULL;
  return out;
}

/* conf holds NUL-separated lines (len bytes); returns the value of `key=`, or NULL. */
static char *conf_get(char *conf, size_t len, const char *key) {
  size_t k = strlen(key);
  for (char *p = conf; p < conf + len; p += strlen(p) + 1)
    if (strncmp(p, key, k) == 0 && p[k] == '=') return p + k + 1;
  return NULL;
}

/* argv for node: `node --snapshot-blob BLOB -- ARGS` or `node BUNDLE ARGS`. */
static void fill_args(char **args, const char *node, const char *blob, const char *bundle, int argc, char **argv) {
  int i = 0;
  args[i++] = (char *)node;
  if (blob) {
    args[i++] = "--snapshot-blob";
    args[i++] = (char *)blob;
    args[i++] = "--";
  } else {
    args[i++] = (char *)bundle;
  }
  for (int a = 1; a < argc; a++) args[i++] = argv[a];
  args[i] = NULL;
}

int main(int argc, char **argv) {
  static char conf[16384];
  count_open_fds();
  char *node = NULL, *node_id = NULL, *blob = NULL, *bundle = NULL, *full = NULL, *hot = NULL;
  int fd = open(CONF, O_RDONLY | O_CLOEXEC);
  ssize_t n = 0;
  if (fd >= 0) {
    for (ssize_t r; n < (ssize_t)sizeof conf - 1 && (r = read(fd, conf + n, sizeof conf - 1 - (size_t)n)) > 0;) n += r;
    close(fd);
  }
  size_t len = 0;
  if (n > 0) {
    conf[n] = '\0';
    for (ssize_t c = 0; c < n; c++)
      if (conf[c] == '\n') conf[c] = '\0';
    len = (size_t)n;
    node = conf_get(conf, len, "node");
    node_id = conf_get(conf, len, "node_id");
    blob = conf_get(conf, len, "blob");
    bundle = conf_get(conf, len, "bundle");
    full = conf_get(conf, len, "full");
    hot = conf_get(conf, len, "hot");
  }
  /* No (usable) launcher.conf: the plain bundle at its standard place, node from the fallbacks. */
  if (!bundle) bundle = OCI_TS_ROOT "/dist/oci-ts.js";

  /* Is the recorded node still the one the blob, the code caches and the version text were made with? */
  int node_same = 0;
  struct stat st;
  if (node && stat(node, &st) == 0) {
    if (node_id) {
      char id[128];
      snprintf(id, sizeof id, "%lld:%lld:%llu", (long long)st.st_size,
               (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec, (unsigned long long)st.st_ino);
      node_same = strcmp(id, node_id) == 0;
    }
  } else {
    node = NULL;
  }

  struct fp_conf fc = { conf, len, node_same };
  struct fp_args fa;
  fp_parse(&fc, argc, argv, &fa);
  const char *fastpath = getenv("OCI_TS_FASTPATH");
  const char *verdict = NULL;
  if (!(fastpath && strcmp(fastpath, "0") == 0)) {
    int rc = fp_serve(&fc, &fa, &verdict);
    if (rc >= 0) return rc;
  }
  /* Node runs: the commands the hot bundle does not hold go straight to the full bundle. */
  int to_full = full && hot && !fp_is_hot(&fa, hot);

  check_nofile();
  check_pids();
  int use_blob = 0;
  if (node && blob && node_same && !to_full) {
    const char *opts = getenv("NODE_OPTIONS");
    struct stat bst;
    use_blob = (!opts || !*opts) && stat(blob, &bst) == 0;
  }
  if (to_full) bundle = full;

  char **args = calloc((size_t)argc + 4, sizeof *args);
  if (!args) die("out of memory", NULL);
  extern char **environ;
  environ = with_our_env(environ, verdict);
  if (node) {
    fill_args(args, node, use_blob ? blob : NULL, bundle, argc, argv);
    execve(node, args, environ);
  }
  /* The recorded node is gone (upgraded or moved): the plain bundle works with any Node >= 20. */
  static const char *const fallbacks[] = { "/usr/bin/node", "/usr/local/bin/node", "/bin/node", NULL };
  for (int f = 0; fallbacks[f]; f++) {
    fill_args(args, fallbacks[f], NULL, bundle, argc, argv);
    execve(fallbacks[f], args, environ);
  }
  fill_args(args, "node", NULL, bundle, argc, argv);
  execvp("node", args);
  die("cannot find node (looked at the path recorded at build time, /usr/bin, /usr/local/bin and PATH)", node);
  return 127;
}
