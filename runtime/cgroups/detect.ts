/**
 * Which cgroup hierarchies this host has, from /proc/self/mountinfo: cgroup v1 hierarchies (one
 * per mount, named by its controllers or name=), and the cgroup2 (unified) mount. v1 only, v2 only
 * (/sys/fs/cgroup is cgroup2) or hybrid (both, cgroup2 usually at /sys/fs/cgroup/unified).
 */
import fs = require('fs');

export interface Hierarchy {
  /** 'unified' for cgroup2, else the v1 controllers joined by ',' (or the name= value) */
  name: string;
  mountpoint: string;
  /** the root of this mount inside the hierarchy (4th field of mountinfo), usually '/' */
  root: string;
  version: 1 | 2;
}

export interface CgroupLayout {
  mode: 'v1' | 'v2' | 'hybrid' | 'none';
  hierarchies: Hierarchy[];
}

/** Parse mountinfo text (pure, unit-tested). The first mount of each hierarchy wins. */
export function parseCgroupMounts(mountinfo: string): CgroupLayout {
  const seen = new Set<string>();
  const hierarchies: Hierarchy[] = [];
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const left = line.slice(0, sep).split(' ');
    const [fstype, , superOpts = ''] = line.slice(sep + 3).split(' ');
    if (fstype !== 'cgroup' && fstype !== 'cgroup2') continue;
    const mountpoint = left[4].replace(/\\040/g, ' ');
    const root = left[3];
    let name = 'unified';
    if (fstype === 'cgroup') {
      const opts = superOpts.split(',');
      const named = opts.find((o) => o.startsWith('name='));
      const controllers = opts.filter((o) => !['rw', 'ro'].includes(o) && !o.startsWith('name=') && !o.includes('=') && o !== 'clone_children' && o !== 'noprefix' && o !== 'xattr' && o !== 'cpuset_v2_mode');
      name = controllers.length ? controllers.join(',') : named ? named : 'unknown';
    }
    if (seen.has(name)) continue;
    seen.add(name);
    hierarchies.push({ name, mountpoint, root, version: fstype === 'cgroup2' ? 2 : 1 });
  }
  const v1 = hierarchies.some((h) => h.version === 1);
  const v2 = hierarchies.some((h) => h.version === 2);
  return { mode: v1 && v2 ? 'hybrid' : v1 ? 'v1' : v2 ? 'v2' : 'none', hierarchies };
}

export function detectCgroups(): CgroupLayout {
  return parseCgroupMounts(fs.readFileSync('/proc/self/mountinfo', 'utf8'));
}

/** Parse /proc/PID/cgroup: hierarchy name (v1 controllers, '' for v2) → path. */
export function parseProcCgroup(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const i = line.indexOf(':');
    const j = line.indexOf(':', i + 1);
    if (i < 0 || j < 0) continue;
    const ctrl = line.slice(i + 1, j);
    m.set(ctrl === '' ? 'unified' : ctrl, line.slice(j + 1));
  }
  return m;
}
