/**
 * cgroup v1 blkio controller (runc libcontainer/cgroups/fs/blkio.go).
 *
 * Consumes /linux/resources/blockIO:
 *   weight                  → blkio.weight (CFQ) or blkio.bfq.weight (BFQ), whichever exists
 *   leafWeight              → blkio.leaf_weight
 *   weightDevice[i]         → blkio.weight_device / blkio.bfq.weight_device "major:minor weight",
 *                             blkio.leaf_weight_device "major:minor leafWeight"
 *   throttle{Read,Write}{Bps,IOPS}Device[i] → blkio.throttle.{read,write}_{bps,iops}_device "major:minor rate"
 */
import { Resources } from '../../spec/types';
import { blockIOOf, RES, ThrottleDevice, Writer } from '../writer';

const P = `${RES}/blockIO`;

export const THROTTLE: [keyof ReturnType<typeof blockIOOf>, string][] = [
  ['throttleReadBpsDevice', 'blkio.throttle.read_bps_device'],
  ['throttleWriteBpsDevice', 'blkio.throttle.write_bps_device'],
  ['throttleReadIOPSDevice', 'blkio.throttle.read_iops_device'],
  ['throttleWriteIOPSDevice', 'blkio.throttle.write_iops_device'],
];

export function apply(dir: string, r: Resources, w: Writer): void {
  const b = blockIOOf(r);
  // runc detectWeightFilenames: BFQ when blkio.weight is absent and blkio.bfq.weight exists.
  const bfq = w.read(dir, 'blkio.weight') === undefined && w.read(dir, 'blkio.bfq.weight') !== undefined;
  const weightFile = bfq ? 'blkio.bfq.weight' : 'blkio.weight';
  const weightDeviceFile = bfq ? 'blkio.bfq.weight_device' : 'blkio.weight_device';
  if (b.weight) w.write(dir, weightFile, String(b.weight), `${P}/weight`);
  if (b.leafWeight) w.write(dir, 'blkio.leaf_weight', String(b.leafWeight), `${P}/leafWeight`);
  (b.weightDevice ?? []).forEach((d, i) => {
    if (d.weight) w.write(dir, weightDeviceFile, `${d.major}:${d.minor} ${d.weight}`, `${P}/weightDevice/${i}/weight`);
    if (d.leafWeight) w.write(dir, 'blkio.leaf_weight_device', `${d.major}:${d.minor} ${d.leafWeight}`, `${P}/weightDevice/${i}/leafWeight`);
  });
  for (const [field, file] of THROTTLE) {
    ((b[field] as ThrottleDevice[] | undefined) ?? []).forEach((d, i) => {
      w.write(dir, file, `${d.major}:${d.minor} ${d.rate}`, `${P}/${field}/${i}`);
    });
  }
}
