/**
 * The container's cgroup directories: made at create, the init placed in them before it forks,
 * removed at delete. Resource limits are applied by the per-controller modules (a later issue);
 * this file knows only paths, membership and removal.
 */
import fs = require('fs');
import path = require('path');
import { CgroupLayout, Hierarchy, parseProcCgroup } from './detect';
import { ConfigError, strerror } from '../errors';
import { sleepSync } from '../sleep';
import { procStat } from '../state/status';
import { native } from '../native';

/** The absolute directory in each hierarchy for a cgroupsPath (runc's fs driver rules). */
export function cgroupDirs(layout: CgroupLayout, cgroupsPath: string, ownCgroups: Map<string, string>): string[] {
  return layout.hierarchies.map((h) => {
    // A relative path is taken below the runtime's own cgroup, as runc's fs driver does.
    const base = cgroupsPath.startsWith('/') ? '/' : ownCgroups.get(h.name) ?? '/';
    return dirInHierarchy(h, path.posix.join(base, cgroupsPath));
  });
}

/** The directory of a cgroup path of hierarchy h (as /proc/PID/cgroup names it) under its mount. */
function dirInHierarchy(h: Hierarchy, inHierarchy: string): string {
  // The mount may show only a subtree (mountinfo root): strip it.
  const rel = h.root !== '/' && inHierarchy.startsWith(h.root) ? inHierarchy.slice(h.root.length) : inHierarchy;
  return path.join(h.mountpoint, rel);
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
      throw fsError(e, dir);
    }
    created.push(dir);
    if (created.length === 1) between?.();
  };
  try {
    for (const d of planned) make(d);
  } catch (e) {
    removeCgroups(created, planned);
    throw e;
  }
  return created;
}

const PATH_FIELD = '/linux/cgroupsPath';

/** A failed cgroupfs call as a ConfigError naming the file and /linux/cgroupsPath. */
function fsError(e: unknown, file: string): ConfigError {
  const err = e as NodeJS.ErrnoException;
  if (err instanceof ConfigError) return err;
  const text = typeof err.errno === 'number' ? strerror(Math.abs(err.errno)) : String(err.message);
  return Object.assign(new ConfigError(PATH_FIELD, `${file}: ${text}`), { code: err.code });
}

function readOr(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** The directories from the hierarchy's mount point down to `dir` (both included). */
function pathFromMount(h: Hierarchy, dir: string): string[] {
  const rel = path.relative(h.mountpoint, dir);
  const out = [h.mountpoint];
  if (!rel || rel.startsWith('..')) return out;
  let cur = h.mountpoint;
  for (const part of rel.split('/')) out.push((cur = path.join(cur, part)));
  return out;
}

/**
 * v1 cpuset: a cgroup starts with empty cpus/mems and no task can join it until they are set
 * (the kernel says ENOSPC). Like runc's cpusetEnsureParent, every directory on the path whose
 * files are empty, including a parent made by someone else, gets its parent's values.
 */
function ensureCpuset(h: Hierarchy, dir: string): void {
  const chain = pathFromMount(h, dir);
  for (let i = 1; i < chain.length; i++) {
    for (const f of ['cpuset.cpus', 'cpuset.mems']) {
      const file = path.join(chain[i], f);
      const own = readOr(file);
      if (own === undefined || own.trim()) continue;
      const parent = (readOr(path.join(chain[i - 1], f)) ?? '').trim();
      try {
        fs.writeFileSync(file, parent);
      } catch (e) {
        throw fsError(e, file);
      }
    }
  }
}

/**
 * cgroup v2: a controller's files exist in a cgroup only when its parent has it in
 * cgroup.subtree_control. As runc's fs2 CreateCgroupPath: every ancestor of the container's cgroup
 * (not the cgroup itself: no internal processes) delegates every controller it has; a controller
 * that cannot be enabled (a parent with processes in it, a threaded subtree) is left out here, and
 * a resource that needs it then fails naming its field (resources.ts).
 */
function enableAllControllers(h: Hierarchy, dir: string): void {
  const chain = pathFromMount(h, dir);
  for (const cur of chain.slice(0, -1)) {
    const have = (readOr(path.join(cur, 'cgroup.controllers')) ?? '').split(/\s+/).filter(Boolean);
    const on = (readOr(path.join(cur, 'cgroup.subtree_control')) ?? '').split(/\s+/);
    const missing = have.filter((c) => !on.includes(c));
    if (!missing.length) continue;
    const file = path.join(cur, 'cgroup.subtree_control');
    try {
      fs.writeFileSync(file, missing.map((c) => `+${c}`).join(' '));
    } catch {
      for (const c of missing) {
        try {
          fs.writeFileSync(file, `+${c}`);
        } catch {
          /* not delegable here: a resource that needs it says so */
        }
      }
    }
  }
}

/**
 * After the directories exist: v2 ancestors delegate their controllers, v1 cpuset paths get
 * cpus/mems (`dirs` index-aligned with layout.hierarchies). Errors name the file and the field.
 */
export function prepareCgroups(layout: CgroupLayout, dirs: string[]): void {
  layout.hierarchies.forEach((h, i) => {
    if (h.version === 2) enableAllControllers(h, dirs[i]);
    else if (h.name.split(',').includes('cpuset')) ensureCpuset(h, dirs[i]);
  });
}

/**
 * runc's check of a cgroupsPath that exists already: frozen is an error (the container would hang
 * at its first instruction, and so would create). Processes already in it are warned about by create.
 */
export function checkNotFrozen(layout: CgroupLayout, dirs: string[]): void {
  layout.hierarchies.forEach((h, i) => {
    const dir = dirs[i];
    const frozen = h.version === 2
      ? /^frozen 1$/m.test(readOr(path.join(dir, 'cgroup.events')) ?? '') || (readOr(path.join(dir, 'cgroup.freeze')) ?? '').trim() === '1'
      : /FROZEN|FREEZING/.test(readOr(path.join(dir, 'freezer.state')) ?? '');
    if (frozen) throw new ConfigError(PATH_FIELD, `container's cgroup unexpectedly frozen: ${dir} (thaw it, or use another cgroupsPath)`);
  });
}

/** Linux ≥ 5.7 has clone3's CLONE_INTO_CGROUP. */
function kernelHasCloneIntoCgroup(): boolean {
  const m = /^(\d+)\.(\d+)/.exec(readOr('/proc/sys/kernel/osrelease') ?? '');
  return !!m && (Number(m[1]) > 5 || (Number(m[1]) === 5 && Number(m[2]) >= 7));
}

/**
 * The cgroup v2 directory the container's init can be born in (clone3 CLONE_INTO_CGROUP): no
 * migration at all there (on a hybrid host the v1 hierarchies still migrate). Not with a user
 * namespace (the kernel checks the cgroup's permissions with the credentials of the cloning
 * process, which is then root of that namespace only) nor a joined cgroup namespace (its root may
 * not contain the directory).
 */
export function cloneIntoDir(layout: CgroupLayout, dirs: string[], namespaces: { type: string; path?: string }[] = []): string | undefined {
  const u = layout.hierarchies.findIndex((h) => h.version === 2);
  if (u < 0 || !kernelHasCloneIntoCgroup()) return undefined;
  if (namespaces.some((n) => n.type === 'user' || (n.type === 'cgroup' && n.path))) return undefined;
  return dirs[u];
}

/**
 * Keep the kernel's cgroup migration lock warm until the returned function is called. The first
 * migration after a quiet while (a pid written to cgroup.procs, v1 or v2) waits an RCU grace period
 * (~10 ms, cgroup_threadgroup_rwsem) and holds up forks on the whole host meanwhile; for ~10 ms
 * after a migration the next one is immediate. A thread of the addon (addon/src/cgwarm.cc) writes
 * our own pid into the cgroup we are already in (nothing moves) every 4 ms, so that wait is paid
 * while create or exec validates and plans, and placing the init or exec's helper costs ~0.1 ms.
 * Call it only when a migration will follow (not for a container cloned straight into its only
 * cgroup, pure v2). Harmless when it cannot write (not root, no hierarchy): nothing is warmed.
 */
export function warmMigrationLock(layout: CgroupLayout): () => void {
  const stop = (): void => undefined;
  const h = layout.hierarchies.find((x) => x.version === 1) ?? layout.hierarchies[0];
  if (!h) return stop;
  const own = parseProcCgroup(readOr('/proc/self/cgroup') ?? '').get(h.name);
  if (own === undefined || !(h.root === '/' || own === h.root || own.startsWith(h.root + '/'))) return stop;
  const file = path.join(dirInHierarchy(h, own), 'cgroup.procs');
  if (!native().keepMigrationWarm(file, process.pid, 4, 3000)) return stop;
  return () => native().stopMigrationWarm();
}

export function addPid(dirs: string[], pid: number): void {
  for (const d of dirs) {
    const file = path.join(d, 'cgroup.procs');
    try {
      fs.writeFileSync(file, String(pid));
    } catch (e) {
      throw fsError(e, file);
    }
  }
}

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
