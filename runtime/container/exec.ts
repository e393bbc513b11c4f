/**
 * exec (runc exec): a new process in a running container, on the launch path of create
 * (docs/architecture.md "exec"). Everything is checked before the first side effect: the process
 * (exec-process.ts: process.json, or the container's process with the flags applied) is validated
 * like config.json, the sub-cgroups must exist inside the container's own. Then, under a shared lock on the state
 * directory (delete and create wait; other execs do not), the status is derived, stage 0 is placed
 * in the container's cgroups before it receives the plan, joins the namespaces with a pidfd of the
 * init, forks and becomes the program. exec records nothing: a failure leaves no file and no process.
 */
import { setHome } from './home';
import fs = require('fs');
import path = require('path');
import { ExecOptions, GlobalOptions } from './api';
import { OciError, StateError, UsageError, describeFsError } from '../errors';
import { readState, stateDir, writeFileAtomic, SavedState } from '../state/store';
import { deriveStatus } from '../state/status';
import { native, LOCK_SH, LOCK_UN } from '../native';
import { Labeler, labeler, relabelWarning, processFromFlags, readProcessFile, validateProcess, applyUser } from './exec-process';
import { buildExecPlan, initialAffinity } from '../plan/assemble';
import { NAMESPACE_FLAGS, NAMESPACE_PROC_NAME } from '../plan/namespaces';
import { parseCgroupMounts, detectCgroups } from '../cgroups/detect';
import { addPid, warmMigrationLock } from '../cgroups/manager';
import { processFacts } from './facts';
import { sendSeccompListener } from './seccomp-listener';
import { publicState } from '../state/public';
import { launch, Launched } from './launch';
import { Undo } from './undo';
import { killPoint } from '../killpoint';
import { killAndWait } from './signal';
import { foreground, waitChild, SignalForwarder } from './foreground';
import { trace } from '../trace';

/**
 * --cgroup [CONTROLLER[,CONTROLLER...]:]PATH: an existing sub-cgroup of the container's own, in
 * the hierarchies of those controllers (every hierarchy without a prefix). Never outside it.
 */
export function execCgroupDirs(containerDirs: string[], args: string[], mountinfo: string): string[] {
  const layout = parseCgroupMounts(mountinfo);
  const dirs = [...containerDirs];
  for (const a of args) {
    const colon = a.indexOf(':');
    const controllers = colon >= 0 ? a.slice(0, colon).split(',').filter(Boolean) : [];
    const sub = colon >= 0 ? a.slice(colon + 1) : a;
    // runc joins the path to the container's cgroup: "/" and "" are the cgroup itself, "/x" is
    // its x; only a path that climbs out of it is refused (runc's words, which scripts match)
    const rel = path.posix.normalize(`./${sub}`).replace(/\/+$/, '') || '.';
    if (rel === '..' || rel.startsWith('../')) {
      throw new UsageError(`--cgroup ${a}: ${sub} is not a sub cgroup path: must be a path inside the container's cgroup`);
    }
    let matched = false;
    containerDirs.forEach((d, i) => {
      const h = layout.hierarchies.find((x) => d === x.mountpoint || d.startsWith(x.mountpoint + '/'));
      // a v2 cgroup answers to the controllers it has (and "unified"): an unknown name matches nothing
      const names = h ? (h.version === 2 ? ['unified', ...v2Controllers(d)] : h.name.split(',')) : [];
      if (controllers.length && !controllers.some((c) => names.includes(c) || `name=${c}` === h?.name)) return;
      matched = true;
      if (rel === '.') {
        dirs[i] = d; // the container's own cgroup
        return;
      }
      const target = path.join(d, rel);
      // runc's words (" adding pid ... /cgroup.procs: no such file or directory"), which its tests match
      let why = '';
      try {
        if (!fs.statSync(target).isDirectory()) why = 'not a directory';
        else if (!fs.realpathSync(target).startsWith(fs.realpathSync(d) + '/')) why = 'not inside the container\'s cgroup';
      } catch (e) {
        why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : describeFsError(e);
      }
      if (why) throw new UsageError(`--cgroup ${a}: cannot join it: adding pid to ${target}/cgroup.procs: ${why}`);
      dirs[i] = target;
    });
    // runc's words ("unknown controller X"), which its exec.bats matches
    if (!matched) throw new UsageError(`--cgroup ${a}: unknown controller ${controllers.join(',')}: the container has no cgroup with it`);
  }
  return dirs;
}

function v2Controllers(dir: string): string[] {
  try {
    return fs.readFileSync(path.join(dir, 'cgroup.controllers'), 'utf8').trim().split(/\s+/).filter(Boolean);
  } catch {
    return [];
  }
}

/**
 * runc's terminal rules: a detached process with a terminal needs --console-socket, a console
 * socket needs a terminal and --detach. `where` names what asked for the terminal.
 */
export function checkTerminal(terminal: boolean, consoleSocket: string | undefined, detach: boolean, where: string, command: string): void {
  if (terminal && detach && !consoleSocket) {
    throw new UsageError(`cannot allocate tty if oci-ts will detach without setting console socket: use --console-socket (${where} is true)`);
  }
  if (consoleSocket && (!terminal || !detach)) {
    throw new UsageError(`cannot use console socket if oci-ts will not detach or allocate tty (--console-socket needs ${where} true and ${command})`);
  }
}

/** The container has one cgroup, a v2 one: its processes can be cloned straight into it. */
function pureV2(dirs: string[]): boolean {
  return dirs.length === 1 && fs.existsSync(path.join(dirs[0], 'cgroup.controllers'));
}

/**
 * The container's one cgroup on a pure v2 host, opened for CLONE_INTO_CGROUP; undefined elsewhere
 * (v1 and hybrid hosts have hierarchies a clone cannot enter: stage 0 is placed by writing its pid).
 */
function intoCgroup(dirs: string[]): number | undefined {
  if (!pureV2(dirs)) return undefined;
  try {
    return fs.openSync(dirs[0], fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  } catch {
    return undefined;
  }
}

/** CLONE_NEW* flags of the container's namespaces that this process is not in already. */
function joinFlags(s: SavedState): number {
  let flags = 0;
  for (const n of s.spec.linux?.namespaces ?? []) {
    const name = NAMESPACE_PROC_NAME[n.type];
    let theirs = '';
    try {
      theirs = fs.readlinkSync(`/proc/${s.pid}/ns/${name}`);
    } catch {
      throw new StateError('container not running');
    }
    let ours = '';
    try {
      ours = fs.readlinkSync(`/proc/self/ns/${name}`);
    } catch {
      /* a namespace type this kernel lacks here */
    }
    if (theirs !== ours) flags |= NAMESPACE_FLAGS[n.type];
  }
  return flags;
}

function setInitialAffinity(pid: number, mask: Buffer, label: Labeler): void {
  try {
    native().setAffinity(pid, mask);
  } catch (e) {
    throw new OciError(`${label('/process/execCPUAffinity/initial')}: sched_setaffinity: ${describeFsError(e)}`);
  }
}

/** Send a pidfd of the process to --pidfd-socket (runc 1.2: the datagram names it "pidfd"). */
function sendPidfd(socketPath: string, pid: number): void {
  let sock: number;
  try {
    sock = native().connectUnix(socketPath);
  } catch (e) {
    throw new OciError(`--pidfd-socket ${socketPath}: ${(e as Error).message}`);
  }
  try {
    const pidfd = native().pidfdOpen(pid);
    try {
      native().send(sock, Buffer.from('pidfd'), [pidfd]);
    } finally {
      fs.closeSync(pidfd);
    }
  } finally {
    fs.closeSync(sock);
  }
}

/**
 * Runs exec; resolves to the exit status: the process's in the foreground (128+n for a signal),
 * 0 once it runs with --detach. Errors are thrown (the CLI gives them 255 in the foreground).
 */
export async function exec(g: GlobalOptions, o: ExecOptions): Promise<number> {
  trace('exec: start');
  const s = readState(g.root, o.id);
  // stage 0 will be placed by writing its pid: the migration's grace period is waited for meanwhile
  const stopWarm = pureV2(s.cgroupPaths) ? () => undefined : warmMigrationLock(detectCgroups());
  try {
    return await execIn(g, o, s, stopWarm);
  } finally {
    stopWarm();
  }
}

async function execIn(g: GlobalOptions, o: ExecOptions, s: SavedState, stopWarm: () => void): Promise<number> {
  const label = labeler(o);
  const raw = o.processFile ? readProcessFile(o.processFile) : processFromFlags(s.spec, o);
  const { proc, warnings } = validateProcess(s.spec, raw, label);
  for (const w of warnings) g.warn?.(w);
  checkTerminal(proc.terminal === true, o.consoleSocket, o.detach, o.processFile ? 'process.json /terminal' : '--tty', '--detach');
  const cgDirs = execCgroupDirs(s.cgroupPaths, o.cgroups, o.cgroups.length ? fs.readFileSync('/proc/self/mountinfo', 'utf8') : '');

  trace('exec: process checked');
  let launched: Launched;
  // A pty proxied from our own terminal starts with its size (the proxy follows changes later):
  // set by the init before the program runs, so the first `stty size` already sees it.
  if (proc.terminal && !o.consoleSocket && !o.detach && !proc.consoleSize) {
    const ws = native().winsize(0) ?? native().winsize(1);
    if (ws && ws.rows && ws.cols) proc.consoleSize = { height: ws.rows, width: ws.cols };
  }
  // in the foreground, signals are caught from now on and delivered once the process runs
  const signals = o.detach ? undefined : new SignalForwarder(proc.terminal === true && !o.consoleSocket);
  const lockFd = fs.openSync(stateDir(g.root, o.id), fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  try {
    native().flock(lockFd, LOCK_SH);
    const status = deriveStatus(g.root, s);
    if (status === 'stopped') throw new StateError(`cannot exec in a stopped container: ${o.id}`);
    if (status === 'creating') throw new StateError(`cannot exec in a container that is still being created: ${o.id}`);
    if (status === 'paused' && !o.ignorePaused) throw new StateError(`cannot exec in a paused container: ${o.id} (use --ignore-paused to override)`);
    if (o.user !== undefined && !o.processFile) applyUser(s, proc, o.user);
    setHome(proc, `/proc/${s.pid}/root`);
    const plan = buildExecPlan(
      s.spec,
      proc,
      { initPid: s.pid, initStartTime: s.startTime, joinFlags: joinFlags(s), rootfs: s.rootfs, consoleSocket: o.consoleSocket, preserveFds: o.preserveFds },
      processFacts(g.root),
    );
    // what comes from config.json was said at create; only the exec's own fields are worth a warning
    for (const w of plan.warnings.map((w) => relabelWarning(w, label))) if (!w.startsWith('config.json')) g.warn?.(w);
    for (const st of plan.steps) st.pointer = label(st.pointer);
    for (const n of plan.notes ?? []) trace(n);
    trace(`exec: planned: ${plan.steps.length} steps`);
    const undo = new Undo();
    // Stage 0 is in the container's cgroups before it gets the plan, so the process it forks is
    // born in them: on a pure v2 host it is spawned there (CLONE_INTO_CGROUP), else placed.
    // With execCPUAffinity.initial it is spawned outside, given those CPUs, then placed.
    const initial = initialAffinity(proc);
    const cgroupFd = initial ? undefined : intoCgroup(cgDirs);
    try {
      launched = launch(plan, o.preserveFds, {
        onSpawn: (stage0) => {
          trace('exec: helper spawned');
          if (initial) setInitialAffinity(stage0, initial, label);
          if (cgroupFd === undefined) addPid(cgDirs, stage0);
          stopWarm();
          trace('exec: helper placed in the cgroups');
          killPoint('exec:spawned');
        },
        onPid: (pid) => {
          trace('exec: process forked');
          undo.push('kill the process', () => killAndWait([pid]));
          killPoint('exec:pid');
        },
        onPrestart: () => [],
        onSeccompListener: (fd, pid) => sendSeccompListener(s.spec, publicState(s, 'running'), fd),
      }, undo, { mode: 'exec', cgroupFd });
      undo.commit();
      trace('exec: program exec\'d (runc\'s last step before it, "setns_init: about to exec", is done)');
      killPoint('exec:execd');
    } catch (e) {
      await undo.run();
      throw e;
    } finally {
      if (cgroupFd !== undefined) fs.closeSync(cgroupFd);
    }
  } catch (e) {
    signals?.stop();
    if (e instanceof StateError || e instanceof UsageError) throw e;
    // the container's init may have gone meanwhile: say so rather than a step's errno
    if (deriveStatus(g.root, s) === 'stopped') throw new StateError(`cannot exec in a stopped container: ${o.id}`);
    throw e;
  } finally {
    native().flock(lockFd, LOCK_UN);
    fs.closeSync(lockFd);
  }
  const exited = o.detach ? undefined : waitChild(launched.pid);
  try {
    if (o.pidfdSocket) sendPidfd(o.pidfdSocket, launched.pid);
    if (o.pidFile) writeFileAtomic(path.resolve(o.pidFile), String(launched.pid), 0o644, false);
  } catch (e) {
    // the caller cannot know the process: it does not stay
    signals?.stop();
    killAndWait([launched.pid]);
    if (launched.ptyMaster !== undefined) fs.closeSync(launched.ptyMaster);
    throw e;
  }
  if (!exited) {
    if (launched.ptyMaster !== undefined) fs.closeSync(launched.ptyMaster);
    return 0;
  }
  return foreground(launched.pid, launched.startTime, exited, launched.ptyMaster, signals);
}
