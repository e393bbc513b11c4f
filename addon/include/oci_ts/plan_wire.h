/*
 * oci-ts plan wire format, version 1: shared by runtime/protocol (TypeScript) and oci-ts-init.
 *
 * The parent and the init talk over one AF_UNIX SOCK_SEQPACKET socket (fd number given in argv[1]).
 * Every message is one datagram: u32 type, then a type-specific payload, little-endian.
 *
 *   direction      type            payload                                   reply
 *   parent → init  MSG_PLAN        u32 magic 'OCTS', u32 version, u32 nsteps, steps...; SCM_RIGHTS
 *                                  carries the fds that steps name by index   (none)
 *   init → parent  MSG_SYNC        u32 tag (SYNC_*)                           MSG_CONTINUE or MSG_ABORT
 *   parent → init  MSG_CONTINUE    u32 count, count × (u32 len, bytes): state JSON documents that
 *                                  later HOOK steps write to the hook's stdin (stdin_state = 1-based index)
 *   parent → init  MSG_ABORT       (none): the init exits 1 at once
 *   init → parent  MSG_PID         i32 pid of the container init (host view)  (none)
 *   init → parent  (the socket closes while the init lives): setup is done, the init blocks on
 *                  the exec fifo. A close, not a message: a seccomp filter may already be loaded,
 *                  and close(2) is the one call every profile allows. (MSG_READY is unused.)
 *   init → parent  MSG_ERROR       u32 step index, i32 errno, str syscall, str detail   (none)
 *   init → parent  MSG_FD          SCM_RIGHTS with one fd (pty master for a foreground run) (none)
 *   parent → init  MSG_LARGE       u64 length; the real message (PLAN or CONTINUE) is in a sealed
 *                                  memfd, the last fd of the datagram. Used above 256 KiB: a
 *                                  datagram cannot exceed the socket buffer (huge args, env,
 *                                  seccomp programs, hook states with large annotations).
 *
 * A step: u32 op, u32 nargs, then nargs args. An arg: u8 kind, then
 *   ARG_INT   i64
 *   ARG_STR   u32 len, len bytes, one NUL byte (so the init uses it in place)
 *   ARG_LIST  u32 count, count ARG_STR bodies (without the kind byte)
 * The init never interprets config.json: every path, flag and number arrives resolved.
 */
#ifndef OCI_TS_PLAN_WIRE_H
#define OCI_TS_PLAN_WIRE_H

#define OCI_PLAN_MAGIC 0x5354434fu /* "OCTS" */
#define OCI_PLAN_VERSION 1u

enum oci_msg {
  MSG_PLAN = 1,
  MSG_SYNC = 2,
  MSG_CONTINUE = 3,
  MSG_ABORT = 4,
  MSG_PID = 5,
  MSG_READY = 6,
  MSG_ERROR = 7,
  MSG_FD = 8,
  MSG_LARGE = 9,
};

enum oci_arg_kind { ARG_INT = 1, ARG_STR = 2, ARG_LIST = 3 };

/* Steps. Args are listed as (name:kind). "in-root" paths are relative to the rootfs fd. */
enum oci_op {
  /* --- stage 0: the spawned helper, before the fork --- */
  OP_SETNS = 1,          /* fd_index:int nstype:int */
  OP_UNSHARE = 2,        /* flags:int */
  OP_SYNC = 3,           /* tag:int — send MSG_SYNC, wait for MSG_CONTINUE */
  OP_SETID = 4,          /* uid:int gid:int — setresgid+setresuid, used after joining/creating a userns */
  OP_WRITE_FILE = 5,     /* path:str content:str — e.g. /proc/self/timens_offsets, /proc/sys/... */
  OP_FORK = 6,           /* flags:int [cgroup_fd_index:int cgroup_path:str] — clone3(CLONE_PARENT|flags),
                            with CLONE_INTO_CGROUP when a cgroup v2 directory is given; stage 0 reports MSG_PID and exits */
  OP_SET_DUMPABLE = 7,   /* on:int */
  /* --- rootfs, in the init before pivot_root --- */
  OP_ROOTFS_BIND = 10,   /* rootfs:str parent_propagation:int — make / private/slave, bind rootfs on itself, open it */
  OP_MOUNT = 11,         /* source:str dest:str(in-root) fstype:str flags:int data:str propagation:int mkkind:int(0 none,1 dir,2 file)
                            remount_flags:int [rec_set:int rec_clr:int] — recursive MOUNT_ATTR_* via mount_setattr
                            [mode_of_mount_point:int] — 1: add mode= with the existing mount point's mode (tmpfs)
                            [from_tree:int tree:fd] — 1: attach the detached tree `tree` (move_mount) instead of mount(2) */
  OP_MKNOD = 12,         /* dest:str(in-root) mode:int dev_major:int dev_minor:int uid:int gid:int */
  OP_BIND_DEV = 13,      /* host:str dest:str(in-root) — bind a host device node (no mknod in a userns) */
  OP_SYMLINK = 14,       /* target:str dest:str(in-root) */
  OP_PIVOT_ROOT = 15,    /* (none) */
  OP_MOVE_ROOT = 16,     /* (none) — --no-pivot: MS_MOVE the rootfs onto / and chroot */
  OP_MOUNT_PROPAGATION = 17, /* dest:str(absolute, after pivot) flags:int */
  OP_CHROOT = 18,        /* rootfs:str — no mount namespace: chroot only, nothing is mounted */
  /* --- after pivot_root --- */
  OP_MASK_PATH = 20,     /* path:str */
  OP_READONLY_PATH = 21, /* path:str */
  OP_REMOUNT_RO = 22,    /* path:str — root.readonly */
  OP_SETHOSTNAME = 23,   /* name:str */
  OP_SETDOMAINNAME = 24, /* name:str */
  OP_RLIMIT = 25,        /* resource:int soft:int hard:int (-1 = infinity) */
  OP_SETGROUPS = 26,     /* gids:list(decimal strings) */
  OP_KEEPCAPS = 27,      /* on:int */
  OP_CAPS = 28,          /* effective:int permitted:int inheritable:int (bitmasks) — capset */
  OP_NO_NEW_PRIVS = 29,  /* (none) */
  OP_SECCOMP = 30,       /* bpf:str(raw sock_filter bytes) flags:int */
  OP_UMASK = 31,         /* mask:int */
  OP_CHDIR = 32,         /* path:str final:int — resolve path inside the current root (openat2 RESOLVE_IN_ROOT,
                            no /proc magic links), fchdir, check getcwd is reachable from the root. final 0:
                            a permission error is left for the final try (after setuid), as runc does */
  OP_HOOK = 33,          /* path:str argv:list env:list timeout_ms:int stdin_state:int(0 none, k: k-th state) label:str */
  OP_WAIT_START = 34,    /* dirfd_index:int name:str — MSG_READY, open the exec fifo, write one byte */
  OP_EXEC_LOOKUP = 35,   /* file:str path_env:str — resolve argv0 now so create fails early */
  OP_EXEC = 36,          /* argv:list env:list keep_fds:int (fds 3..3+keep-1 stay open) label:str */
  OP_CLOSE_FD = 37,      /* fd_index:int — close a received fd */
  OP_PRCTL = 38,         /* option:int arg:int */
  OP_PERSONALITY = 39,   /* persona:int */
  OP_IOPRIO = 40,        /* value:int */
  OP_SCHED = 41,         /* policy:int priority:int nice:int flags:int runtime:int deadline:int period:int */
  OP_SETID_FINAL = 42,   /* uid:int gid:int — setresgid/setresuid for the user's process */
  OP_CONSOLE = 43,       /* socket_fd_index:int(-1: send master to the parent) rows:int cols:int uid:int — pty as ctty, owned by uid */
  OP_MEMPOLICY = 46,     /* mode_and_flags:int nodemask:str(bytes, unsigned long words) */
  OP_MOUNT_IDMAP = 47,   /* source:str dest:str(in-root) userns_fd_index:int recursive:int mkkind:int propagation:int — idmapped bind mount */
  OP_SCHED_AFFINITY = 48, /* mask:str(bytes) — sched_setaffinity */
  OP_CAPBSET = 44,       /* keep:int(bitmask) — drop every other capability from the bounding set */
  OP_AMBIENT = 45,       /* mask:int — raise these ambient capabilities (after OP_CAPS) */
  OP_CLOSE_FDS = 49,     /* preserved:int fd_index:int... — close every fd but stdio, the preserved ones,
                            the sync socket, the root and the listed received fds (before CHDIR) */
  OP_MKDIR = 50,         /* path:str(in-root) — make the missing directories of path (process.cwd) */
  OP_LOOPBACK_UP = 51,   /* (none) — set IFF_UP on "lo" of the current network namespace */
  OP_HIDE_HOST_MOUNT = 52, /* path:str(host) — --no-pivot: make it a slave and detach it (tmpfs over it
                            when it cannot be); a path already gone with its parent is no error */
};

enum oci_sync_tag {
  SYNC_IDMAP = 1,    /* stage 0 has unshared its user namespace: parent writes uid/gid maps */
  SYNC_PRESTART = 2, /* rootfs mounted, before pivot_root: parent runs prestart/createRuntime hooks */
};

#endif
