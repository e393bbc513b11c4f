/*
 * The saved state of a container as native code reads it, and the derivation of its status: ONE
 * implementation, compiled into both the launcher (bin/oci-ts, which serves `state`, `start`,
 * `kill` of the init and `delete` of a stopped container without Node) and the addon (runtime/state/status.ts calls it), so the status
 * rules exist once. Plain C, no allocation beyond the reader's two buffers, no stdio.
 *
 * Status (architecture.md "The state file"):
 *   creator recorded          → creating while that process is alive, else stopped;
 *   the init not alive        → stopped (pid 0, no /proc/PID/stat, zombie or dead, another start time);
 *   its cgroup frozen         → paused (the v1 freezer hierarchy if the container has one, else
 *                               cgroup v2 cgroup.freeze; runtime/cgroups/freezer.ts drives them);
 *   exec.fifo present and the init still runs from its sealed oci-ts-init copy → created;
 *   else                      → running.
 *
 * The reader (oci_state_read) accepts only a well-formed state.json of the known format, with every
 * field the TypeScript reader checks (runtime/state/store.ts checkSaved) of the right type, and
 * the printed strings in a form it can re-emit exactly as JSON.stringify does. Anything else is
 * OCI_STATE_UNSURE: the caller hands the command to Node, whose reader words the error.
 */
#ifndef OCI_TS_OCISTATE_H
#define OCI_TS_OCISTATE_H

#include <stddef.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A state.json larger than this, or with more JSON values than OCI_STATE_MAX_NODES, is left to
 * Node (the specs engines send are well below 1 MiB): the launcher runs as root for any caller
 * that can write under --root, so its memory stays bounded (~50 MiB at most). */
#define OCI_STATE_MAX_BYTES (4u << 20)
#define OCI_STATE_MAX_NODES (1 << 20)
#define OCI_STATE_MAX_DEPTH 200

enum oci_status { OCI_CREATING, OCI_CREATED, OCI_RUNNING, OCI_PAUSED, OCI_STOPPED };

const char *oci_status_name(int status);

/* Reads at most size-1 bytes of a file (NUL-terminated); -1 when it cannot be opened or read. */
ssize_t oci_read_small(const char *path, char *buf, size_t size);

/* /proc/PID/stat: the state letter (first word after the command), parent pid and start time (field 22). */
struct oci_proc {
  char state[8];
  long long ppid;
  char start[32];
};
/* 0, or -1 when there is no such process (or its stat cannot be read). */
int oci_proc_stat(long long pid, struct oci_proc *out);

/* A process with this pid is alive (not a zombie, not dead) and has this start time. */
int oci_alive(long long pid, const char *start);

/*
 * The status. fifo: the container's exec.fifo path; creator_pid < 0 when no creator is recorded;
 * cgroups: the container's cgroup directories (SavedState.cgroupPaths).
 */
int oci_derive_status(const char *fifo, long long pid, const char *start, long long creator_pid,
                      const char *creator_start, const char *const *cgroups, size_t ncgroups);

/*
 * The container's freezer (runtime/cgroups/freezer.ts drives it): the index in dirs of the
 * directory holding it, its version in *version (1: freezer.state, 2: cgroup.freeze), -1 for none.
 * oci_is_frozen: that freezer is frozen (v1: FROZEN once FREEZING settles, and by itself; v2:
 * cgroup.freeze reads 1).
 */
int oci_freezer_of(const char *const *dirs, size_t n, int *version);
int oci_is_frozen(const char *const *dirs, size_t n);

/* What the native paths need of a state.json, valid while the oci_state it came from lives. */
#define OCI_STATE_MAX_CGROUPS 64
struct oci_state {
  char *text;    /* the file (NUL-terminated copy) */
  char *strings; /* decoded strings, each NUL-terminated */
  /* decoded */
  const char *id, *start_time, *creator_start;
  long long pid, creator_pid; /* creator_pid -1: none */
  const char *cgroups[OCI_STATE_MAX_CGROUPS];
  size_t ncgroups;
  /* SavedState.cgroupCreated, in file order; created_odd: one of them is not an absolute normal
   * path, or there are more than OCI_STATE_MAX_CGROUPS (the list is then incomplete) */
  const char *created[OCI_STATE_MAX_CGROUPS];
  size_t ncreated;
  int created_odd;
  /* spec.hooks.poststart / poststop holds hooks (or is something the native paths do not judge) */
  int poststart, poststop;
  /* spec.linux.intelRdt is set (a resctrl group), or spec.linux is not an object */
  int intelrdt;
  /* the public state as `state` prints it, less pid and status: the JSON.stringify(…, null, 2)
   * text of each member (values only), and the annotations block (NULL when absent or empty) */
  char *out; /* one buffer for the pieces below */
  const char *j_oci_version, *j_id, *j_bundle, *j_rootfs, *j_created, *j_owner, *j_annotations;
};

#define OCI_STATE_OK 0
#define OCI_STATE_UNSURE 1 /* not a state file the native reader vouches for: let Node read it */
#define OCI_STATE_NOMEM 2

/* Parse and check len bytes of state.json. On OCI_STATE_OK free with oci_state_free. */
int oci_state_parse(const char *text, size_t len, struct oci_state *out);
void oci_state_free(struct oci_state *s);

/*
 * The `state` document, exactly as JSON.stringify(publicState(s, status, pid), null, 2) prints it
 * (no trailing newline). Returns a malloc'd NUL-terminated string, or NULL when out of memory.
 */
char *oci_state_public(const struct oci_state *s, int status, long long pid);

/* Signals as `kill` names them (runc-kill(8)): a number, or a name with or without SIG, any case.
 * Returns the number, or -1 for a name it does not know. "" means SIGTERM. */
int oci_parse_signal(const char *raw);
/* The i-th name of the table (without SIG), NULL past the end; *num gets its number. */
const char *oci_signal_name(int i, int *num);

#ifdef __cplusplus
}
#endif

#endif
