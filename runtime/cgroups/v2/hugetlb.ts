/**
 * cgroup v2 hugetlb controller (runc libcontainer/cgroups/fs2/hugetlb.go).
 *
 * Consumes /linux/resources/hugepageLimits[i] {pageSize, limit}:
 *   → hugetlb.<pageSize>.max, and hugetlb.<pageSize>.rsvd.max when the kernel has it
 */
import { Resources } from '../../spec/types';
import { Writer } from '../writer';
import { applyHugetlb } from '../v1/hugetlb';

export function apply(dir: string, r: Resources, w: Writer): void {
  applyHugetlb(dir, r, w, '.max');
}
