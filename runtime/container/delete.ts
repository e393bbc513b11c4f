/**
 * delete (runtime.md "delete", runc delete). Follows runc where the spec differs (engine-contract
 * §1.4.5): a created container is killed and removed without --force, since containerd relies on
 * it. A running one needs --force. --force on a missing container succeeds.
 */
import fs = require('fs');
import { GlobalOptions } from './api';
import { StateError } from '../errors';
import { readState, withLock, stateDir, SavedState } from '../state/store';
import { deriveStatus } from '../state/status';
import { cgroupPids, removeCgroups } from '../cgroups/manager';
import { runHooksWarn } from '../hooks/run';
import { killAndWait } from './signal';
import { publicState } from '../state/public';

export function destroy(g: GlobalOptions, s: SavedState): void {
  killAndWait(cgroupPids(s.cgroupPaths));
  removeCgroups(s.cgroupCreated ?? [], s.cgroupPaths);
  fs.rmSync(stateDir(g.root, s.id), { recursive: true, force: true });
  // poststop hooks belong to containers that were created; not to a create killed half-way
  if (!s.creator) for (const w of runHooksWarn(s.spec.hooks?.poststop, 'poststop', JSON.stringify(publicState(s, 'stopped', 0)))) g.warn?.(w);
}

export async function deleteContainer(g: GlobalOptions, id: string, force: boolean): Promise<void> {
  let s: SavedState;
  try {
    s = readState(g.root, id);
  } catch (e) {
    if (force && e instanceof StateError) {
      fs.rmSync(stateDir(g.root, id), { recursive: true, force: true });
      return;
    }
    throw e;
  }
  await withLock(g.root, id, () => {
    const status = deriveStatus(g.root, s);
    if ((status === 'running' || status === 'paused' || status === 'creating') && !force) {
      throw new StateError(`cannot delete container ${id} that is not stopped: ${status}`);
    }
    if (status !== 'stopped') killAndWait([s.pid, ...cgroupPids(s.cgroupPaths)]);
    destroy(g, s);
  });
}
