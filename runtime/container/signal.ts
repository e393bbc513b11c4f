/** Signalling a container's processes without racing pid reuse. */
import fs = require('fs');
import { native } from '../native';
import { procStat } from '../state/status';
import { sleepSync } from '../sleep';


/**
 * Send `signal` to the process that has this pid AND this start time. The pidfd pins the process:
 * checking the start time after opening it proves the fd names the container's init, not a
 * process that got the recycled pid. Returns false when the process is gone.
 */
export function signalProcess(pid: number, startTime: string | undefined, signal: number): boolean {
  let pidfd: number;
  try {
    pidfd = native().pidfdOpen(pid);
  } catch {
    return false;
  }
  try {
    const st = procStat(pid);
    if (!st || st.state === 'Z' || (startTime !== undefined && st.startTime !== startTime)) return false;
    native().pidfdSendSignal(pidfd, signal);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw e;
  } finally {
    fs.closeSync(pidfd);
  }
}

export function isGone(pid: number): boolean {
  const st = procStat(pid);
  return !st || st.state === 'Z' || st.state === 'X';
}

/** SIGKILL each pid and wait (up to timeoutMs) until none is running any more. */
export function killAndWait(pids: number[], timeoutMs = 10000): void {
  pids = pids.filter((p) => p > 0); // pid 0 (a container still being created) is never a target
  for (const p of pids) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  const deadline = Date.now() + timeoutMs;
  while (pids.some((p) => !isGone(p)) && Date.now() < deadline) sleepSync(2);
}
