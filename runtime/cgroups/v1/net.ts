/**
 * cgroup v1 net_cls and net_prio controllers (runc fs/net_cls.go, fs/net_prio.go). They have no v2
 * counterpart; resources.ts refuses the fields when the hierarchy is not mounted.
 *
 * Consumes /linux/resources/network:
 *   classID        → net_cls.classid          (applyNetCls)
 *   priorities[i]  → net_prio.ifpriomap "name priority"   (applyNetPrio)
 */
import { Resources } from '../../spec/types';
import { networkOf, RES, Writer } from '../writer';

const P = `${RES}/network`;

export function applyNetCls(dir: string, r: Resources, w: Writer): void {
  const n = networkOf(r);
  if (n.classID) w.write(dir, 'net_cls.classid', String(n.classID), `${P}/classID`);
}

export function applyNetPrio(dir: string, r: Resources, w: Writer): void {
  (networkOf(r).priorities ?? []).forEach((p, i) => w.write(dir, 'net_prio.ifpriomap', `${p.name} ${p.priority}`, `${P}/priorities/${i}`));
}

/** Both, for a hierarchy that has net_cls and net_prio co-mounted. */
export function apply(dir: string, r: Resources, w: Writer): void {
  applyNetCls(dir, r, w);
  applyNetPrio(dir, r, w);
}
