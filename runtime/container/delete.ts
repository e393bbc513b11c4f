/**
 * delete (runtime.md "delete", runc delete). Follows runc where the spec differs (engine-contract
 * §1.4.5): a created container is killed and removed without --force, since containerd relies on
 * it. A running one needs --force. --force on a missing container succeeds.
 *
 * Order (each step leaves a container that a new `delete --force` finishes, if this one is killed):
 * lock, kill the container's own processes (processes.ts), remove the cgroup directories create
 * made (child cgroups too), remove the state directory in one rename, poststop hooks.
 */
import fs = require('fs');
import { GlobalOptions } from './api';
import { StateError } from '../errors';
import { native, LOCK_EX, LOCK_NB } from '../native';
import { readState, stateDir, removeStateDir, sweepStale, checkId, SavedState, UnreadableStateError } from '../state/store';
import { deriveStatus, creatorAlive, ownStartTime, liveStartTime } from '../state/status';
import { removeCgroups, resolveCgroupDirs, defaultCgroupsPath } from '../cgroups/manager';
import { detectCgroups } from '../cgroups/detect';
import { isFrozen, setFrozen } from '../cgroups/freezer';
import { runHooksWarn } from '../hooks/run';
import { killContainer, processTree } from './processes';
import { signalProcess } from './signal';
import { publicState } from '../state/public';
import { sleepSync } from '../sleep';
import { killPoint } from '../killpoint';
import { trace } from '../trace';

export function destroy(g: GlobalOptions, s: SavedState): void {
  trace(`delete: killing the processes of container ${s.id} (init pid ${s.pid})`);
  // As runc's destroy (signalAllProcesses): the signals are sent, then a paused container is
  // thawed, or its frozen processes would never die and its cgroup would stay behind.
  killContainer(s, undefined, () => {
    try {
      if (isFrozen(s.cgroupPaths ?? [])) setFrozen(s.cgroupPaths ?? [], false);
    } catch (e) {
      trace(`delete: thawing: ${(e as Error).message}`);
    }
  });
  killPoint('delete:killed');
  trace(`delete: removing cgroups ${(s.cgroupCreated ?? []).join(' ') || '(none made by create)'}`);
  for (const w of removeCgroups(s.cgroupCreated ?? [], s.cgroupPaths ?? [])) g.warn?.(w);
  killPoint('delete:cgroups');
  trace('delete: removing the state directory');
  removeStateDir(g.root, s.id, ownStartTime(), () => killPoint('delete:state-renamed'));
  if (!s.creator && s.spec?.hooks?.poststop?.length) trace(`delete: running ${s.spec.hooks.poststop.length} poststop hook(s)`);
  // poststop hooks belong to containers that were created; not to a create killed half-way
  if (!s.creator && s.spec) for (const w of runHooksWarn(s.spec.hooks?.poststop, 'poststop', JSON.stringify(publicState(s, 'stopped', 0)))) g.warn?.(w);
}

/** How long delete waits for a lock held by another start or delete (they hold it briefly). */
const LOCK_WAIT_MS = 10000;

/**
 * Take the container's lock. A create holds it until it returns; a create that hangs (a prestart
 * hook without timeout) must not hang delete: with --force its process and what it started
 * (hooks, the init) are killed, which releases the lock; without, delete fails at once.
 */
function lockForDelete(g: GlobalOptions, id: string, fd: number, force: boolean): void {
  if (native().flock(fd, LOCK_EX | LOCK_NB)) return;
  let s: SavedState | undefined;
  try {
    s = readState(g.root, id);
  } catch {
    /* unreadable: whoever holds the lock is waited for below */
  }
  if (s && creatorAlive(s)) {
    if (!force) throw new StateError(`cannot delete container ${id} that is not stopped: creating (oci-ts create, pid ${s.creator!.pid}, has not finished; delete --force stops it)`);
    const tree = processTree(s.creator!.pid).filter((p) => p.pid !== s!.creator!.pid);
    signalProcess(s.creator!.pid, s.creator!.startTime, 9);
    for (const p of tree) signalProcess(p.pid, p.startTime, 9);
    g.warn?.(`container ${id}: killed the create still running (pid ${s.creator!.pid})`);
  }
  const deadline = Date.now() + LOCK_WAIT_MS;
  while (!native().flock(fd, LOCK_EX | LOCK_NB)) {
    if (Date.now() > deadline) throw new StateError(`container ${id} is locked by another oci-ts process that does not finish: try again`);
    sleepSync(2);
  }
}

/**
 * A state.json that cannot be read: delete --force removes what it can find. The fields that could
 * be read (its cgroups, its init) are acted on; with nothing readable, the default cgroup
 * directories of the id are removed if they are empty (rmdir refuses a cgroup with processes).
 */
function salvage(g: GlobalOptions, id: string, e: UnreadableStateError): SavedState {
  const p = e.partial;
  let cgroupCreated = p.cgroupCreated ?? [];
  let cgroupPaths = p.cgroupPaths ?? [];
  if (!p.cgroupPaths) {
    try {
      cgroupPaths = resolveCgroupDirs(detectCgroups(), defaultCgroupsPath(id));
      cgroupCreated = cgroupPaths.filter((d) => fs.existsSync(d));
    } catch {
      /* no cgroups here */
    }
  }
  g.warn?.(`${e.message}: removing what can be found`);
  return {
    ociVersion: '',
    id,
    pid: p.pid ?? 0,
    startTime: p.startTime ?? '',
    bundle: '',
    rootfs: '',
    created: '',
    owner: '',
    cgroupPaths,
    cgroupCreated,
    namespaces: p.namespaces,
    spec: p.spec as SavedState['spec'],
    creator: p.creator ?? { pid: 0, startTime: '' }, // no poststop hooks for a container we cannot read
  };
}

export async function deleteContainer(g: GlobalOptions, id: string, force: boolean): Promise<void> {
  checkId(id);
  sweepStale(g.root, liveStartTime);
  let fd: number;
  try {
    fd = fs.openSync(stateDir(g.root, id), fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw e;
    if (force) return;
    throw new StateError(`container ${id} does not exist`);
  }
  try {
    lockForDelete(g, id, fd, force);
    killPoint('delete:locked');
    let s: SavedState;
    try {
      s = readState(g.root, id);
    } catch (e) {
      if (e instanceof UnreadableStateError && !force) throw new StateError(`${e.message} (delete --force removes what can be found)`);
      if (!(e instanceof StateError) || !force) throw e;
      if (!(e instanceof UnreadableStateError)) return; // removed meanwhile by another delete
      s = salvage(g, id, e);
    }
    const status = deriveStatus(g.root, s);
    if ((status === 'running' || status === 'paused' || status === 'creating') && !force) {
      throw new StateError(`cannot delete container ${id} that is not stopped: ${status}`);
    }
    destroy(g, s);
  } finally {
    fs.closeSync(fd);
  }
}

