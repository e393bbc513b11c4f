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

/** [state letter, parent pid, start time] from /proc/PID/stat, or undefined when there is no such process. */
export function procStat(pid: number): { state: string; ppid: number; startTime: string } | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // comm may contain spaces and parentheses: fields start after the last ')'
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: rest[0], ppid: Number(rest[1]), startTime: rest[19] };
}

/** This process's start time (names its `~` directories under --root). */
export function ownStartTime(): string {
  return procStat(process.pid)?.startTime ?? '0';
}

/** The start time of a live (not zombie) process, for sweeping `~` directories. */
export function liveStartTime(pid: number): string | undefined {
  const st = procStat(pid);
  return st && st.state !== 'Z' ? st.startTime : undefined;
}

/** The create that is making `s` still runs. */
export function creatorAlive(s: SavedState): boolean {
  if (!s.creator) return false;
  const st = procStat(s.creator.pid);
  return !!st && st.state !== 'Z' && st.startTime === s.creator.startTime;
}

/**
 * The init has not exec'd the container's program yet: it still runs from the sealed copy of
 * oci-ts-init (a start killed after releasing it, before removing exec.fifo, leaves the fifo of a
 * running container).
 */
function initWaiting(pid: number): boolean {
  try {
    return fs.readlinkSync(`/proc/${pid}/exe`).startsWith('/memfd:oci-ts-init');
  } catch {
    return true; /* cannot tell: trust the fifo */
  }
}

export function initAlive(s: SavedState): boolean {
  if (!s.pid) return false;
  const st = procStat(s.pid);
  return !!st && st.state !== 'Z' && st.state !== 'X' && st.startTime === s.startTime;
}

export function deriveStatus(root: string, s: SavedState): Status {
  // create has not finished: creating while its process lives, else it was killed (stopped)
  if (s.creator) return creatorAlive(s) ? 'creating' : 'stopped';
  if (!initAlive(s)) return 'stopped';
  // frozen before created, as runc's refreshState: a created container can be paused too
  if (isFrozen(s.cgroupPaths)) return 'paused';
  return fs.existsSync(fifoPath(root, s.id)) && initWaiting(s.pid) ? 'created' : 'running';
}
