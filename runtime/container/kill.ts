/**
 * kill (runtime.md "kill", runc kill): signal the init, or with --all every process in the
 * container's cgroups. A stopped container is an error ("container not running"), as in runc.
 */
import { GlobalOptions } from './api';
import { StateError } from '../errors';
import { readState } from '../state/store';
import { deriveStatus } from '../state/status';
import { cgroupPids } from '../cgroups/manager';
import { signalProcess } from './signal';

export async function kill(g: GlobalOptions, id: string, signal: number, all: boolean): Promise<void> {
  const s = readState(g.root, id);
  const status = deriveStatus(g.root, s);
  if (status === 'stopped') throw new StateError('container not running');
  if (all) {
    for (const pid of cgroupPids(s.cgroupPaths)) {
      try {
        process.kill(pid, signal);
      } catch {
        /* exited meanwhile */
      }
    }
    return;
  }
  if (!signalProcess(s.pid, s.startTime, signal)) throw new StateError('container not running');
}
