/**
 * mounts[] → MOUNT steps. Option names map to flags through tables (runc specconv's mountFlags
 * and mountPropagationMapping); any other option is filesystem data.
 */
import { Mount } from '../spec/types';
import { Op, Step, step } from './types';
import { ConfigError } from '../errors';
import { table } from '../table';

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
export const MOUNT_FLAGS: Readonly<Record<string, [boolean, number]>> = table({
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
});

export const PROPAGATION_FLAGS: Readonly<Record<string, number>> = table({
  private: MS_PRIVATE,
  rprivate: MS_PRIVATE | MS_REC,
  shared: MS_SHARED,
  rshared: MS_SHARED | MS_REC,
  slave: MS_SLAVE,
  rslave: MS_SLAVE | MS_REC,
  unbindable: MS_UNBINDABLE,
  runbindable: MS_UNBINDABLE | MS_REC,
});

/** Options that only matter to other tools (fstab, mount(8) helpers) and are dropped, as runc does. */
const IGNORED_OPTIONS = /^(x-|X-mount\.|tmpcopyup$|notmpcopyup$|_netdev$|nofail$|auto$|noauto$|user$|nouser$|users$|owner$|group$)/;

export const MOUNT_ATTR_RDONLY = 0x1;
export const MOUNT_ATTR_NOSUID = 0x2;
export const MOUNT_ATTR_NODEV = 0x4;
export const MOUNT_ATTR_NOEXEC = 0x8;
export const MOUNT_ATTR__ATIME = 0x70;
export const MOUNT_ATTR_RELATIME = 0x0;
export const MOUNT_ATTR_NOATIME = 0x10;
export const MOUNT_ATTR_STRICTATIME = 0x20;
export const MOUNT_ATTR_NODIRATIME = 0x80;
export const MOUNT_ATTR_NOSYMFOLLOW = 0x200000;

/** Recursive options (runtime-spec config.md, mount_setattr(2)): option → [clear?, MOUNT_ATTR_*]. */
export const RECURSIVE_FLAGS: Readonly<Record<string, [boolean, number]>> = table({
  rro: [false, MOUNT_ATTR_RDONLY],
  rrw: [true, MOUNT_ATTR_RDONLY],
  rnosuid: [false, MOUNT_ATTR_NOSUID],
  rsuid: [true, MOUNT_ATTR_NOSUID],
  rnodev: [false, MOUNT_ATTR_NODEV],
  rdev: [true, MOUNT_ATTR_NODEV],
  rnoexec: [false, MOUNT_ATTR_NOEXEC],
  rexec: [true, MOUNT_ATTR_NOEXEC],
  rnodiratime: [false, MOUNT_ATTR_NODIRATIME],
  rdiratime: [true, MOUNT_ATTR_NODIRATIME],
  rrelatime: [false, MOUNT_ATTR_RELATIME],
  rnorelatime: [true, MOUNT_ATTR_RELATIME],
  rnoatime: [false, MOUNT_ATTR_NOATIME],
  ratime: [true, MOUNT_ATTR_NOATIME],
  rstrictatime: [false, MOUNT_ATTR_STRICTATIME],
  rnostrictatime: [true, MOUNT_ATTR_STRICTATIME],
  rnosymfollow: [false, MOUNT_ATTR_NOSYMFOLLOW],
  rsymfollow: [true, MOUNT_ATTR_NOSYMFOLLOW],
});

const ATIME_OPTIONS = new Set(['rrelatime', 'rnorelatime', 'rnoatime', 'ratime', 'rstrictatime', 'rnostrictatime']);

export interface ParsedOptions {
  flags: number;
  propagation: number[];
  data: string[];
  /** mount_setattr(AT_RECURSIVE) attributes to set and clear after the mount */
  recSet: number;
  recClr: number;
  /** 'idmap' or 'ridmap' when asked for */
  idmap?: 'idmap' | 'ridmap';
}

export function parseMountOptions(options: string[] = [], pointer = ''): ParsedOptions {
  const out: ParsedOptions = { flags: 0, propagation: [], data: [], recSet: 0, recClr: 0 };
  options.forEach((o) => {
    const f = MOUNT_FLAGS[o];
    const r = RECURSIVE_FLAGS[o];
    if (f) {
      if (f[0]) out.flags &= ~f[1];
      else out.flags |= f[1];
    } else if (o in PROPAGATION_FLAGS) {
      out.propagation.push(PROPAGATION_FLAGS[o]);
    } else if (r) {
      if (ATIME_OPTIONS.has(o)) out.recClr |= MOUNT_ATTR__ATIME;
      if (r[0]) {
        out.recClr |= r[1];
        out.recSet &= ~r[1];
      } else {
        out.recSet |= r[1];
        out.recClr &= ~r[1] | (ATIME_OPTIONS.has(o) ? MOUNT_ATTR__ATIME : 0);
      }
    } else if (o === 'idmap' || o === 'ridmap') {
      out.idmap = o;
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
  /** linux.mountLabel when SELinux can apply it (else undefined, and assemble.ts warns) */
  mountLabel?: string;
}

/** File systems that take an SELinux context= option from linux.mountLabel (runc: all but these). */
const NO_CONTEXT_TYPES = new Set(['proc', 'sysfs', 'cgroup', 'cgroup2', 'bind']);

/** Flags a bind mount applies with a second, remounting call (the kernel ignores them on MS_BIND). */
const BIND_REMOUNT_MASK = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME | MS_NOSYMFOLLOW;

/** An idmapped mount needs a user namespace with the mount's mappings: a FileRef the launcher makes. */
export interface IdmapRequest {
  uid: string;
  gid: string;
}

export function mappingText(m: { containerID: number; hostID: number; size: number }[]): string {
  return m.map((x) => `${x.containerID} ${x.hostID} ${x.size}\n`).join('');
}

/**
 * `treeFile`: given with a new user namespace. A bind source is then opened by the runtime on the
 * host side (a detached tree, open_tree) and attached by the init from that descriptor, as runc
 * does: the container's root may not be able to reach the source (a 0700 directory of host root).
 */
export function mountStep(m: Mount, index: number, bundle: string, facts: MountFacts, idmapFile?: (req: IdmapRequest) => number, containerMaps?: IdmapRequest, treeFile?: (path: string, recursive: boolean, pointer: string) => number): Step {
  const pointer = `/mounts/${index}`;
  const opts = parseMountOptions(m.options, pointer);
  if (opts.idmap || m.uidMappings || m.gidMappings) {
    if (!isBind(m)) throw new ConfigError(`${pointer}/type`, 'idmapped mounts are supported for bind mounts only');
    if (!m.uidMappings !== !m.gidMappings) throw new ConfigError(`${pointer}/uidMappings`, 'uidMappings and gidMappings must be given together');
    const req = m.uidMappings ? { uid: mappingText(m.uidMappings), gid: mappingText(m.gidMappings!) } : containerMaps;
    if (!req) throw new ConfigError(`${pointer}/options`, `"${opts.idmap}" without uidMappings/gidMappings needs a user namespace with mappings in /linux`);
    let source = m.source ?? '';
    if (!source.startsWith('/')) source = `${bundle}/${source}`;
    const isDir = facts.isDirectory(source);
    if (isDir === undefined) throw new ConfigError(`${pointer}/source`, `bind source "${source}" does not exist`);
    const recursive = opts.idmap === 'ridmap' || (opts.flags & MS_REC) !== 0 ? 1 : 0;
    const propagation = opts.propagation.reduce((a, b) => a | b, 0);
    return step(Op.MOUNT_IDMAP, [source, m.destination, { file: idmapFile!(req) }, recursive, isDir ? 1 : 2, propagation], pointer, `idmapped mount ${m.destination}`);
  }
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
    if (treeFile) {
      const tree = treeFile(source, (flags & MS_REC) !== 0, `${pointer}/source`);
      return step(Op.MOUNT, [source, dest, '', flags, '', propagation, isDir ? 1 : 2, remount, opts.recSet, opts.recClr, 0, 1, { file: tree }], pointer, `mount ${dest} (from the runtime's open_tree of ${source})`);
    }
    return step(Op.MOUNT, [source, dest, '', flags, '', propagation, isDir ? 1 : 2, remount, opts.recSet, opts.recClr], pointer, `mount ${dest}`);
  }
  const type = m.type ?? '';
  const data = facts.mountLabel && !NO_CONTEXT_TYPES.has(type) ? [...opts.data, `context="${facts.mountLabel}"`] : opts.data;
  // a tmpfs without mode= takes the mode of its mount point, as under runc (the init reads it)
  const modeOfMountPoint = type === 'tmpfs' && !opts.data.some((d) => d.startsWith('mode=')) ? 1 : 0;
  // read-only later (delayedReadonly): mount points of later mounts and devices are made in it first
  const flags = delaysReadonly(m) ? opts.flags & ~MS_RDONLY : opts.flags;
  return step(Op.MOUNT, [source || type, dest, type, flags, data.join(','), propagation, 1, 0, opts.recSet, opts.recClr, modeOfMountPoint], pointer, `mount ${dest}`);
}

/**
 * A read-only tmpfs (or a read-only mount at /dev) is mounted writable and made read-only after
 * the other mounts and the devices (runc does the same): /dev/pts and the device nodes need their
 * mount points made in it.
 */
function delaysReadonly(m: Mount): boolean {
  if (isBind(m) || m.type === 'cgroup' || m.type === 'cgroup2' || m.uidMappings || m.gidMappings) return false;
  if (m.type !== 'tmpfs' && m.destination.replace(/\/+$/, '') !== '/dev') return false;
  return (parseMountOptions(m.options).flags & MS_RDONLY) !== 0;
}

/** The remounts that make the delayed read-only mounts read-only, after pivot_root (paths in the container). */
export function delayedReadonlySteps(mounts: Mount[] | undefined): Step[] {
  const steps: Step[] = [];
  (mounts ?? []).forEach((m, i) => {
    if (delaysReadonly(m)) steps.push(step(Op.REMOUNT_RO, [m.destination], `/mounts/${i}`, `remount ${m.destination} read-only`));
  });
  return steps;
}
