/**
 * create (runtime.md "create", runc create): everything up to a container blocked on its exec
 * fifo. Validation and planning come before the first side effect; every acquisition after that
 * registers its undo, so a failure leaves no state directory, fifo, cgroup or process.
 */
import * as fs from 'fs';
import * as path from 'path';
import { GlobalOptions, CreateOptions } from './api';
import { StateError, ConfigError } from '../errors';
import { loadBundle } from '../spec/load';
import { buildPlan } from '../plan/assemble';
import { Spec, State } from '../spec/types';
import { publicState } from '../state/public';
import { native } from '../native';
import { checkId, stateDir, fifoPath, writeState, writeFileAtomic, SavedState } from '../state/store';
import { systemdCgroupsPath } from '../cgroups/systemd';
import { createCgroups, removeCgroups, addPid, defaultCgroupsPath, cgroupPids, resolveCgroupDirs } from '../cgroups/manager';
import { detectCgroups } from '../cgroups/detect';
import { applyResources } from '../cgroups/resources';
import { runHooks } from '../hooks/run';
import { hostFacts } from './facts';
import { createRdtGroup, addRdtPid, removeRdtGroup } from './intelrdt';
import { launch, Launched } from './launch';
import { Undo } from './undo';
import { killAndWait } from './signal';

export interface Created {
  saved: SavedState;
  launched: Launched;
}

/** RFC 3339 with nanoseconds, as runc prints `created`: the clock's ms plus sub-ms digits from hrtime. */
function rfc3339Nano(d: Date, hr: bigint): string {
  const subMs = String(hr % 1000000n).padStart(6, '0');
  return d.toISOString().replace(/\.(\d{3})Z$/, `.$1${subMs}Z`);
}

/**
 * systemd socket activation, as runc does: when LISTEN_FDS/LISTEN_PID name this process, fds
 * 3..3+LISTEN_FDS-1 are passed on (before --preserve-fds ones) and the container is told
 * LISTEN_FDS=n, LISTEN_PID=1. Returns the number of fds.
 */
function socketActivation(spec: Spec): number {
  const n = Number(process.env.LISTEN_FDS);
  if (!n || n < 0 || Number(process.env.LISTEN_PID) !== process.pid || !spec.process) return 0;
  spec.process.env = [...(spec.process.env ?? []).filter((e) => !/^LISTEN_(FDS|PID)=/.test(e)), `LISTEN_FDS=${n}`, 'LISTEN_PID=1'];
  return n;
}

/**
 * runtime-spec config-linux.md "seccomp": the container process state as JSON and the listener
 * fd as SCM_RIGHTS, over a connection to listenerPath.
 */
function sendSeccompListener(spec: Spec, state: State, fd: number): void {
  const sc = spec.linux!.seccomp!;
  let sock: number;
  try {
    sock = native().connectUnix(sc.listenerPath!);
  } catch (e) {
    throw new ConfigError('/linux/seccomp/listenerPath', `${sc.listenerPath}: ${(e as Error).message}`);
  }
  try {
    const msg = { ociVersion: spec.ociVersion, fds: ['seccompFd'], pid: state.pid, metadata: sc.listenerMetadata ?? '', state };
    native().send(sock, Buffer.from(JSON.stringify(msg)), [fd]);
  } finally {
    fs.closeSync(sock);
  }
}

/**
 * linux.netDevices: each host interface moves into the container's (new) network namespace, which
 * exists once the init has forked; it returns to the host when that namespace goes away.
 */
function moveNetDevices(spec: Spec, pid: number): void {
  const devices = Object.entries(spec.linux?.netDevices ?? {});
  if (!devices.length) return;
  const fd = fs.openSync(`/proc/${pid}/ns/net`, fs.constants.O_RDONLY);
  try {
    for (const [name, d] of devices) {
      try {
        native().moveNetDevice(name, fd, d.name || name);
      } catch (e) {
        throw new ConfigError(`/linux/netDevices/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`, `moving ${name} into the container: ${(e as Error).message}`);
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}

export async function create(g: GlobalOptions, o: CreateOptions): Promise<void> {
  await createContainer(g, o);
}

export async function createContainer(g: GlobalOptions, o: CreateOptions, consoleToParent = false): Promise<Created> {
  checkId(o.id);
  const { bundle, spec, rootfs, warnings } = loadBundle(o.bundle || '.');
  for (const w of warnings ?? []) g.warn?.(w);
  const dir = stateDir(g.root, o.id);
  const cgroupsPath = g.systemdCgroup ? systemdCgroupsPath(spec.linux?.cgroupsPath, o.id) : spec.linux?.cgroupsPath || defaultCgroupsPath(o.id);
  if (g.systemdCgroup && fs.existsSync('/run/systemd/system')) {
    g.warn?.('--systemd-cgroup: the cgroup is laid out as systemd names it, but no transient unit is registered with systemd (oci-ts manages the directories itself)');
  }
  const cgDirs = resolveCgroupDirs(cgroupsPath);
  const preserveFds = o.preserveFds + socketActivation(spec);
  const plan = buildPlan(
    spec,
    { bundle, rootfs, stateDir: dir, noPivot: o.noPivot, consoleSocket: consoleToParent ? undefined : o.consoleSocket, preserveFds },
    hostFacts(rootfs, cgDirs),
  );
  for (const w of plan.warnings) g.warn?.(w);
  const undo = new Undo();
  try {
    fs.mkdirSync(g.root, { recursive: true, mode: 0o700 });
    try {
      fs.mkdirSync(dir, { mode: 0o711 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new StateError(`container with given ID already exists: ${o.id}`);
      throw e;
    }
    undo.push('remove the state directory', () => fs.rmSync(dir, { recursive: true, force: true }));
    native().mkfifo(fifoPath(g.root, o.id), 0o622);
    const cg = createCgroups(cgDirs);
    undo.push('remove cgroups', () => removeCgroups(cg.created, cg.dirs));
    for (const w of applyResources(detectCgroups(), cg.dirs, spec.linux?.resources)) g.warn?.(w);
    const now = new Date();
    const saved: SavedState = {
      ociVersion: spec.ociVersion,
      id: o.id,
      pid: 0,
      startTime: '',
      bundle,
      rootfs,
      created: rfc3339Nano(now, process.hrtime.bigint()),
      annotations: spec.annotations,
      owner: '',
      cgroupPaths: cg.dirs,
      cgroupCreated: cg.created,
      spec,
    };
    const rdt = createRdtGroup(spec.linux, o.id);
    undo.push('remove the resctrl group', () => removeRdtGroup(rdt));
    const launched = launch(plan, preserveFds, {
      onPid: (pid) => {
        saved.pid = pid;
        undo.push('kill the container init', () => killAndWait(cgroupPids(cg.dirs).concat(pid)));
        addPid(cg.dirs, pid);
        if (rdt) addRdtPid(rdt, pid);
        moveNetDevices(spec, pid);
      },
      onSeccompListener: (fd, pid) => sendSeccompListener(spec, publicState(saved, 'creating', pid), fd),
      onPrestart: (pid) => {
        const creating = JSON.stringify(publicState(saved, 'creating', pid));
        runHooks(spec.hooks?.prestart, 'prestart', creating);
        runHooks(spec.hooks?.createRuntime, 'createRuntime', creating);
        return [creating, JSON.stringify(publicState(saved, 'created', pid))];
      },
    }, undo);
    saved.startTime = launched.startTime;
    writeState(g.root, saved);
    if (o.pidFile) writeFileAtomic(path.resolve(o.pidFile), String(launched.pid));
    undo.commit();
    return { saved, launched };
  } catch (e) {
    const failed = await undo.run();
    for (const f of failed) g.warn?.(`cleanup after failed create: ${f}`);
    throw e;
  }
}

export type { Spec };
