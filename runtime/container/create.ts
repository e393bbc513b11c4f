/**
 * create (runtime.md "create", runc create): everything up to a container blocked on its exec
 * fifo. Validation and planning come before the first side effect; every acquisition after that
 * registers its undo, so a failure leaves no state directory, fifo, cgroup or process.
 */
import * as fs from 'fs';
import * as path from 'path';
import { GlobalOptions, CreateOptions } from './api';
import { StateError } from '../errors';
import { loadBundle } from '../spec/load';
import { buildPlan } from '../plan/assemble';
import { Spec } from '../spec/types';
import { publicState } from '../state/public';
import { native } from '../native';
import { checkId, stateDir, fifoPath, writeState, writeFileAtomic, SavedState } from '../state/store';
import { systemdCgroupsPath } from '../cgroups/systemd';
import { createCgroups, removeCgroups, addPid, defaultCgroupsPath, cgroupPids, resolveCgroupDirs } from '../cgroups/manager';
import { detectCgroups } from '../cgroups/detect';
import { applyResources } from '../cgroups/resources';
import { runHooks } from '../hooks/run';
import { hostFacts } from './facts';
import { socketActivation } from './socket-activation';
import { sendSeccompListener } from './seccomp-listener';
import { moveNetDevices } from './netdevices';
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
