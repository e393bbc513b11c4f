/**
 * create (runtime.md "create", runc create): everything up to a container blocked on its exec
 * fifo. Validation and planning come before the first side effect; every acquisition after that
 * registers its undo, so a failure leaves no state directory, fifo, cgroup or process.
 */
import fs = require('fs');
import path = require('path');
import { GlobalOptions, CreateOptions } from './api';
import { ConfigError, UsageError } from '../errors';
import { oomKills } from '../cgroups/oom';
import { loadBundle } from '../spec/load';
import { buildPlan } from '../plan/assemble';
import { Spec } from '../spec/types';
import { publicState } from '../state/public';
import { checkId, stateDir, writeState, writeFileAtomic, makeStateDir, removeStateDir, sweepStale, SavedState } from '../state/store';
import { ownStartTime, liveStartTime } from '../state/status';
import { systemdCgroupsPath } from '../cgroups/systemd';
import { plannedCgroupDirs, makeCgroupDirs, prepareCgroups, checkNotFrozen, cloneIntoDir, removeCgroups, addPid, warmMigrationLock, defaultCgroupsPath, cgroupPids, resolveCgroupDirs } from '../cgroups/manager';
import { parseCgroupMounts } from '../cgroups/detect';
import { applyResources } from '../cgroups/resources';
import { runHooks } from '../hooks/run';
import { hostFacts } from './facts';
import { setHome } from './home';
import { socketActivation } from './socket-activation';
import { sendSeccompListener } from './seccomp-listener';
import { moveNetDevices } from './netdevices';
import { createRdtGroup, addRdtPid, removeRdtGroup } from './intelrdt';
import { launch, Launched } from './launch';
import { Undo } from './undo';
import { trace } from '../trace';
import { killContainer, readNamespaces } from './processes';
import { killPoint } from '../killpoint';

export interface Created {
  saved: SavedState;
  launched: Launched;
}

/** RFC 3339 with nanoseconds, as runc prints `created`: the clock's ms plus sub-ms digits from hrtime. */
function rfc3339Nano(d: Date, hr: bigint): string {
  const subMs = String(hr % 1000000n).padStart(6, '0');
  return d.toISOString().replace(/\.(\d{3})Z$/, `.$1${subMs}Z`);
}

export async function create(g: GlobalOptions, o: CreateOptions): Promise<void> {
  await createContainer(g, o);
}

/**
 * runc's rules for the terminal: a detached container (create, run -d) with terminal:true needs
 * --console-socket; a console socket needs terminal:true and a detached container. In the
 * foreground (run) the runtime holds the pty master itself.
 */
function checkConsole(spec: Spec, o: CreateOptions, foreground: boolean): void {
  const terminal = spec.process?.terminal === true;
  if (terminal && !foreground && !o.consoleSocket) {
    throw new UsageError('cannot allocate tty if oci-ts will detach without setting console socket: use --console-socket (config.json /process/terminal is true)');
  }
  if (o.consoleSocket && (!terminal || foreground)) {
    throw new UsageError('cannot use console socket if oci-ts will not detach or allocate tty (--console-socket needs /process/terminal true and create or run --detach)');
  }
}

/** The init was OOM-killed during create: the error names the memory limit. */
function oomError(spec: Spec, dirs: string[]): ConfigError | undefined {
  if (oomKills(dirs) === 0) return undefined;
  const limit = spec.linux?.resources?.memory?.limit;
  if (limit === undefined) return new ConfigError('/linux/resources/memory', 'the container init was killed by the OOM killer before it was ready');
  return new ConfigError('/linux/resources/memory/limit', `the container init was killed by the OOM killer before it was ready: ${limit} bytes is too low`);
}

export async function createContainer(g: GlobalOptions, o: CreateOptions, foreground = false): Promise<Created> {
  const warm = { stop: (): void => undefined };
  try {
    return await createSteps(g, o, foreground, warm);
  } finally {
    warm.stop();
  }
}

async function createSteps(g: GlobalOptions, o: CreateOptions, foreground: boolean, warm: { stop: () => void }): Promise<Created> {
  trace('create: start');
  checkId(o.id);
  // one read of mountinfo serves the cgroup layout and the rootfs's parent mount
  const mountinfo = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  const layout = parseCgroupMounts(mountinfo);
  // Every v1 hierarchy places the init by a migration, whose grace period is best waited for while
  // the config is validated and planned (on pure v2 the init is cloned into its cgroup: see below).
  if (layout.hierarchies.some((h) => h.version === 1)) warm.stop = warmMigrationLock(layout);
  const { bundle, spec, rootfs, warnings } = loadBundle(o.bundle || '.');
  trace('config loaded and validated');
  // config.md: OPTIONAL in the file, REQUIRED for start; the plan is made now, so create needs it (runc too)
  if (!spec.process) throw new ConfigError('/process', 'is required to create a container');
  checkConsole(spec, o, foreground);
  for (const w of warnings ?? []) g.warn?.(w);
  const dir = stateDir(g.root, o.id);
  const cgroupsPath = g.systemdCgroup ? systemdCgroupsPath(spec.linux?.cgroupsPath, o.id) : spec.linux?.cgroupsPath || defaultCgroupsPath(o.id);
  if (g.systemdCgroup && fs.existsSync('/run/systemd/system')) {
    g.warn?.('--systemd-cgroup: the cgroup is laid out as systemd names it, but no transient unit is registered with systemd (oci-ts manages the directories itself)');
  }
  const cgDirs = resolveCgroupDirs(layout, cgroupsPath);
  checkNotFrozen(layout, cgDirs);
  const preserveFds = o.preserveFds + socketActivation(spec);
  // the init is born in its cgroup v2 directory where it can be; the other hierarchies migrate it
  const cloneInto = cloneIntoDir(layout, cgDirs, spec.linux?.namespaces);
  const migrateDirs = cgDirs.filter((d) => d !== cloneInto);
  // pure v2 with a user namespace (no CLONE_INTO_CGROUP): the init migrates after all
  if (migrateDirs.length && !layout.hierarchies.some((h) => h.version === 1)) warm.stop = warmMigrationLock(layout);
  // HOME from the image's /etc/passwd when the config has none (runc); the saved config stays the user's
  const process_ = { ...spec.process };
  setHome(process_, rootfs);
  const plan = buildPlan(
    { ...spec, process: process_ },
    { bundle, rootfs, stateDir: dir, noPivot: o.noPivot, consoleSocket: o.consoleSocket, preserveFds, cloneIntoCgroup: cloneInto },
    hostFacts(rootfs, layout, cgDirs, g.root, mountinfo),
  );
  for (const w of plan.warnings) g.warn?.(w);
  for (const n of plan.notes ?? []) trace(n);
  trace(`planned: ${plan.steps.length} steps for the init`);
  const undo = new Undo();
  const ownStart = ownStartTime();
  sweepStale(g.root, liveStartTime);
  // What create is about to acquire goes into state.json before it is acquired (cgroup directories
  // now, the init's pid as soon as it is known), so a runtime killed at any moment leaves a record
  // that `state`, `list` and `delete --force` act on (architecture.md).
  const saved: SavedState = {
    ociVersion: spec.ociVersion,
    id: o.id,
    pid: 0,
    startTime: '',
    bundle,
    rootfs,
    created: rfc3339Nano(new Date(), process.hrtime.bigint()),
    annotations: spec.annotations,
    owner: '',
    cgroupPaths: cgDirs,
    cgroupCreated: plannedCgroupDirs(cgDirs),
    spec,
    creator: { pid: process.pid, startTime: ownStart },
  };
  killPoint('create:planned');
  try {
    const lockFd = makeStateDir(g.root, saved, ownStart, () => killPoint('create:temp-state'));
    undo.push('remove the state directory', () => removeStateDir(g.root, o.id, ownStart));
    undo.push('unlock', () => fs.closeSync(lockFd));
    trace('state directory');
    killPoint('create:state-dir');
    const busy = cgroupPids(cgDirs.filter((d) => !saved.cgroupCreated.includes(d)), true).length;
    // runc says the same; the container's own processes are told apart at delete (processes.ts)
    if (busy) g.warn?.(`container's cgroup is not empty: ${busy} process(es) found (linux.cgroupsPath ${cgroupsPath})`);
    const planned = saved.cgroupCreated;
    undo.push('remove cgroups', () => {
      for (const w of removeCgroups(saved.cgroupCreated, cgDirs)) g.warn?.(w);
    });
    const made = makeCgroupDirs(planned, () => killPoint('create:cgroup-mkdir'));
    if (made.length !== planned.length) {
      // another create made one of them meanwhile: it is not ours to remove
      saved.cgroupCreated = made;
      writeState(g.root, saved, false);
    }
    prepareCgroups(layout, cgDirs);
    trace('cgroups made');
    killPoint('create:cgroups');
    for (const w of applyResources(layout, cgDirs, spec.linux?.resources)) g.warn?.(w);
    trace('resources applied');
    const rdt = createRdtGroup(spec.linux, o.id);
    undo.push('remove the resctrl group', () => removeRdtGroup(rdt));
    const launched = launch(plan, preserveFds, {
      onSpawn: () => killPoint('create:spawned'),
      onPid: (pid, startTime) => {
        killPoint('create:pid');
        saved.pid = pid;
        saved.startTime = startTime;
        saved.namespaces = readNamespaces(pid, spec);
        // Before the init joins the cgroups: delete tells the container's processes by this.
        // (Killed before this write, the init dies by itself, also one born in its cgroup v2
        // directory: see op_fork in addon/init.)
        // the undo first: a write that fails (a full --root) must not leave the init running
        undo.push('kill the container init', () => killContainer(saved));
        writeState(g.root, saved, false);
        killPoint('create:pid-saved');
        addPid(migrateDirs, pid);
        warm.stop();
        if (rdt) addRdtPid(rdt, pid);
        moveNetDevices(spec, pid);
        killPoint('create:placed');
      },
      onSilentExit: () => oomError(spec, cgDirs),
      onSeccompListener: (fd, pid) => sendSeccompListener(spec, publicState(saved, 'creating', pid), fd),
      onPrestart: (pid) => {
        killPoint('create:prestart');
        // the state documents (with every annotation) are made only for hooks that read them
        const h = spec.hooks ?? {};
        if (!h.prestart?.length && !h.createRuntime?.length && !h.createContainer?.length && !h.startContainer?.length) return [];
        const creating = JSON.stringify(publicState(saved, 'creating', pid));
        runHooks(spec.hooks?.prestart, 'prestart', creating);
        runHooks(spec.hooks?.createRuntime, 'createRuntime', creating);
        return [creating, JSON.stringify(publicState(saved, 'created', pid))];
      },
    }, undo);
    trace('init ready');
    killPoint('create:ready');
    // an init killed by the OOM killer right after it said ready (a memory limit of a few bytes)
    const oom = oomError(spec, cgDirs);
    if (oom) throw oom;
    delete saved.creator;
    // Not fsync'd (runc does not either): it describes processes that a crash of the machine ends
    // anyway, and a state file torn by one is `unreadable`, which delete --force still removes.
    writeState(g.root, saved, false);
    killPoint('create:saved');
    if (o.pidFile) {
      try {
        writeFileAtomic(path.resolve(o.pidFile), String(launched.pid), 0o644, false);
      } catch (e) {
        throw new UsageError(`--pid-file ${o.pidFile}: ${(e as Error).message}`);
      }
    }
    undo.commit();
    fs.closeSync(lockFd);
    trace('created');
    return { saved, launched };
  } catch (e) {
    const failed = await undo.run();
    for (const f of failed) g.warn?.(`cleanup after failed create: ${f}`);
    throw e;
  }
}

export type { Spec };
