/**
 * mounts[] → MOUNT steps. Option names map to flags through tables (runc specconv's mountFlags
 * and mountPropagationMapping); any other option is filesystem data.
 */
import { Mount } from '../spec/types';
import { Op, Step, step } from './types';
import { ConfigError } from '../errors';

export const MS_RDONLY = 0x1;
export const MS_NOSUID = 0x2;
export const MS_NODEV = 0x4;
export const MS_NOEXEC = 0x8;
export const MS_SYNCHRONOUS = 0x10;
export const MS_REMOUNT = 0x20;
export const MS_MANDLOCK = 0x40;
export const MS_DIRSYNC = 0x80;
export const MS_NOSYMFOLLOW = 0x100;
export const MS_NOATIME = 0x400;
export const MS_NODIRATIME = 0x800;
export const MS_BIND = 0x1000;
export const MS_MOVE = 0x2000;
export const MS_REC = 0x4000;
export const MS_SILENT = 0x8000;
export const MS_UNBINDABLE = 0x20000;
export const MS_PRIVATE = 0x40000;
export const MS_SLAVE = 0x80000;
export const MS_SHARED = 0x100000;
export const MS_RELATIME = 0x200000;
export const MS_I_VERSION = 0x800000;
export const MS_STRICTATIME = 0x1000000;
export const MS_LAZYTIME = 0x2000000;

/** option → [clear?, flag]: `clear` options remove the flag (rw clears ro). */
export const MOUNT_FLAGS: Record<string, [boolean, number]> = {
  async: [true, MS_SYNCHRONOUS],
  atime: [true, MS_NOATIME],
  bind: [false, MS_BIND],
  defaults: [false, 0],
  dev: [true, MS_NODEV],
  diratime: [true, MS_NODIRATIME],
  dirsync: [false, MS_DIRSYNC],
  exec: [true, MS_NOEXEC],
  iversion: [false, MS_I_VERSION],
  lazytime: [false, MS_LAZYTIME],
  loud: [true, MS_SILENT],
  mand: [false, MS_MANDLOCK],
  noatime: [false, MS_NOATIME],
  nodev: [false, MS_NODEV],
  nodiratime: [false, MS_NODIRATIME],
  noexec: [false, MS_NOEXEC],
  noiversion: [true, MS_I_VERSION],
  nolazytime: [true, MS_LAZYTIME],
  nomand: [true, MS_MANDLOCK],
  norelatime: [true, MS_RELATIME],
  nostrictatime: [true, MS_STRICTATIME],
  nosuid: [false, MS_NOSUID],
  nosymfollow: [false, MS_NOSYMFOLLOW],
  rbind: [false, MS_BIND | MS_REC],
  relatime: [false, MS_RELATIME],
  remount: [false, MS_REMOUNT],
  ro: [false, MS_RDONLY],
  rw: [true, MS_RDONLY],
  silent: [false, MS_SILENT],
  strictatime: [false, MS_STRICTATIME],
  suid: [true, MS_NOSUID],
  sync: [false, MS_SYNCHRONOUS],
};

export const PROPAGATION_FLAGS: Record<string, number> = {
  private: MS_PRIVATE,
  rprivate: MS_PRIVATE | MS_REC,
  shared: MS_SHARED,
  rshared: MS_SHARED | MS_REC,
  slave: MS_SLAVE,
  rslave: MS_SLAVE | MS_REC,
  unbindable: MS_UNBINDABLE,
  runbindable: MS_UNBINDABLE | MS_REC,
};

/** Options that only matter to other tools (fstab, mount(8) helpers) and are dropped, as runc does. */
const IGNORED_OPTIONS = /^(x-|X-mount\.|tmpcopyup$|notmpcopyup$|_netdev$|nofail$|auto$|noauto$|user$|nouser$|users$|owner$|group$)/;

export interface ParsedOptions {
  flags: number;
  propagation: number[];
  data: string[];
}

export function parseMountOptions(options: string[] = [], pointer = ''): ParsedOptions {
  const out: ParsedOptions = { flags: 0, propagation: [], data: [] };
  options.forEach((o, i) => {
    const f = MOUNT_FLAGS[o];
    if (f) {
      if (f[0]) out.flags &= ~f[1];
      else out.flags |= f[1];
    } else if (o in PROPAGATION_FLAGS) {
      out.propagation.push(PROPAGATION_FLAGS[o]);
    } else if (/^r(ro|rw|nosuid|suid|nodev|dev|noexec|exec|noatime|atime|relatime|norelatime|strictatime|nostrictatime|nodiratime|diratime|nosymfollow|symfollow)$/.test(o)) {
      throw new ConfigError(`${pointer}/options/${i}`, `recursive mount option "${o}" is not supported yet`);
    } else if (o === 'idmap' || o === 'ridmap') {
      throw new ConfigError(`${pointer}/options/${i}`, `"${o}" mounts are not supported yet`);
    } else if (!IGNORED_OPTIONS.test(o)) {
      out.data.push(o);
    }
  });
  return out;
}

export function isBind(m: Mount): boolean {
  return m.type === 'bind' || (m.options ?? []).some((o) => o === 'bind' || o === 'rbind');
}

/** What the host knows that the pure planner needs: is a bind source a directory? */
export interface MountFacts {
  isDirectory(hostPath: string): boolean | undefined;
}

/** Flags a bind mount applies with a second, remounting call (the kernel ignores them on MS_BIND). */
const BIND_REMOUNT_MASK = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME | MS_NOSYMFOLLOW;

export function mountStep(m: Mount, index: number, bundle: string, facts: MountFacts): Step {
  const pointer = `/mounts/${index}`;
  const opts = parseMountOptions(m.options, pointer);
  const dest = m.destination;
  let source = m.source ?? '';
  const propagation = opts.propagation.reduce((a, b) => a | b, 0);
  if (isBind(m)) {
    if (!source) throw new ConfigError(`${pointer}/source`, 'a bind mount needs a source');
    if (!source.startsWith('/')) source = `${bundle}/${source}`;
    const isDir = facts.isDirectory(source);
    if (isDir === undefined) throw new ConfigError(`${pointer}/source`, `bind source "${source}" does not exist`);
    const flags = opts.flags & (MS_BIND | MS_REC);
    const remount = opts.flags & BIND_REMOUNT_MASK;
    return step(Op.MOUNT, [source, dest, '', flags, '', propagation, isDir ? 1 : 2, remount], pointer, `mount ${dest}`);
  }
  const type = m.type ?? '';
  return step(Op.MOUNT, [source || type, dest, type, opts.flags, opts.data.join(','), propagation, 1, 0], pointer, `mount ${dest}`);
}
