/**
 * events (runc events): one line of JSON per event. `--stats` prints one stats event; otherwise a
 * stats event every interval and an `oom` event for each OOM kill in the container's cgroup,
 * until the container stops (runc ends when its cgroup is gone or empty). A stopped container is
 * runc's `container with id X is not running`.
 *
 * OOM kills are seen by polling the kill counter every 100 ms (v1 memory.oom_control, v2
 * memory.events; cgroups/stats.ts): no eventfd is needed, and a counter does not miss kills that
 * come faster than it is read (each increment is one event).
 */
import { GlobalOptions } from './api';
import { OciError } from '../errors';
import { readState } from '../state/store';
import { deriveStatus } from '../state/status';
import { detectCgroups } from '../cgroups/detect';
import { savedHierarchies } from '../cgroups/manager';
import { encode, oomKillCounter, readStats, statsData } from '../cgroups/stats';

const POLL_MS = 100;

export interface EventsOptions {
  /** stats interval in ms (> 0) */
  intervalMs: number;
  /** one stats event, then exit */
  statsOnly: boolean;
}

export async function events(g: GlobalOptions, id: string, o: EventsOptions, emit: (line: string) => void): Promise<void> {
  const s = readState(g.root, id);
  if (deriveStatus(g.root, s) === 'stopped') throw new OciError(`container with id ${id} is not running`);
  const { layout, dirs } = savedHierarchies(detectCgroups(), s.cgroupPaths);
  const stats = () => emit(encode({ type: 'stats', id, data: statsData(readStats(layout, dirs, s.pid)) }) + '\n');
  if (o.statsOnly) return stats();

  const kills = oomKillCounter(layout, dirs);
  let seen = kills() ?? 0n;
  const checkOom = () => {
    const now = kills();
    if (now === undefined) return;
    for (; seen < now; seen++) emit(encode({ type: 'oom', id }) + '\n');
  };
  await new Promise<void>((resolve) => {
    const tick = setInterval(stats, o.intervalMs);
    const poll = setInterval(() => {
      checkOom();
      if (deriveStatus(g.root, s) !== 'stopped') return;
      checkOom(); // a kill that stopped the container is reported before the end
      clearInterval(tick);
      clearInterval(poll);
      resolve();
    }, POLL_MS);
  });
}
