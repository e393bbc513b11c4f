/**
 * The container's cgroup directories: made at create, the init placed in them before it forks,
 * removed at delete. Resource limits are applied by the per-controller modules (a later issue);
 * this file knows only paths, membership and removal.
 */
import fs = require('fs');
import path = require('path');
import { CgroupLayout, parseProcCgroup } from './detect';
import { sleepSync } from '../sleep';
import { procStat } from '../state/status';

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

/** The directories a cgroupsPath names on this host (no side effect). */
export function resolveCgroupDirs(layout: CgroupLayout, cgroupsPath: string): string[] {
  const own = parseProcCgroup(fs.readFileSync('/proc/self/cgroup', 'utf8'));
  return cgroupDirs(layout, cgroupsPath, own);
}

/**
 * The directories create will make for `dirs` (ancestors too), shallowest first: what does not
 * exist yet. create records them in state.json BEFORE making them, so a runtime killed in between
 * leaves a record that delete uses (a directory listed here but never made is simply absent).
 */
export function plannedCgroupDirs(dirs: string[]): string[] {
  const planned: string[] = [];
  for (const leaf of dirs) {
    const missing: string[] = [];
    for (let d = leaf; d !== path.dirname(d) && !fs.existsSync(d); d = path.dirname(d)) missing.unshift(d);
    for (const d of missing) if (!planned.includes(d)) planned.push(d);
  }
  return planned;
}

/**
 * mkdir that records what it made. Containers are created in parallel: a directory another create
 * made meanwhile (EEXIST) is not ours, and a parent that a delete removed meanwhile (ENOENT) is made
 * again. `between` runs after the first directory (a test kill point).
 */
export function makeCgroupDirs(planned: string[], between?: () => void): string[] {
  const created: string[] = [];
  const make = (dir: string, attempts = 3): void => {
    try {
      fs.mkdirSync(dir);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return;
      if (code === 'ENOENT' && attempts > 0) {
        make(path.dirname(dir), attempts - 1);
        return make(dir, attempts - 1);
      }
      throw e;
    }
    created.push(dir);
    if (created.length === 1) between?.();
    // v1 cpuset: a new cgroup starts with empty cpus/mems, and no task can join it until they are set.
    if (fs.existsSync(path.join(dir, 'cpuset.cpus'))) {
      for (const f of ['cpuset.cpus', 'cpuset.mems']) {
        const own = fs.readFileSync(path.join(dir, f), 'utf8').trim();
        if (!own) fs.writeFileSync(path.join(dir, f), fs.readFileSync(path.join(path.dirname(dir), f), 'utf8').trim());
      }
    }
  };
  try {
    for (const d of planned) make(d);
  } catch (e) {
    removeCgroups(created, planned);
    throw e;
  }
  return created;
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
/** Every pid in the container's cgroups (the union over hierarchies); `tree`: child cgroups too. */
export function cgroupPids(dirs: string[], tree = false): number[] {
  const pids = new Set<number>();
  const walk = (d: string): void => {
    try {
      for (const l of fs.readFileSync(path.join(d, 'cgroup.procs'), 'utf8').split('\n')) if (l) pids.add(Number(l));
    } catch {
      return; /* hierarchy gone */
    }
    if (tree) for (const c of childCgroups(d)) walk(c);
  };
  for (const d of dirs) walk(d);
  return [...pids];
}

/** Not exited (a zombie waiting for its parent no longer holds its cgroup). */
function running(pid: number): boolean {
  const st = procStat(pid);
  return !!st && st.state !== 'Z' && st.state !== 'X';
}

/** The child cgroups of a cgroup directory (made inside the container, or by a tool). */
function childCgroups(dir: string): string[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => path.join(dir, e.name));
  } catch {
    return [];
  }
}

/** rmdir a cgroup, its child cgroups first; EBUSY (tasks still exiting) is retried for ~1 s. */
function rmdirCgroup(dir: string, isLeaf: boolean): void {
  if (isLeaf) for (const c of childCgroups(dir)) rmdirCgroup(c, true);
  for (let i = 0; ; i++) {
    try {
      fs.rmdirSync(dir);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || (!isLeaf && (code === 'EBUSY' || code === 'ENOTEMPTY'))) return;
      if (code !== 'EBUSY' || i >= 200) throw e;
      sleepSync(5);
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

/**
 * Remove what create made, deepest first. The container's own directories (`leaves`) lose their
 * child cgroups first and are retried while the kernel still counts exiting tasks; ancestors are
 * shared with other containers and are removed only if empty. A leaf that still holds processes
 * that are not the container's (another container given the same cgroupsPath, a host process) is
 * left in place: the returned messages say which.
 */
export function removeCgroups(created: string[], leaves: string[] = created): string[] {
  const left: string[] = [];
  let waited = false;
  for (const d of [...created].sort((a, b) => b.length - a.length)) {
    const isLeaf = leaves.includes(d);
    let others = 0;
    // processes just killed may take a moment to leave (a nested pid namespace collapsing): waited for once
    for (let i = 0; isLeaf && (others = cgroupPids([d], true).filter(running).length) && !waited && i < 20; i++) sleepSync(10);
    if (others) waited = true;
    if (others) {
      left.push(`cgroup ${d} left in place: it holds ${others} process(es) that are not this container's`);
      continue;
    }
    rmdirCgroup(d, isLeaf);
  }
  return left;
}
