/**
 * The ONLY place that loads oci_ts.node. It is loaded on first use with process.dlopen, so
 * commands that never touch the kernel (state, list, spec, --version) never pay for it, and so
 * a V8 startup snapshot never contains it.
 */
import { addonPath } from '../paths';

export interface Received { data: Buffer; fds: number[] }

export interface Native {
  seqpacketPair(): [number, number];
  send(fd: number, data: Buffer, fds?: number[]): void;
  /** Blocks up to timeoutMs; null when the peer closed; throws code ETIMEDOUT. */
  recv(fd: number, timeoutMs: number): Received | null;
  /** false when LOCK_NB was given and the lock is held elsewhere */
  flock(fd: number, op: number): boolean;
  mkfifo(path: string, mode: number): void;
  pidfdOpen(pid: number): number;
  pidfdSendSignal(pidfd: number, signal: number): void;
  connectUnix(path: string): number;
  /** waitid(P_PID) in a worker thread: the pid must be a child of this process. */
  waitPid(pid: number): Promise<{ code: number | null; signal: number | null }>;
  /** a lowered seccomp profile (runtime/plan/seccomp.ts) → classic BPF, with libseccomp */
  compileSeccomp(profile: unknown): { bpf: Buffer; unknown: string[] };
  /** move a host interface into the network namespace given by fd, renamed (rtnetlink RTM_NEWLINK) */
  moveNetDevice(name: string, netnsFd: number, newName: string): void;
  /** posix_spawn with an empty environment, default signals, child fd i = fds[i] */
  spawnInit(path: string, argv: string[], fds: number[], cgroupFd?: number): number;
  /** waitpid for a child spawned with spawnInit; returns its exit status (128+n for a signal) */
  reapChild(pid: number): number;
  /** TIOCGWINSZ: null when fd is not a terminal */
  winsize(fd: number): { rows: number; cols: number } | null;
  setWinsize(fd: number, rows: number, cols: number): void;
  /** a regular file resolved with RESOLVE_IN_ROOT under `root` (at most maxBytes); null if there is none */
  readFileInRoot(root: string, path: string, maxBytes: number): Buffer | null;
  /** sched_setaffinity(pid) with a CPU mask (listToMask) */
  setAffinity(pid: number, mask: Buffer): void;
  /** open_tree(OPEN_TREE_CLONE [| AT_RECURSIVE]): a detached copy of the mount tree at `path` */
  openTree(path: string, recursive: boolean): number;
  /**
   * Build a cgroup v2 device program (default action, and the exceptions that get the opposite one)
   * and attach it to the cgroup directory, replacing the program attached there before.
   */
  attachDeviceFilter(cgroupDir: string, defaultAllow: boolean, exceptions: DeviceException[]): { attached: number; replaced: number };
  /** ids of the device programs attached to the cgroup directory itself */
  deviceFilterIds(cgroupDir: string): number[];
  /**
   * A thread that writes `pid` to `procsFile` every periodMs (for at most maxMs) until
   * stopMigrationWarm(): keeps the cgroup migration lock warm (manager.ts warmMigrationLock).
   * false when the file cannot be opened.
   */
  keepMigrationWarm(procsFile: string, pid: number, periodMs: number, maxMs: number): boolean;
  stopMigrationWarm(): void;
  /* addon/common/ocistate.c, shared with the launcher: the one implementation of each */
  /** /proc/PID/stat: state letter, parent pid, start time (field 22); undefined when there is no such process */
  procStat(pid: number): { state: string; ppid: number; startTime: string } | undefined;
  /** the process is alive (not a zombie, not dead) and has this start time */
  alive(pid: number, startTime: string): boolean;
  /** the container's status (runtime/state/status.ts); creatorPid -1 when no creator is recorded */
  deriveStatus(fifo: string, pid: number, startTime: string, creatorPid: number, creatorStartTime: string, cgroupPaths: string[]):
    'creating' | 'created' | 'running' | 'paused' | 'stopped';
  /** the container's freezer: the index in dirs of its directory and its version; undefined for none */
  freezerOf(dirs: string[]): { index: number; version: 1 | 2 } | undefined;
  /** that freezer is frozen (cgroups/freezer.ts) */
  isFrozen(dirs: string[]): boolean;
  /** a signal name or number as `kill` takes it; -1 when unknown */
  parseSignal(raw: string): number;
  /** the signal names (without SIG) and their numbers */
  signalTable(): Record<string, number>;
  /**
   * The launcher's reader of state.json: null when it would hand the file to Node, else what it
   * reads, with the `state` text it prints for this status and pid (unit tests, fuzzing).
   */
  parseState(text: Buffer, status: string, pid: number): NativeState | null;
}

export interface NativeState {
  id: string;
  pid: number;
  startTime: string;
  creator?: { pid: number; startTime: string };
  cgroupPaths: string[];
  poststart: boolean;
  text: string;
}

/** type 0 any, 1 block, 2 char; major/minor -1 any; access bits mknod 1, read 2, write 4 */
export interface DeviceException { type: number; major: number; minor: number; access: number }

export const LOCK_SH = 1;
export const LOCK_EX = 2;
export const LOCK_NB = 4;
export const LOCK_UN = 8;

let loaded: Native | undefined;

export function native(): Native {
  if (!loaded) {
    const m = { exports: {} } as { exports: Native };
    process.dlopen(m, addonPath());
    loaded = m.exports;
  }
  return loaded;
}
