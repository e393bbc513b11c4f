/**
 * cgroup v1 hugetlb controller (runc libcontainer/cgroups/fs/hugetlb.go).
 *
 * Consumes /linux/resources/hugepageLimits[i] {pageSize, limit}:
 *   → hugetlb.<pageSize>.limit_in_bytes, and hugetlb.<pageSize>.rsvd.limit_in_bytes when the kernel
 *     has reservation accounting (5.7+); a page size the kernel does not have fails the write (ENOENT).
 */
import { Resources } from '../../spec/types';
import { errnoOf, RES, Writer } from '../writer';
import { hugePageSizes, readText, readU, Stats } from '../statfiles';

/** Shared by v1 and v2 (suffix '.limit_in_bytes' or '.max'). */
export function applyHugetlb(dir: string, r: Resources, w: Writer, suffix: string): void {
  let skipRsvd = false;
  (r.hugepageLimits ?? []).forEach((l, i) => {
    const prefix = `hugetlb.${l.pageSize}`;
    const p = `${RES}/hugepageLimits/${i}`;
    w.write(dir, prefix + suffix, String(l.limit), p);
    if (skipRsvd) return;
    try {
      w.write(dir, `${prefix}.rsvd${suffix}`, String(l.limit), p);
    } catch (e) {
      if (errnoOf(e) !== 'ENOENT') throw e;
      skipRsvd = true;
    }
  });
}

export function apply(dir: string, r: Resources, w: Writer): void {
  applyHugetlb(dir, r, w, '.limit_in_bytes');
}

/** Per page size: usage, peak and failcnt (v1 names; v2/hugetlb.ts has its own). */
export function stats(dir: string, s: Stats): void {
  for (const size of hugePageSizes()) {
    const p = `hugetlb.${size}`;
    if (readText(dir, `${p}.usage_in_bytes`) === undefined) continue;
    s.hugetlb[size] = { usage: readU(dir, `${p}.usage_in_bytes`), max: readU(dir, `${p}.max_usage_in_bytes`), failcnt: readU(dir, `${p}.failcnt`) };
  }
}
