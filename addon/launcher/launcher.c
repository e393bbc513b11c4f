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
 * Cost: one open+read of a ~200-byte file and two stat(2) calls before execve. Static, no stdio.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
  static char conf[4096];
  char *node = NULL, *node_id = NULL, *blob = NULL, *bundle = NULL;
  int fd = open(CONF, O_RDONLY | O_CLOEXEC);
  ssize_t n = fd < 0 ? -1 : read(fd, conf, sizeof conf - 1);
  if (fd >= 0) close(fd);
  if (n > 0) {
    conf[n] = '\0';
    for (ssize_t c = 0; c < n; c++)
      if (conf[c] == '\n') conf[c] = '\0';
    size_t len = (size_t)n;
    node = conf_get(conf, len, "node");
    node_id = conf_get(conf, len, "node_id");
    blob = conf_get(conf, len, "blob");
    bundle = conf_get(conf, len, "bundle");
  }
  /* No (usable) launcher.conf: the plain bundle at its standard place, node from the fallbacks. */
  if (!bundle) bundle = OCI_TS_ROOT "/dist/oci-ts.js";

  int use_blob = 0;
  struct stat st;
  if (node && stat(node, &st) == 0) {
    if (blob && node_id) {
      char id[128];
      snprintf(id, sizeof id, "%lld:%lld:%llu", (long long)st.st_size,
               (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec, (unsigned long long)st.st_ino);
      const char *opts = getenv("NODE_OPTIONS");
      struct stat bst;
      use_blob = strcmp(id, node_id) == 0 && (!opts || !*opts) && stat(blob, &bst) == 0;
    }
  } else {
    node = NULL;
  }

  char **args = calloc((size_t)argc + 4, sizeof *args);
  if (!args) die("out of memory", NULL);
  extern char **environ;
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
