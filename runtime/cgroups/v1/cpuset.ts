/**
 * cgroup v1 cpuset controller (runc libcontainer/cgroups/fs/cpuset.go). manager.ts already copied
 * the parent's cpus/mems into new directories (a v1 cpuset cannot take tasks while empty).
 *
 * Consumes /linux/resources/cpu:
 *   cpus → cpuset.cpus
 *   mems → cpuset.mems
 */
import { Resources } from '../../spec/types';
import { cpuOf, RES, Writer } from '../writer';

export function apply(dir: string, r: Resources, w: Writer): void {
  const c = cpuOf(r);
  if (c.cpus) w.write(dir, 'cpuset.cpus', c.cpus, `${RES}/cpu/cpus`);
  if (c.mems) w.write(dir, 'cpuset.mems', c.mems, `${RES}/cpu/mems`);
}
