/**
 * Status is derived, never trusted from the file (style habit 8). The rules live in ONE place,
 * addon/common/ocistate.c, which the launcher (bin/oci-ts, serving `state`, `start` and `kill`
 * without Node) and the addon both compile: creator recorded → creating while it lives, else
 * stopped; the init not alive (no /proc/PID/stat, zombie or dead, another start time) → stopped;
 * frozen (the container's own freezer, as cgroups/freezer.ts picks it) → paused; exec.fifo present
 * while the init still runs from its sealed oci-ts-init copy → created; else running.
 */
import { SavedState, fifoPath } from './store';
import { native } from '../native';

export type Status = 'creating' | 'created' | 'running' | 'paused' | 'stopped';

/** [state letter, parent pid, start time] from /proc/PID/stat, or undefined when there is no such process. */
export function procStat(pid: number): { state: string; ppid: number; startTime: string } | undefined {
  return native().procStat(pid);
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
  return !!s.creator && native().alive(s.creator.pid, s.creator.startTime);
}

export function initAlive(s: SavedState): boolean {
  return !!s.pid && native().alive(s.pid, s.startTime);
}

export function deriveStatus(root: string, s: SavedState): Status {
  return native().deriveStatus(fifoPath(root, s.id), s.pid, s.startTime, s.creator ? s.creator.pid : -1, s.creator ? s.creator.startTime : '', s.cgroupPaths);
}
