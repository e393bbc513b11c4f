/**
 * cgroup v1 hugetlb controller (runc libcontainer/cgroups/fs/hugetlb.go).
 *
 * Consumes /linux/resources/hugepageLimits[i] {pageSize, limit}:
 *   → hugetlb.<pageSize>.limit_in_bytes, and hugetlb.<pageSize>.rsvd.limit_in_bytes when the kernel
 *     has reservation accounting (5.7+); a page size the kernel does not have fails the write (ENOENT).
 */
import { Resources } from '../../spec/types';
import { errnoOf, RES, Writer } from '../writer';

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
