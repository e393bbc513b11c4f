/**
 * The rootfs part of the plan, before pivot_root: propagation of /, the rootfs bind, mounts,
 * devices. And after it: root propagation, masked and read-only paths, root.readonly.
 */
import { Spec, Mount } from '../spec/types';
import { ConfigError } from '../errors';
import { Op, Step, FileRef, step } from './types';
import { mountStep, delayedReadonlySteps, mappingText, IdmapRequest, MountFacts, parseMountOptions, PROPAGATION_FLAGS, MS_REC, MS_SLAVE, MS_PRIVATE, MS_BIND, MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT } from './mounts';
import { deviceSteps } from './devices';
import { hasNewNamespace } from './namespaces';

export interface RootfsFacts extends MountFacts {
  /** the host mount point that contains the rootfs (made private so pivot_root works) */
  rootfsParentMount: string;
  /** --no-pivot: the host's full proc and sysfs mounts outside the rootfs, detached before the move */
  hostProcSysMounts?: string[];
  /** the runtime holds CAP_SYS_ADMIN: with a new user namespace, bind sources are opened here (open_tree) */
  openTreeBinds?: boolean;
  /** cgroup hierarchies to expose for a mount of type cgroup: name under the mount → host dir */
  cgroupBinds: { name: string; hostPath: string }[];
  /** on a pure cgroup v2 host: the container's cgroup2 directory, which becomes its /sys/fs/cgroup */
  cgroup2Dir?: string;
}

/**
 * A `cgroup` (or `cgroup2`) mount. On a pure v2 host, the container's own cgroup directory bound
 * at the destination: a cgroup2 mount whose root is the container's cgroup, as runc's mountCgroupV2
 * makes without a cgroup namespace (the bind is made before the init unshares its cgroup namespace,
 * which is then rooted at the same directory, so with one the result is the same). Elsewhere (v1,
 * hybrid): a tmpfs with each of the container's cgroup directories bound in (runc, v1).
 * Read-only when the mount's options say `ro`.
 */
function cgroupMountSteps(m: Mount, index: number, facts: RootfsFacts): Step[] {
  const pointer = `/mounts/${index}`;
  const opts = parseMountOptions(m.options, pointer);
  const ro = (opts.flags & MS_RDONLY) !== 0;
  const base = opts.flags & (MS_NOSUID | MS_NODEV | MS_NOEXEC);
  if (facts.cgroup2Dir) {
    return [step(Op.MOUNT, [facts.cgroup2Dir, m.destination, '', MS_BIND, '', 0, 1, (ro ? MS_RDONLY : 0) | base], pointer, `mount ${m.destination}`)];
  }
  const steps = [step(Op.MOUNT, ['tmpfs', m.destination, 'tmpfs', base, 'mode=755', 0, 1, 0], pointer, `mount ${m.destination}`)];
  for (const b of facts.cgroupBinds) {
    const dest = `${m.destination}/${b.name}`;
    steps.push(step(Op.MOUNT, [b.hostPath, dest, '', MS_BIND | MS_REC, '', 0, 1, (ro ? MS_RDONLY : 0) | base], pointer, `mount ${dest}`));
  }
  if (ro) steps.push(step(Op.MOUNT, ['', m.destination, '', MS_REMOUNT | MS_RDONLY | base, '', 0, 0, 0], pointer, `remount ${m.destination} read-only`));
  return steps;
}

function mountsBindDev(spec: Spec): boolean {
  return (spec.mounts ?? []).some((m) => m.destination.replace(/\/+$/, '') === '/dev' && (m.type === 'bind' || (m.options ?? []).includes('bind') || (m.options ?? []).includes('rbind')));
}

export function rootPropagation(spec: Spec): number | undefined {
  const p = spec.linux?.rootfsPropagation;
  if (!p) return undefined;
  const f = PROPAGATION_FLAGS[p];
  if (f === undefined) throw new ConfigError('/linux/rootfsPropagation', `"${p}" is not one of ${Object.keys(PROPAGATION_FLAGS).join(', ')}`);
  return f;
}

/**
 * Without a mount namespace nothing may be mounted (it would land in the host's namespace): the
 * init only chroots into the rootfs, as runc does. What the config asks for that needs mounts is
 * said as a warning; root.readonly would remount a host mount, so it is refused.
 */
export function noMountNamespaceSteps(spec: Spec, rootfs: string, warnings: string[]): Step[] {
  if (spec.root?.readonly) throw new ConfigError('/root/readonly', 'needs a mount namespace in /linux/namespaces (it would remount a host mount)');
  if ((spec.mounts ?? []).length) warnings.push('/mounts: not mounted: there is no mount namespace in /linux/namespaces');
  if ((spec.linux?.devices ?? []).length) warnings.push('/linux/devices: not created: there is no mount namespace in /linux/namespaces');
  return [step(Op.CHROOT, [rootfs], '/root/path', 'chroot into the rootfs (no mount namespace)')];
}

export function rootfsSteps(spec: Spec, bundle: string, rootfs: string, facts: RootfsFacts, files: FileRef[]): Step[] {
  const containerMaps = spec.linux?.uidMappings && spec.linux?.gidMappings
    ? { uid: mappingText(spec.linux.uidMappings), gid: mappingText(spec.linux.gidMappings) }
    : undefined;
  const idmapFile = (maps: IdmapRequest): number => {
    const known = files.findIndex((f) => f.kind === 'userns' && f.maps?.uid === maps.uid && f.maps?.gid === maps.gid);
    if (known >= 0) return known;
    files.push({ path: '', kind: 'userns', maps, pointer: '/mounts' });
    return files.length - 1;
  };
  // a rootless runtime cannot open_tree: its container's root reaches what the runtime's user reaches
  const userns = hasNewNamespace(spec, 'user') && facts.openTreeBinds === true;
  const treeFile = (p: string, recursive: boolean, pointer: string): number => {
    files.push({ path: p, kind: 'tree', recursive, pointer });
    return files.length - 1;
  };
  const prop = rootPropagation(spec);
  const steps: Step[] = [
    step(Op.MOUNT_PROPAGATION, ['/', (prop ?? MS_SLAVE) | MS_REC], '/linux/rootfsPropagation', 'set propagation of /'),
    step(Op.MOUNT_PROPAGATION, [facts.rootfsParentMount, MS_PRIVATE], '/root/path', 'make the rootfs parent mount private'),
    step(Op.ROOTFS_BIND, [rootfs], '/root/path', 'bind the rootfs'),
  ];
  (spec.mounts ?? []).forEach((m, i) => {
    if (m.type === 'cgroup' || m.type === 'cgroup2') steps.push(...cgroupMountSteps(m, i, facts));
    else steps.push(mountStep(m, i, bundle, facts, idmapFile, containerMaps, userns ? treeFile : undefined));
  });
  if (!mountsBindDev(spec)) {
    steps.push(...deviceSteps(spec.linux?.devices, hasNewNamespace(spec, 'user')));
    steps.push(step(Op.SYMLINK, ['pts/ptmx', '/dev/ptmx'], '', 'symlink /dev/ptmx'));
  }
  return steps;
}

export function afterPivotSteps(spec: Spec): Step[] {
  const steps: Step[] = delayedReadonlySteps(spec.mounts);
  const prop = rootPropagation(spec);
  if (prop !== undefined) steps.push(step(Op.MOUNT_PROPAGATION, ['/', prop], '/linux/rootfsPropagation', 'set propagation of /'));
  return steps;
}

export function pathSteps(spec: Spec): Step[] {
  const steps: Step[] = [];
  (spec.linux?.maskedPaths ?? []).forEach((p, i) => steps.push(step(Op.MASK_PATH, [p], `/linux/maskedPaths/${i}`, `mask ${p}`)));
  (spec.linux?.readonlyPaths ?? []).forEach((p, i) => steps.push(step(Op.READONLY_PATH, [p], `/linux/readonlyPaths/${i}`, `make ${p} read-only`)));
  return steps;
}
