/**
 * cgroup v2 rdma controller (runc fscommon/rdma.go: the same rdma.max file and format as v1).
 *
 * Consumes /linux/resources/rdma/<device> {hcaHandles, hcaObjects} → rdma.max
 */
export { apply } from '../v1/rdma';
