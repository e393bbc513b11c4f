/**
 * Status is derived, never trusted from the file (style habit 8): the init is alive when
 * /proc/PID/stat exists, is not a zombie, and has the start time recorded at create (a recycled
 * pid has another); alive and frozen = paused (the freezer: cgroups/freezer.ts); alive with
 * exec.fifo present = created; else running.
 */
import fs = require('fs');
import { SavedState, fifoPath } from './store';
import { isFrozen } from '../cgroups/freezer';

export type Status = 'creating' | 'created' | 'running' | 'paused' | 'stopped';

/** [state letter, start time] from /proc/PID/stat, or undefined when there is no such process. */
export function procStat(pid: number): { state: string; startTime: string } | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // comm may contain spaces and parentheses: fields start after the last ')'
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: rest[0], startTime: rest[19] };
}

export function initAlive(s: SavedState): boolean {
  if (!s.pid) return false;
  const st = procStat(s.pid);
  return !!st && st.state !== 'Z' && st.state !== 'X' && st.startTime === s.startTime;
}

export function deriveStatus(root: string, s: SavedState): Status {
  if (s.creator) {
    // create has not finished: creating while its process lives, else it was killed (stopped)
    const st = procStat(s.creator.pid);
    return st && st.state !== 'Z' && st.startTime === s.creator.startTime ? 'creating' : 'stopped';
  }
  if (!initAlive(s)) return 'stopped';
  // frozen before created, as runc's refreshState: a created container can be paused too
  if (isFrozen(s.cgroupPaths)) return 'paused';
  return fs.existsSync(fifoPath(root, s.id)) ? 'created' : 'running';
}
