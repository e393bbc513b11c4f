/**
 * The LaunchPlan: what the native init executes, step by step, in this order.
 * Op numbers mirror addon/include/oci_ts/plan_wire.h (the wire format is documented there and in
 * docs/launch-plan.md). Every step carries the JSON pointer of the config field it came from, so a
 * failure report {step index, errno} becomes "/mounts/3/destination: mount ...: ENOENT".
 */
export enum Op {
  SETNS = 1,
  UNSHARE = 2,
  SYNC = 3,
  SETID = 4,
  WRITE_FILE = 5,
  FORK = 6,
  SET_DUMPABLE = 7,
  ROOTFS_BIND = 10,
  MOUNT = 11,
  MKNOD = 12,
  BIND_DEV = 13,
  SYMLINK = 14,
  PIVOT_ROOT = 15,
  MOVE_ROOT = 16,
  MOUNT_PROPAGATION = 17,
  CHROOT = 18,
  MASK_PATH = 20,
  READONLY_PATH = 21,
  REMOUNT_RO = 22,
  SETHOSTNAME = 23,
  SETDOMAINNAME = 24,
  RLIMIT = 25,
  SETGROUPS = 26,
  KEEPCAPS = 27,
  CAPS = 28,
  NO_NEW_PRIVS = 29,
  SECCOMP = 30,
  UMASK = 31,
  CHDIR = 32,
  HOOK = 33,
  WAIT_START = 34,
  EXEC_LOOKUP = 35,
  EXEC = 36,
  CLOSE_FD = 37,
  PRCTL = 38,
  PERSONALITY = 39,
  IOPRIO = 40,
  SCHED = 41,
  SETID_FINAL = 42,
  CONSOLE = 43,
  CAPBSET = 44,
  AMBIENT = 45,
  MEMPOLICY = 46,
  MOUNT_IDMAP = 47,
  SCHED_AFFINITY = 48,
  CLOSE_FDS = 49,
  MKDIR = 50,
  LOOPBACK_UP = 51,
  HIDE_HOST_MOUNT = 52,
}

export enum SyncTag {
  IDMAP = 1,
  PRESTART = 2,
}

/** A file the parent opens and hands to the init with SCM_RIGHTS; steps name it by index. */
export interface FileRef {
  path: string;
  /**
   * 'ns': a namespace file (checked against nstype); 'dir': an O_PATH directory; 'socket': a unix
   * socket to connect; 'userns': a new user namespace with `maps`, made by the launcher (idmapped mounts);
   * 'pidfd': a pidfd of the process /proc/PID names, checked to have `startTime` once opened (exec);
   * 'tree': a detached copy of the mount tree at path (open_tree), `recursive` with its submounts
   */
  kind: 'ns' | 'dir' | 'socket' | 'userns' | 'pidfd' | 'tree';
  recursive?: boolean;
  startTime?: string;
  nstype?: number;
  maps?: { uid: string; gid: string };
  pointer: string;
}

/** An argument: a number, a string, a list of strings, raw bytes, or a file reference by index. */
export type Arg = number | bigint | string | string[] | Buffer | { file: number };

export interface Step {
  op: Op;
  args: Arg[];
  /** JSON pointer of the config field this step came from ('' for steps the runtime adds) */
  pointer: string;
  /** short human description for errors and --debug traces */
  what: string;
}

export interface LaunchPlan {
  version: 1;
  steps: Step[];
  files: FileRef[];
  /** maps the parent writes when the init reports SyncTag.IDMAP */
  idmap?: { uid: string; gid: string; setgroups: 'allow' | 'deny' };
  /** things the config asks for that will not take effect, said once by the CLI */
  warnings: string[];
  /** facts about the plan that need no action (logged at debug level) */
  notes?: string[];
}

export function step(op: Op, args: Arg[], pointer: string, what: string): Step {
  return { op, args, pointer, what };
}
