/**
 * Spawn oci-ts-init and drive the parent side of the protocol (plan_wire.h documents every
 * message). The addon's posix_spawn is fork-safe and spares loading node:child_process on the
 * create path; the init gets stdio, the preserved fds at
 * 3..3+N-1 and the sync socket just above them, nothing else.
 */
import fs = require('fs');
import { native } from '../native';
import { initBinary } from '../paths';
import { LaunchPlan, SyncTag, FileRef, Op } from '../plan/types';
import { encodePlan, encodeContinue, decodeMessage, Msg } from '../protocol/wire';
import { OciError, StepError, ConfigError, StateError, describeFsError, strerror } from '../errors';
import { procStat } from '../state/status';
import { Undo } from './undo';
import { trace } from '../trace';
import { sleepSync } from '../sleep';

const O_PATH = 0o10000000;

export interface LaunchHooks {
  /** the helper (stage 0) exists: may start slow work that overlaps its start-up */
  onSpawn?(stage0: number): void;
  /**
   * The container init's pid is known: place it in the cgroups. The init meanwhile sets up its
   * mounts (so the slow cgroup v1 migration overlaps with them); it forks nothing, and unshares
   * its cgroup namespace, only after the PRESTART sync, which comes after this.
   */
  onPid(pid: number, startTime: string): void;
  /** rootfs ready, before pivot_root: run prestart/createRuntime; return the hook states */
  onPrestart(pid: number): string[];
  /** the init died without reporting a step: a better explanation than "exited before it was ready", if any */
  onSilentExit?(): OciError | undefined;
  /** the init loaded a seccomp filter with SCMP_ACT_NOTIFY: hand its listener on (linux.seccomp.listenerPath) */
  onSeccompListener?(fd: number, pid: number): void;
}

export interface Launched {
  pid: number;
  startTime: string;
  /** the pty master, when the plan's console goes to the parent (foreground run) */
  ptyMaster?: number;
}


/**
 * A user namespace with the given maps, for an idmapped mount: oci-ts-init --userns-holder
 * unshares one and waits; we write its maps, open /proc/PID/ns/user and let it go.
 */
function makeUserns(maps: { uid: string; gid: string }): number {
  const own = fs.readlinkSync('/proc/self/ns/user');
  const devNull = fs.openSync('/dev/null', 'r+');
  let pid: number;
  try {
    pid = native().spawnInit(initBinary(), ['oci-ts-init', '--userns-holder'], [devNull, devNull, devNull]);
  } finally {
    fs.closeSync(devNull);
  }
  try {
    for (let i = 0; ; i++) {
      let ns = own;
      try {
        ns = fs.readlinkSync(`/proc/${pid}/ns/user`);
      } catch {
        /* not there yet */
      }
      if (ns !== own) break;
      if (i > 2000) throw new OciError('the user namespace for an idmapped mount was not created');
      sleepSync(1);
    }
    fs.writeFileSync(`/proc/${pid}/uid_map`, maps.uid);
    fs.writeFileSync(`/proc/${pid}/gid_map`, maps.gid);
    return fs.openSync(`/proc/${pid}/ns/user`, fs.constants.O_RDONLY);
  } finally {
    process.kill(pid, 'SIGKILL');
    native().reapChild(pid);
  }
}

/**
 * A pidfd of /proc/PID, proven to name the process started at `startTime`: the check comes after
 * the open, so a pid recycled in between is caught (the fd would name the newcomer).
 */
function openPidfd(f: FileRef): number {
  const pid = Number(f.path.slice('/proc/'.length));
  let fd: number;
  try {
    fd = native().pidfdOpen(pid);
  } catch {
    throw new StateError('container not running');
  }
  const st = procStat(pid);
  if (!st || st.state === 'Z' || st.state === 'X' || st.startTime !== f.startTime) {
    fs.closeSync(fd);
    throw new StateError('container not running');
  }
  return fd;
}

function openFile(f: FileRef): number {
  try {
    if (f.kind === 'userns') return makeUserns(f.maps!);
    if (f.kind === 'ns') return fs.openSync(f.path, fs.constants.O_RDONLY);
    if (f.kind === 'dir') return fs.openSync(f.path, O_PATH | fs.constants.O_DIRECTORY);
    if (f.kind === 'pidfd') return openPidfd(f);
    if (f.kind === 'tree') return native().openTree(f.path, f.recursive === true);
    return native().connectUnix(f.path);
  } catch (e) {
    if (e instanceof OciError) throw e;
    if (f.kind === 'socket') throw new OciError(`--console-socket ${f.path}: ${describeFsError(e)}`);
    if (f.pointer) throw new ConfigError(f.pointer, describeFsError(e));
    throw e;
  }
}

/** An init failure report → an error naming the config field of the failed step. */
function stepError(plan: LaunchPlan, m: { step: number; errno: number; syscall: string; detail: string }): OciError {
  const s = plan.steps[m.step];
  if (!s) return new StepError('', 'init', m.syscall, m.errno, m.detail);
  // program lookups and hooks report a complete sentence
  if (m.syscall === 'exec' || m.syscall === 'hook') return new OciError(`${s.pointer}: ${m.detail}`);
  if (s.op === Op.EXEC && m.detail) return new OciError(`${s.pointer}: ${m.detail}: ${strerror(m.errno)}`);
  if (s.op === Op.WAIT_START && m.errno === 24) {
    // the init checks it can open exec.fifo before it says it is ready (plan_wire.h)
    return new ConfigError('/process/rlimits', 'RLIMIT_NOFILE leaves the init no file descriptor to open exec.fifo (too many open files)');
  }
  if (s.op === Op.SETNS && m.errno === 22 && plan.files[(s.args[0] as { file: number }).file].kind === 'ns') {
    const f = plan.files[(s.args[0] as { file: number }).file];
    return new ConfigError(s.pointer, `${f.path} is not a ${s.what.replace('setns ', '')} namespace`);
  }
  return new StepError(s.pointer, s.what, m.syscall, m.errno, m.detail);
}

/**
 * `exec`: the socket closes when the process execs (it is close-on-exec), and a short program may
 * have exited by the time we look, so a close without an error report means started. For create,
 * the init closes it and must still be waiting on the exec fifo.
 */
export type LaunchMode = 'create' | 'exec';

export interface LaunchOptions {
  mode?: LaunchMode;
  /** a cgroup v2 directory (O_RDONLY fd) that stage 0 is born in: clone3(CLONE_INTO_CGROUP) */
  cgroupFd?: number;
}

export function launch(plan: LaunchPlan, preserveFds: number, hooks: LaunchHooks, undo: Undo, opts: LaunchOptions = {}): Launched {
  const mode = opts.mode ?? 'create';
  const init = initBinary();
  if (!fs.existsSync(init)) throw new OciError(`${init} is missing: run the build (npm run build)`);
  const fds: number[] = [];
  try {
    for (const f of plan.files) fds.push(openFile(f));
    const [parentSock, childSock] = native().seqpacketPair();
    let stage0: number;
    try {
      // stdio, the preserved fds at 3..3+N-1, the sync socket right above them; nothing else.
      const childFds = [0, 1, 2, ...Array.from({ length: preserveFds }, (_, i) => 3 + i), childSock];
      stage0 = native().spawnInit(init, ['oci-ts-init', String(3 + preserveFds)], childFds, opts.cgroupFd);
    } catch (e) {
      fs.closeSync(parentSock);
      throw new OciError(`cannot start ${init}: ${(e as Error).message}`);
    } finally {
      fs.closeSync(childSock);
    }
    let reaped = false;
    const reap = () => {
      if (!reaped) native().reapChild(stage0);
      reaped = true;
    };
    undo.push('stop the init helper', () => {
      try {
        process.kill(stage0, 'SIGKILL');
      } catch {
        /* already gone */
      }
      reap();
    });
    let initPid = 0;
    const result: Partial<Launched> = {};
    try {
      // runc's --debug names for the same stages ("nsexec container setup", "child process in
      // init()", "init: closing the pipe ...") are kept in these lines: scripts grep for them
      trace(`helper spawned: pid ${stage0}: nsexec container setup (namespaces, id maps, the init's fork)`);
      hooks.onSpawn?.(stage0);
      traceSteps(plan);
      native().send(parentSock, encodePlan(plan), fds);
      let prestartPending = false;
      const prestart = (): void => {
        prestartPending = false;
        trace('rootfs mounted: running prestart and createRuntime hooks');
        // the states are for the init's HOOK steps only: without them (the common case) they stay here
        const states = hooks.onPrestart(initPid);
        native().send(parentSock, encodeContinue(plan.steps.some((st) => st.op === Op.HOOK) ? states : []));
      };
      for (;;) {
        const r = native().recv(parentSock, -1);
        if (!r) {
          // The init closes the socket when it is set up and blocks on the exec fifo (plan_wire.h);
          // a closed socket with no live init means it died without reporting.
          const st = initPid ? procStat(initPid) : undefined;
          const done = 'init: closing the pipe to signal completion (the init closed the sync socket: set up)';
          if ((mode === 'exec' && initPid) || (st && st.state !== 'Z' && st.startTime === result.startTime)) {
            trace(done);
            return result as Launched;
          }
          throw hooks.onSilentExit?.() ?? new OciError(initPid ? 'container init exited before it was ready' : 'oci-ts-init exited before the container started');
        }
        const m = decodeMessage(r.data);
        if (m.type === Msg.ERROR) throw stepError(plan, m);
        if (m.type === Msg.PID) {
          initPid = m.pid;
          trace(`init forked: pid ${initPid}`);
          trace(`child process in init(): pid ${initPid} runs the plan`);
          reap(); // stage 0 exits right after reporting the pid
          const st = procStat(initPid);
          result.pid = initPid;
          result.startTime = st?.startTime ?? '';
          hooks.onPid(initPid, result.startTime);
          trace('init placed in cgroups');
          if (prestartPending) prestart();
        } else if (m.type === Msg.SYNC && m.tag === SyncTag.IDMAP) {
          writeIdMaps(stage0, plan);
          native().send(parentSock, encodeContinue());
        } else if (m.type === Msg.SYNC && m.tag === SyncTag.PRESTART) {
          // Stage 0 and the init write to the same socket: on a busy host the init's PRESTART can
          // come before stage 0's PID. The init goes on only once it is recorded and in its cgroups.
          if (initPid) prestart();
          else prestartPending = true;
        } else if (m.type === Msg.FD && m.name === 'seccomp') {
          try {
            hooks.onSeccompListener?.(r.fds[0], initPid);
          } finally {
            fs.closeSync(r.fds[0]);
          }
        } else if (m.type === Msg.FD) {
          result.ptyMaster = r.fds[0];
        }
      }
    } finally {
      fs.closeSync(parentSock);
    }
  } finally {
    for (const fd of fds) fs.closeSync(fd);
  }
}

/** --debug: each step the init is sent, in order, with the config field it comes from. */
function traceSteps(plan: LaunchPlan): void {
  plan.steps.forEach((st, i) => trace(`step ${i + 1}/${plan.steps.length}: ${st.what}${st.pointer ? ` (${st.pointer})` : ''}`));
}

function writeIdMaps(pid: number, plan: LaunchPlan): void {
  const m = plan.idmap!;
  const write = (file: string, text: string, pointer: string) => {
    try {
      fs.writeFileSync(`/proc/${pid}/${file}`, text);
    } catch (e) {
      throw new ConfigError(pointer, `writing ${file}: ${describeFsError(e)}`);
    }
  };
  if (m.setgroups === 'deny') write('setgroups', 'deny', '/linux/gidMappings');
  write('uid_map', m.uid, '/linux/uidMappings');
  write('gid_map', m.gid, '/linux/gidMappings');
}
