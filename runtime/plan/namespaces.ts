/**
 * linux.namespaces → stage-0 steps (runs in the spawned helper, before the fork).
 *
 * Order (why): namespaces joined by path are entered first, while the helper still holds the host's
 * capabilities (host root owns every descendant user namespace, so joining them works), and a
 * joined user namespace last of the joins. A new user namespace comes next, so that every other
 * new namespace is owned by it; the parent writes its maps at the IDMAP sync point. pid and time
 * namespaces only apply to children, hence the fork that ends stage 0.
 */
import { Spec, NamespaceType } from '../spec/types';
import { LaunchPlan, Op, Step, SyncTag, FileRef, step } from './types';
import { mappingText } from './mounts';

export const CLONE_NEWNS = 0x00020000;
export const CLONE_NEWCGROUP = 0x02000000;
export const CLONE_NEWUTS = 0x04000000;
export const CLONE_NEWIPC = 0x08000000;
export const CLONE_NEWUSER = 0x10000000;
export const CLONE_NEWPID = 0x20000000;
export const CLONE_NEWNET = 0x40000000;
export const CLONE_NEWTIME = 0x00000080;

export const NAMESPACE_FLAGS: Record<NamespaceType, number> = {
  pid: CLONE_NEWPID,
  network: CLONE_NEWNET,
  mount: CLONE_NEWNS,
  ipc: CLONE_NEWIPC,
  uts: CLONE_NEWUTS,
  user: CLONE_NEWUSER,
  cgroup: CLONE_NEWCGROUP,
  time: CLONE_NEWTIME,
};

/** The name of each type under /proc/PID/ns/, used to check a joined path. */
export const NAMESPACE_PROC_NAME: Record<NamespaceType, string> = {
  pid: 'pid',
  network: 'net',
  mount: 'mnt',
  ipc: 'ipc',
  uts: 'uts',
  user: 'user',
  cgroup: 'cgroup',
  time: 'time',
};

export function hasNewNamespace(spec: Spec, type: NamespaceType): boolean {
  return (spec.linux?.namespaces ?? []).some((n) => n.type === type && !n.path);
}

export function hasNamespace(spec: Spec, type: NamespaceType): boolean {
  return (spec.linux?.namespaces ?? []).some((n) => n.type === type);
}


export function namespaceSteps(spec: Spec, files: FileRef[], plan: Pick<LaunchPlan, 'idmap'>, cloneIntoCgroup?: string): Step[] {
  const steps: Step[] = [];
  const nss = spec.linux?.namespaces ?? [];
  const joins = nss.map((ns, i) => ({ ns, i })).filter((x) => x.ns.path);
  joins.sort((a, b) => Number(a.ns.type === 'user') - Number(b.ns.type === 'user'));
  for (const { ns, i } of joins) {
    const pointer = `/linux/namespaces/${i}/path`;
    files.push({ path: ns.path!, kind: 'ns', nstype: NAMESPACE_FLAGS[ns.type], pointer });
    steps.push(step(Op.SETNS, [{ file: files.length - 1 }, NAMESPACE_FLAGS[ns.type]], pointer, `setns ${ns.type}`));
  }
  if (joins.some((j) => j.ns.type === 'user')) {
    steps.push(step(Op.SETID, [0, 0], '/linux/namespaces', 'become root in the joined user namespace'));
  }
  const userIndex = nss.findIndex((n) => n.type === 'user' && !n.path);
  if (userIndex >= 0) {
    const pointer = `/linux/namespaces/${userIndex}`;
    steps.push(step(Op.UNSHARE, [CLONE_NEWUSER], pointer, 'unshare user'));
    steps.push(step(Op.SYNC, [SyncTag.IDMAP], '/linux/uidMappings', 'wait for uid/gid maps'));
    steps.push(step(Op.SETID, [0, 0], '/linux/uidMappings', 'become root in the new user namespace'));
    plan.idmap = {
      uid: mappingText(spec.linux?.uidMappings ?? []),
      gid: mappingText(spec.linux?.gidMappings ?? []),
      setgroups: 'allow',
    };
  }
  let flags = 0;
  let first = -1;
  nss.forEach((ns, i) => {
    // A new cgroup namespace is unshared by the init after it is placed in its cgroups (assemble.ts).
    if (ns.path || ns.type === 'user' || ns.type === 'cgroup') return;
    flags |= NAMESPACE_FLAGS[ns.type];
    if (first < 0) first = i;
  });
  if (flags) steps.push(step(Op.UNSHARE, [flags], `/linux/namespaces`, 'unshare namespaces'));
  // a new network namespace has its loopback interface down: runc brings it up, and so do we
  if (flags & NAMESPACE_FLAGS.network) steps.push(step(Op.LOOPBACK_UP, [], `/linux/namespaces/${nss.findIndex((n) => n.type === 'network')}`, 'bring up lo in the new network namespace'));
  const offsets = spec.linux?.timeOffsets;
  if (offsets && Object.keys(offsets).length) {
    const text = Object.entries(offsets)
      .map(([clock, o]) => `${clock} ${o.secs ?? 0} ${o.nanosecs ?? 0}\n`)
      .join('');
    steps.push(step(Op.WRITE_FILE, ['/proc/self/timens_offsets', text], '/linux/timeOffsets', 'set time offsets'));
  }
  if (cloneIntoCgroup) {
    // born in its cgroup v2 directory (CLONE_INTO_CGROUP): the parent migrates it nowhere there
    files.push({ path: cloneIntoCgroup, kind: 'dir', pointer: '/linux/cgroupsPath' });
    steps.push(step(Op.FORK, [0, { file: files.length - 1 }, cloneIntoCgroup], '/linux/cgroupsPath', 'fork the container init into its cgroup'));
  } else {
    steps.push(step(Op.FORK, [0], '', 'fork the container init'));
  }
  return steps;
}
