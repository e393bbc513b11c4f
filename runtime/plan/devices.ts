/**
 * Device nodes: runc's default set (libcontainer/specconv AllowedDevices), then linux.devices, then
 * the /dev symlinks. In a user namespace mknod is not allowed, so nodes are bind mounts of the
 * host's (runc does the same).
 */
import { Device } from '../spec/types';
import { Op, Step, step } from './types';
import { table } from '../table';

const S_IFIFO = 0o010000;
const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;

export const DEVICE_TYPE_MODE: Readonly<Record<string, number>> = table({ c: S_IFCHR, u: S_IFCHR, b: S_IFBLK, p: S_IFIFO });

export const DEFAULT_DEVICES: Device[] = [
  { path: '/dev/null', type: 'c', major: 1, minor: 3, fileMode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/zero', type: 'c', major: 1, minor: 5, fileMode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/full', type: 'c', major: 1, minor: 7, fileMode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/tty', type: 'c', major: 5, minor: 0, fileMode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/random', type: 'c', major: 1, minor: 8, fileMode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/urandom', type: 'c', major: 1, minor: 9, fileMode: 0o666, uid: 0, gid: 0 },
];

export const DEV_SYMLINKS: [string, string][] = [
  ['/proc/self/fd', '/dev/fd'],
  ['/proc/self/fd/0', '/dev/stdin'],
  ['/proc/self/fd/1', '/dev/stdout'],
  ['/proc/self/fd/2', '/dev/stderr'],
];

export function deviceSteps(devices: Device[] | undefined, inUserns: boolean): Step[] {
  const steps: Step[] = [];
  const configured = new Set((devices ?? []).map((d) => d.path));
  const all: [Device, string][] = [
    ...DEFAULT_DEVICES.filter((d) => !configured.has(d.path)).map((d): [Device, string] => [d, '']),
    ...(devices ?? []).map((d, i): [Device, string] => [d, `/linux/devices/${i}`]),
  ];
  for (const [d, pointer] of all) {
    if (inUserns) {
      steps.push(step(Op.BIND_DEV, [d.path, d.path], pointer, `bind device ${d.path}`));
      continue;
    }
    const mode = DEVICE_TYPE_MODE[d.type] | ((d.fileMode ?? 0o666) & 0o7777);
    steps.push(step(Op.MKNOD, [d.path, mode, d.major ?? 0, d.minor ?? 0, d.uid ?? 0, d.gid ?? 0], pointer, `mknod ${d.path}`));
  }
  for (const [target, link] of DEV_SYMLINKS) steps.push(step(Op.SYMLINK, [target, link], '', `symlink ${link}`));
  return steps;
}
