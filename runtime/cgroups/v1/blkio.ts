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
import { BlkioEntry, BlkioKey, readText, Stats } from '../statfiles';

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

/** "8:0 Read 123" / "8:0 123" lines; "Total N" is skipped (runc getBlkioStat). */
function statFile(dir: string, file: string): BlkioEntry[] {
  const out: BlkioEntry[] = [];
  for (const line of (readText(dir, file) ?? '').split('\n')) {
    const f = line.split(/[\s:]+/).filter(Boolean);
    if (f.length < 3 || !/^\d+$/.test(f[0]) || !/^\d+$/.test(f[1])) continue;
    const [op, value] = f.length >= 4 ? [f[2], f[3]] : ['', f[2]];
    if (/^\d+$/.test(value)) out.push({ major: BigInt(f[0]), minor: BigInt(f[1]), op, value: BigInt(value) });
  }
  return out;
}

/** stat field → file suffix, for the CFQ (blkio.*) and BFQ (blkio.bfq.*) schedulers. */
const FILES: [BlkioKey, string][] = [
  ['sectorsRecursive', 'sectors_recursive'],
  ['ioServiceTimeRecursive', 'io_service_time_recursive'],
  ['ioWaitTimeRecursive', 'io_wait_time_recursive'],
  ['ioMergedRecursive', 'io_merged_recursive'],
  ['ioQueueRecursive', 'io_queued_recursive'],
  ['ioTimeRecursive', 'time_recursive'],
  ['ioServicedRecursive', 'io_serviced_recursive'],
  ['ioServiceBytesRecursive', 'io_service_bytes_recursive'],
];

/**
 * runc fs BlkioGroup.GetStats: the BFQ files when they have entries, else CFQ's, else the
 * throttle layer's two (bytes and ios), which every kernel has.
 */
export function stats(dir: string, s: Stats): void {
  for (const prefix of ['blkio.bfq.', 'blkio.']) {
    if (!statFile(dir, `${prefix}io_serviced_recursive`).length) continue;
    for (const [key, suffix] of FILES) s.blkio[key] = statFile(dir, prefix + suffix);
    return;
  }
  s.blkio.ioServicedRecursive = statFile(dir, 'blkio.throttle.io_serviced_recursive');
  s.blkio.ioServiceBytesRecursive = statFile(dir, 'blkio.throttle.io_service_bytes_recursive');
}
