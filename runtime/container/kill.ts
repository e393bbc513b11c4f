/**
 * kill (runtime.md "kill", runc kill): signal the init, or with --all every process in the
 * container's cgroups. A stopped container is an error ("container not running"), as in runc;
 * with --all it is not (runc 1.1 signals whatever is left in the cgroup, and exits 0).
 */
import { GlobalOptions } from './api';
import { StateError } from '../errors';
import { readState } from '../state/store';
import { deriveStatus } from '../state/status';
import { cgroupPids } from '../cgroups/manager';
import { setFrozen } from '../cgroups/freezer';
import { signalProcess } from './signal';

export async function kill(g: GlobalOptions, id: string, signal: number, all: boolean): Promise<void> {
  const s = readState(g.root, id);
  const status = deriveStatus(g.root, s);
  if (all) return signalAll(g, s.cgroupPaths, signal);
  if (status === 'stopped') throw new StateError('container not running');
  if (!signalProcess(s.pid, s.startTime, signal)) throw new StateError('container not running');
}

/**
 * runc signalAllProcesses: freeze the cgroup so that no process forks past the signal, signal
 * every pid, then thaw, so that the signal is delivered (a paused container ends up thawed too,
 * as in runc). A cgroup without a freezer is signalled as it is.
 */
function signalAll(g: GlobalOptions, dirs: string[], signal: number): void {
  let frozen = false;
  try {
    frozen = setFrozen(dirs, true);
  } catch (e) {
    g.warn?.(`kill --all: ${(e as Error).message}`);
  }
  try {
    for (const pid of cgroupPids(dirs, true)) {
      try {
        process.kill(pid, signal);
      } catch {
        /* exited meanwhile */
      }
    }
  } finally {
    if (frozen) setFrozen(dirs, false);
  }
}
