/**
 * Status is derived, never trusted from the file (style habit 8): the init is alive when
 * /proc/PID/stat exists, is not a zombie, and has the start time recorded at create (a recycled
 * pid has another); alive with exec.fifo present = created; alive and frozen = paused.
 */
import fs = require('fs');
import { SavedState, fifoPath } from './store';

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

/** The v1 freezer when there is one (one read on the hot `state` path), else cgroup v2's events. */
export function isFrozen(s: SavedState): boolean {
  const v1 = s.cgroupPaths.find((d) => d.includes('/freezer/'));
  const read = (f: string): string => {
    try {
      return fs.readFileSync(f, 'utf8');
    } catch {
      return ''; // no such controller file in this hierarchy
    }
  };
  if (v1) return read(`${v1}/freezer.state`).trim() === 'FROZEN';
  return s.cgroupPaths.some((d) => /^frozen 1$/m.test(read(`${d}/cgroup.events`)));
}

export function deriveStatus(root: string, s: SavedState): Status {
  if (s.creator) {
    // create has not finished: creating while its process lives, else it was killed (stopped)
    const st = procStat(s.creator.pid);
    return st && st.state !== 'Z' && st.startTime === s.creator.startTime ? 'creating' : 'stopped';
  }
  if (!initAlive(s)) return 'stopped';
  if (fs.existsSync(fifoPath(root, s.id))) return 'created';
  return isFrozen(s) ? 'paused' : 'running';
}
