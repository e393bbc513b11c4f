/**
 * Which processes belong to a container: the ONE answer that delete, `delete --force` and the undo
 * of a failed create act on (kill --all and ps keep runc's "every process of the cgroup").
 *
 * A cgroup is not proof of ownership: two containers may be given the same cgroupsPath, and a
 * cgroupsPath may name an existing cgroup that holds host processes. So a process is the
 * container's when it is its init (pid and start time), or when it is in the container's cgroups
 * (any hierarchy, child cgroups too), started no earlier than the init, and shares the container's
 * most specific private namespace: its pid namespace if it has one (exec'd processes join it),
 * else its mount namespace, else another one it made. A container that made no namespace of its
 * own owns its init and the init's descendants.
 */
import fs = require('fs');
import { SavedState } from '../state/store';
import { Spec } from '../spec/types';
import { procStat } from '../state/status';
import { cgroupPids } from '../cgroups/manager';
import { signalProcess, isGone } from './signal';
import { sleepSync } from '../sleep';

/** Most specific first: the first one the container made decides. */
const NS_ORDER = ['pid', 'mount', 'ipc', 'uts', 'network', 'user', 'time'] as const;
const NS_FILE: Record<string, string> = { pid: 'pid', mount: 'mnt', ipc: 'ipc', uts: 'uts', network: 'net', user: 'user', time: 'time' };

/** The namespaces `spec` makes for the container (listed without a path). */
export function privateNamespaces(spec: Spec | undefined): string[] {
  const ns = spec?.linux?.namespaces ?? [];
  return NS_ORDER.filter((t) => ns.some((n) => n.type === t && !n.path));
}

/** The init's namespace links for the namespaces the container made (recorded in state.json at create). */
export function readNamespaces(pid: number, spec: Spec | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of privateNamespaces(spec)) {
    try {
      out[t] = fs.readlinkSync(`/proc/${pid}/ns/${NS_FILE[t]}`);
    } catch {
      /* the init is gone: nothing recorded */
    }
  }
  return out;
}

export interface Owned {
  pid: number;
  startTime: string;
}

function parentOf(pid: number): number {
  return procStat(pid)?.ppid ?? 0;
}

/** The fields of a (possibly partial) saved state that ownership needs. */
export type OwnerFacts = Pick<SavedState, 'pid' | 'startTime' | 'cgroupPaths'> & Partial<Pick<SavedState, 'namespaces' | 'spec'>>;

/** The live processes that belong to the container `s` (see the file comment). */
export function containerProcesses(s: OwnerFacts): Owned[] {
  const out: Owned[] = [];
  const init = s.pid > 0 ? procStat(s.pid) : undefined;
  const initAlive = !!init && init.state !== 'Z' && init.startTime === s.startTime;
  if (initAlive) out.push({ pid: s.pid, startTime: s.startTime });
  const since = Number(s.startTime || 0);
  const kind = privateNamespaces(s.spec).find((t) => s.namespaces?.[t]);
  for (const pid of cgroupPids(s.cgroupPaths ?? [], true)) {
    if (pid === s.pid && initAlive) continue;
    const st = procStat(pid);
    if (!st || st.state === 'Z' || !s.startTime || Number(st.startTime) < since) continue;
    let mine: boolean;
    if (kind) {
      try {
        mine = fs.readlinkSync(`/proc/${pid}/ns/${NS_FILE[kind]}`) === s.namespaces![kind];
      } catch {
        mine = false;
      }
    } else {
      // no namespace of its own: the init's descendants (while the init lives)
      mine = false;
      for (let p = parentOf(pid), n = 0; initAlive && p > 1 && n < 64; p = parentOf(p), n++) {
        if (p === s.pid) {
          mine = true;
          break;
        }
      }
    }
    if (mine) out.push({ pid, startTime: st.startTime });
  }
  return out;
}

/**
 * SIGKILL every process of the container and wait (up to timeoutMs) until they are gone. Each
 * signal goes through a pidfd checked against the start time, so a recycled pid is never hit.
 * Repeated while new ones appear (a fork racing the kill).
 */
export function killContainer(s: OwnerFacts, timeoutMs = 10000, afterSignal?: () => void): void {
  const deadline = Date.now() + timeoutMs;
  for (let round = 0; round < 10; round++) {
    const procs = containerProcesses(s);
    if (!procs.length) return;
    for (const p of procs) signalProcess(p.pid, p.startTime, 9);
    // a frozen process takes its SIGKILL only once thawed (delete --force of a paused container)
    afterSignal?.();
    // a killed process is usually gone within a millisecond: poll soon at first, then every 2 ms
    for (let wait = 0.25; procs.some((p) => !isGone(p.pid)) && Date.now() < deadline; wait = Math.min(wait * 2, 2)) sleepSync(wait);
    if (Date.now() >= deadline) return;
  }
}

/** A process and all its descendants (a stuck create: the runtime, its hooks, the init helper). */
export function processTree(pid: number): Owned[] {
  const children = new Map<number, number[]>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pp = parentOf(Number(name));
    if (!children.has(pp)) children.set(pp, []);
    children.get(pp)!.push(Number(name));
  }
  const out: Owned[] = [];
  const walk = (p: number): void => {
    const st = procStat(p);
    if (!st) return;
    out.push({ pid: p, startTime: st.startTime });
    for (const c of children.get(p) ?? []) walk(c);
  };
  walk(pid);
  return out;
}
