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
import { readText, readU, Stats } from '../statfiles';

export function apply(dir: string, r: Resources, w: Writer): void {
  const c = cpuOf(r);
  if (c.cpus) w.write(dir, 'cpuset.cpus', c.cpus, `${RES}/cpu/cpus`);
  if (c.mems) w.write(dir, 'cpuset.mems', c.mems, `${RES}/cpu/mems`);
}

/** "0-2,4" → [0, 1, 2, 4] (runc getCpusetStat). */
export function cpuList(text: string | undefined): number[] {
  const out: number[] = [];
  for (const part of (text ?? '').trim().split(',').filter(Boolean)) {
    const [a, b] = part.split('-').map(Number);
    for (let i = a; i <= (b ?? a); i++) out.push(i);
  }
  return out;
}

/** runc fs CpusetGroup.GetStats: the lists and the cpuset flags. */
export function stats(dir: string, s: Stats): void {
  const c = s.cpuset;
  c.cpus = cpuList(readText(dir, 'cpuset.cpus'));
  c.mems = cpuList(readText(dir, 'cpuset.mems'));
  c.cpu_exclusive = readU(dir, 'cpuset.cpu_exclusive');
  c.mem_hardwall = readU(dir, 'cpuset.mem_hardwall');
  c.mem_exclusive = readU(dir, 'cpuset.mem_exclusive');
  c.memory_migrate = readU(dir, 'cpuset.memory_migrate');
  c.memory_spread_page = readU(dir, 'cpuset.memory_spread_page');
  c.memory_spread_slab = readU(dir, 'cpuset.memory_spread_slab');
  c.memory_pressure = readU(dir, 'cpuset.memory_pressure');
  c.sched_load_balance = readU(dir, 'cpuset.sched_load_balance');
  const level = (readText(dir, 'cpuset.sched_relax_domain_level') ?? '0').trim();
  c.sched_relax_domain_level = /^-?\d+$/.test(level) ? BigInt(level) : 0n;
}
