/**
 * cgroup v1 rdma controller (runc fscommon/rdma.go, shared by v1 and v2: the same file and format).
 *
 * Consumes /linux/resources/rdma/<device> {hcaHandles, hcaObjects}:
 *   → rdma.max "<device> hca_handle=N hca_object=M"
 */
import { Resources } from '../../spec/types';
import { rdmaLine, rdmaOf, RES, Writer } from '../writer';

export function apply(dir: string, r: Resources, w: Writer): void {
  for (const [dev, l] of Object.entries(rdmaOf(r))) {
    w.write(dir, 'rdma.max', rdmaLine(dev, l), `${RES}/rdma/${dev.replace(/~/g, '~0').replace(/\//g, '~1')}`);
  }
}
