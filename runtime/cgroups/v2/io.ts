/**
 * cgroup v2 io controller (runc libcontainer/cgroups/fs2/io.go).
 *
 * Consumes /linux/resources/blockIO:
 *   weight          → io.bfq.weight (BFQ, same 10..1000 scale) when present, else io.weight converted
 *                     from [10, 1000] to [1, 10000] (runc ConvertBlkIOToIOWeightValue)
 *   weightDevice[i] → io.bfq.weight "major:minor weight" (only with BFQ per-device weights)
 *   throttleReadBpsDevice[i]   → io.max "major:minor rbps=N"
 *   throttleWriteBpsDevice[i]  → io.max "major:minor wbps=N"
 *   throttleReadIOPSDevice[i]  → io.max "major:minor riops=N"
 *   throttleWriteIOPSDevice[i] → io.max "major:minor wiops=N"
 *   leafWeight, weightDevice[i].leafWeight: no v2 equivalent; warned and ignored
 */
import { Resources } from '../../spec/types';
import { blockIOOf, RES, ThrottleDevice, Writer } from '../writer';
import { BlkioKey, readText, Stats } from '../statfiles';

const P = `${RES}/blockIO`;

export function blkioToIoWeight(w: number): number {
  return w === 0 ? 0 : 1 + Math.floor(((w - 10) * 9999) / 990);
}

const MAX: [keyof ReturnType<typeof blockIOOf>, string][] = [
  ['throttleReadBpsDevice', 'rbps'],
  ['throttleWriteBpsDevice', 'wbps'],
  ['throttleReadIOPSDevice', 'riops'],
  ['throttleWriteIOPSDevice', 'wiops'],
];

export function apply(dir: string, r: Resources, w: Writer): void {
  const b = blockIOOf(r);
  const bfq = w.read(dir, 'io.bfq.weight');
  if (b.weight) {
    if (bfq !== undefined) w.write(dir, 'io.bfq.weight', String(b.weight), `${P}/weight`);
    else w.write(dir, 'io.weight', String(blkioToIoWeight(b.weight)), `${P}/weight`);
  }
  // io.bfq.weight reads "default N" (with per-device lines) on kernels that take per-device weights.
  const perDevice = bfq !== undefined && !/^\s*\d+\s*$/.test(bfq);
  (b.weightDevice ?? []).forEach((d, i) => {
    if (!d.weight) return;
    if (perDevice) w.write(dir, 'io.bfq.weight', `${d.major}:${d.minor} ${d.weight}`, `${P}/weightDevice/${i}/weight`);
    else w.warn(`${P}/weightDevice/${i}: per-device weights need BFQ on cgroup v2; ignored`);
  });
  if (b.leafWeight || (b.weightDevice ?? []).some((d) => d.leafWeight)) w.warn(`${P}/leafWeight: cgroup v2 has no leaf weights; ignored`);
  for (const [field, key] of MAX) {
    ((b[field] as ThrottleDevice[] | undefined) ?? []).forEach((d, i) => {
      w.write(dir, 'io.max', `${d.major}:${d.minor} ${key}=${d.rate}`, `${P}/${field}/${i}`);
    });
  }
}

const IO_STAT: Record<string, [BlkioKey, string]> = {
  rbytes: ['ioServiceBytesRecursive', 'Read'],
  wbytes: ['ioServiceBytesRecursive', 'Write'],
  rios: ['ioServicedRecursive', 'Read'],
  wios: ['ioServicedRecursive', 'Write'],
};

/** runc fs2 statIo: io.stat "8:0 rbytes=1 wbytes=2 rios=3 wios=4 ..." → v1-shaped entries. */
export function stats(dir: string, s: Stats): void {
  for (const line of (readText(dir, 'io.stat') ?? '').split('\n')) {
    const [dev, ...items] = line.trim().split(/\s+/);
    const m = /^(\d+):(\d+)$/.exec(dev ?? '');
    if (!m) continue;
    for (const item of items) {
      const [k, v] = item.split('=');
      const to = IO_STAT[k];
      if (to && /^\d+$/.test(v ?? '')) s.blkio[to[0]].push({ major: BigInt(m[1]), minor: BigInt(m[2]), op: to[1], value: BigInt(v) });
    }
  }
}
