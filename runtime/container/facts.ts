/** What the planner needs to know about the host, gathered once per create (the only I/O of planning). */
import fs = require('fs');
import path = require('path');
import { HostFacts, ProcessFacts } from '../plan/assemble';
import { CgroupLayout } from '../cgroups/detect';
import { compileSeccompCached } from '../seccomp-cache';
import { launcherFacts } from '../launcher-env';

/** The mount point (from mountinfo text) that contains `p`: the longest matching prefix. */
export function mountPointOf(mountinfo: string, p: string): string {
  let best = '/';
  for (const line of mountinfo.split('\n')) {
    const mp = line.split(' ')[4];
    if (!mp) continue;
    const m = mp.replace(/\\040/g, ' ');
    if ((p === m || p.startsWith(m.endsWith('/') ? m : m + '/')) && m.length > best.length) best = m;
  }
  return best;
}

/**
 * Full (root "/") proc and sysfs mounts outside the rootfs, in mountinfo order: --no-pivot detaches
 * them from the container's mount namespace (runc does the same).
 */
export function hostProcSysMounts(mountinfo: string, rootfs: string): string[] {
  const out: string[] = [];
  for (const line of mountinfo.split('\n')) {
    const [pre, post] = line.split(' - ');
    if (!post) continue;
    const f = pre.split(' ');
    const fstype = post.split(' ')[0];
    if (f[3] !== '/' || (fstype !== 'proc' && fstype !== 'sysfs')) continue;
    const mp = f[4].replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));
    if (mp === rootfs || mp.startsWith(rootfs + '/')) continue;
    out.push(mp);
  }
  return out;
}

/** /proc/self/status, read once per command (hostFacts and processFacts both look at it). */
let ownStatus: string | undefined;
function selfStatus(): string {
  if (ownStatus === undefined) ownStatus = readTrim('/proc/self/status');
  return ownStatus;
}

/** CAP_SYS_ADMIN in this process's effective set (open_tree of a bind source needs it; rootless has not). */
function hasSysAdmin(): boolean {
  const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(selfStatus());
  return m ? (BigInt('0x' + m[1]) & (1n << 21n)) !== 0n : false;
}

/** CapBnd of this process: what the init (its child) can still grant. */
function ownBounding(): bigint {
  const m = /^CapBnd:\s*([0-9a-f]+)$/m.exec(selfStatus());
  return m ? BigInt('0x' + m[1]) : (1n << 64n) - 1n;
}

function readTrim(p: string): string {
  try {
    return fs.readFileSync(p, 'utf8').trim();
  } catch {
    return '';
  }
}

/** The caller's NOFILE limits when ours differ (Node and the launcher raise the soft one). */
export function callerNofile(): { soft: number; hard: number } | undefined {
  const soft = launcherFacts().nofileSoft;
  if (soft === undefined) return undefined;
  const m = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(readTrim('/proc/self/limits'));
  if (!m) return undefined;
  const own = (v: string) => (v === 'unlimited' ? -1 : Number(v));
  if (own(m[1]) === soft) return undefined;
  return { soft, hard: own(m[2]) };
}

/**
 * What the process steps need of the host (create and exec): the capabilities the runtime can
 * grant, the LSMs, the seccomp compiler with its cache under `stateRoot` (--root), the caller's
 * NOFILE limits.
 */
export function processFacts(stateRoot: string): ProcessFacts {
  let lastCap = 40;
  try {
    lastCap = Number(fs.readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'));
  } catch {
    /* keep the default */
  }
  return {
    grantableCaps: ownBounding() & ((1n << BigInt(lastCap + 1)) - 1n),
    compileSeccomp: (p) => compileSeccompCached(stateRoot, p),
    callerNofile: callerNofile(),
    lsm: {
      apparmor: readTrim('/sys/module/apparmor/parameters/enabled') === 'Y',
      selinux: fs.existsSync('/sys/fs/selinux/enforce'),
    },
  };
}

/** `stateRoot` is --root: compiled seccomp filters are cached under it; `mountinfo` is /proc/self/mountinfo. */
export function hostFacts(rootfs: string, layout: CgroupLayout, cgroupDirs: string[], stateRoot: string, mountinfo: string): HostFacts {
  const realRootfs = fs.realpathSync.native(rootfs);
  return {
    isDirectory(p: string) {
      try {
        return fs.statSync(p).isDirectory();
      } catch {
        return undefined;
      }
    },
    rootfsParentMount: mountPointOf(mountinfo, realRootfs),
    hostProcSysMounts: hostProcSysMounts(mountinfo, realRootfs),
    openTreeBinds: hasSysAdmin(),
    // A pure v2 host: the container's /sys/fs/cgroup is its own cgroup2 directory (runc mountCgroupV2).
    cgroup2Dir: layout.mode === 'v2' ? cgroupDirs[0] : undefined,
    cgroupBinds: cgroupDirs.map((d) => {
      // /sys/fs/cgroup/memory/oci-ts/x → "memory" (the directories are absolute and normalized)
      const rel = d.startsWith('/sys/fs/cgroup/') ? d.slice('/sys/fs/cgroup/'.length).split('/')[0] : path.relative('/sys/fs/cgroup', d).split('/')[0];
      return { name: rel, hostPath: d };
    }),
    ...processFacts(stateRoot),
  };
}
