/**
 * cgroup v2 hugetlb controller (runc libcontainer/cgroups/fs2/hugetlb.go).
 *
 * Consumes /linux/resources/hugepageLimits[i] {pageSize, limit}:
 *   → hugetlb.<pageSize>.max, and hugetlb.<pageSize>.rsvd.max when the kernel has it
 */
import { Resources } from '../../spec/types';
import { Writer } from '../writer';
import { applyHugetlb } from '../v1/hugetlb';
import { hugePageSizes, readKV, readText, readU, Stats } from '../statfiles';

export function apply(dir: string, r: Resources, w: Writer): void {
  applyHugetlb(dir, r, w, '.max');
}

/** runc fs2 statHugeTlb: hugetlb.<size>.current, failcnt from hugetlb.<size>.events "max". */
export function stats(dir: string, s: Stats): void {
  for (const size of hugePageSizes()) {
    const p = `hugetlb.${size}`;
    if (readText(dir, `${p}.current`) === undefined) continue;
    s.hugetlb[size] = { usage: readU(dir, `${p}.current`), max: 0n, failcnt: readKV(dir, `${p}.events`).max ?? 0n };
  }
}
