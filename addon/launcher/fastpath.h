/* The launcher's native fast path (fastpath.c). */
#ifndef OCI_TS_FASTPATH_H
#define OCI_TS_FASTPATH_H

#include <stddef.h>

/* launcher.conf as NUL-separated `key=value` lines; node_same: the recorded node is unchanged */
struct fp_conf {
  char *text;
  size_t len;
  int node_same;
};

#define FP_MAX_ARGS 8

/* The command line as the lean parser (runtime/cli/parse.ts) reads it, for the flags that matter here. */
struct fp_args {
  int error;   /* the words do not parse (or not certainly): Node says why */
  int help;
  int version, debug;
  const char *log, *log_format, *root, *rootless;
  const char *command; /* NULL: none */
  int known;           /* the command's flags and arity were in launcher.conf and were checked */
  int all;             /* kill --all */
  int force;           /* delete --force */
  const char *args[FP_MAX_ARGS];
  int nargs;
};

void fp_parse(const struct fp_conf *c, int argc, char **argv, struct fp_args *a);

/* Serve the command natively: its exit status, or -1 to hand it to Node (*verdict: an error for
 * Node to report, or NULL). */
int fp_serve(const struct fp_conf *c, const struct fp_args *a, const char **verdict);

/* Does the hot bundle hold this command line (the `hot=` list of launcher.conf)? */
int fp_is_hot(const struct fp_args *a, const char *hot);

#endif
