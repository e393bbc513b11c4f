/**
 * The container's cgroup directories: made at create, the init placed in them before it forks,
 * removed at delete. Resource limits are applied by the per-controller modules (a later issue);
 * this file knows only paths, membership and removal.
 */
import fs = require('fs');
import path = require('path');
import { CgroupLayout, parseProcCgroup } from './detect';
import { sleepSync } from '../sleep';

/** The absolute directory in each hierarchy for a cgroupsPath (runc's fs driver rules). */
export function cgroupDirs(layout: CgroupLayout, cgroupsPath: string, ownCgroups: Map<string, string>): string[] {
  return layout.hierarchies.map((h) => {
    // A relative path is taken below the runtime's own cgroup, as runc's fs driver does.
    const base = cgroupsPath.startsWith('/') ? '/' : ownCgroups.get(h.name) ?? '/';
    const inHierarchy = path.posix.join(base, cgroupsPath);
    // The mount may show only a subtree (mountinfo root): strip it.
    const rel = h.root !== '/' && inHierarchy.startsWith(h.root) ? inHierarchy.slice(h.root.length) : inHierarchy;
    return path.join(h.mountpoint, rel);
  });
}

export function defaultCgroupsPath(id: string): string {
  return `/oci-ts/${id}`;
}

export interface CgroupSet {
  dirs: string[];
  /** the directories this call made, so the undo removes only those (deepest last) */
  created: string[];
}

/**
 * mkdir -p that records what it made. Containers are created in parallel: a parent another create
 * made meanwhile (EEXIST) is not ours, and one that a delete removed meanwhile (ENOENT) is made again.
 */
function mkdirTracked(dir: string, created: string[], attempts = 3): void {
  if (fs.existsSync(dir)) return;
  mkdirTracked(path.dirname(dir), created);
  try {
    fs.mkdirSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    if (code === 'ENOENT' && attempts > 0) return mkdirTracked(dir, created, attempts - 1);
    throw e;
  }
  created.push(dir);
  // v1 cpuset: a new cgroup starts with empty cpus/mems, and no task can join it until they are set.
  if (fs.existsSync(path.join(dir, 'cpuset.cpus'))) {
    for (const f of ['cpuset.cpus', 'cpuset.mems']) {
      const own = fs.readFileSync(path.join(dir, f), 'utf8').trim();
      if (!own) fs.writeFileSync(path.join(dir, f), fs.readFileSync(path.join(path.dirname(dir), f), 'utf8').trim());
    }
  }
}

/** The directories a cgroupsPath names on this host (no side effect). */
export function resolveCgroupDirs(layout: CgroupLayout, cgroupsPath: string): string[] {
  const own = parseProcCgroup(fs.readFileSync('/proc/self/cgroup', 'utf8'));
  return cgroupDirs(layout, cgroupsPath, own);
}

export function createCgroups(dirs: string[]): CgroupSet {
  const created: string[] = [];
  try {
    for (const d of dirs) mkdirTracked(d, created);
  } catch (e) {
    removeCgroups(created, dirs);
    throw e;
  }
  return { dirs, created };
}

/**
 * Start moving `pid` into the first hierarchy, in libuv's thread pool. The first cgroup v1 migration
 * of a while waits an RCU grace period (~10 ms, cgroup_threadgroup_rwsem); paid here, in a thread,
 * while the init starts up, the synchronous addPid() that follows finds the lock already warm.
 * Failing (the helper exited already) is harmless: addPid() places the real init.
 */
export function prewarmMigration(dirs: string[], pid: number): void {
  if (!dirs.length) return;
  // One thread-pool request (open here, write there): fs.writeFile would need the event loop to
  // turn between its steps, and create's main thread is blocked in the protocol meanwhile.
  let fd: number;
  try {
    fd = fs.openSync(path.join(dirs[0], 'cgroup.procs'), 'w');
  } catch {
    return;
  }
  fs.write(fd, String(pid), () => fs.close(fd, () => undefined));
}

export function addPid(dirs: string[], pid: number): void {
  for (const d of dirs) fs.writeFileSync(path.join(d, 'cgroup.procs'), String(pid));
}

/** Every pid in the container's cgroups (the union over hierarchies). */
export function cgroupPids(dirs: string[]): number[] {
  const pids = new Set<number>();
  for (const d of dirs) {
    try {
      for (const l of fs.readFileSync(path.join(d, 'cgroup.procs'), 'utf8').split('\n')) if (l) pids.add(Number(l));
    } catch {
      /* hierarchy gone */
    }
  }
  return [...pids];
}


/**
 * Remove what create made, deepest first. The container's own directories (`leaves`) are retried
 * while the kernel still counts exiting tasks; ancestors are shared with other containers and are
 * removed only if empty.
 */
export function removeCgroups(created: string[], leaves: string[] = created): void {
  for (const d of [...created].sort((a, b) => b.length - a.length)) {
    const isLeaf = leaves.includes(d);
    for (let i = 0; ; i++) {
      try {
        fs.rmdirSync(d);
        break;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || (!isLeaf && (code === 'EBUSY' || code === 'ENOTEMPTY'))) break;
        if (code !== 'EBUSY' || i >= 200) throw e;
        sleepSync(5);
      }
    }
  }
}

/**
 * The host's hierarchies that hold one of a container's saved directories, index-aligned with
 * those directories (what applyResources and the stats readers take), for commands that act on a
 * container after create (update, events). A hierarchy mounted since create has no directory and
 * is left out.
 */
export function savedHierarchies(layout: CgroupLayout, saved: string[]): { layout: CgroupLayout; dirs: string[] } {
  const hierarchies: CgroupLayout['hierarchies'] = [];
  const dirs: string[] = [];
  for (const h of layout.hierarchies) {
    const dir = saved.find((d) => d === h.mountpoint || d.startsWith(h.mountpoint + '/'));
    if (!dir) continue;
    hierarchies.push(h);
    dirs.push(dir);
  }
  return { layout: { mode: layout.mode, hierarchies }, dirs };
}
