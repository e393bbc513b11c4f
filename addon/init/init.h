/*
 * oci-ts-init: the container's first process. Started by the runtime (child_process.spawn) with the
 * sync socket as argv[1]; receives a LaunchPlan (plan_wire.h) and executes its steps in order.
 * Single-threaded, no exceptions, no iostream: it must stay small while it waits for `start`.
 */
#ifndef OCI_TS_INIT_H
#define OCI_TS_INIT_H

#include <stddef.h>
#include <stdint.h>
#include "oci_ts/plan_wire.h"

struct Arg {
  int kind;
  int64_t i;
  const char *s;
  uint32_t len;
  char **list; /* NULL-terminated */
  uint32_t n;
};

struct Step {
  uint32_t op;
  uint32_t nargs;
  Arg *a;
};

/* The step being executed, for error reports. */
extern uint32_t g_step;
/* The config field of the step, for messages after the parent has gone (steps that carry one). */
extern const char *g_label;
extern int g_sock;
extern int g_rootfd;
extern int g_fds[];
extern int g_nfds;

/* Report {g_step, errno, syscall, detail} to the parent and exit 1. Never returns. */
[[noreturn]] void fail(const char *syscall, const char *detail = "", int err = -1);
/* Send one message (type + payload); returns -1 on error. */
int send_msg(uint32_t type, const void *payload, size_t len, int fd = -1);
/* One datagram with an optional SCM_RIGHTS fd, on any socket (the console socket takes raw data). */
int send_raw(int sock, const void *data, size_t len, int fd);
/* Wait for MSG_CONTINUE (stores its payload as the hook state) or exit on MSG_ABORT/EOF. */
void wait_continue();
int fd_at(int64_t index);

/* rootfs.cc */
int resolve_in_root(const char *path, int mkkind);
/* The same inside another root (an O_PATH fd of it). */
int resolve_in(int root, const char *path, int mkkind);
void op_rootfs_bind(const Step &s);
void op_mount(const Step &s);
void op_mount_idmap(const Step &s);
void op_mknod(const Step &s);
void op_bind_dev(const Step &s);
void op_symlink(const Step &s);
void op_pivot_root(const Step &s);
void op_move_root(const Step &s);
void op_hide_host_mount(const Step &s);
void op_chroot(const Step &s);
void op_mount_propagation(const Step &s);
void op_mask_path(const Step &s);
void op_readonly_path(const Step &s);
void op_remount_ro(const Step &s);

/* process.cc */
void op_hook(const Step &s);
void op_wait_start(const Step &s);
void release_setup_memory();
void op_exec_lookup(const Step &s);
[[noreturn]] void op_exec(const Step &s);
void op_caps(const Step &s);
void op_capbset(const Step &s);
void op_ambient(const Step &s);
void op_console(const Step &s);
void op_close_fds(const Step &s);
void op_mkdir(const Step &s);
void op_chdir(const Step &s);

/* State JSON documents received with MSG_CONTINUE; HOOK steps name one (1-based) as stdin. */
extern const char *g_states[8];
extern size_t g_state_lens[8];

#endif
