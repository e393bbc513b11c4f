/**
 * Apply `linux.resources` (runtime-spec 1.3 config-linux.md "Control groups") to the container's
 * cgroup directories, for v1, v2 and hybrid hosts.
 *
 * Each resource group goes to the hierarchy that has its controller: a v1 hierarchy whose name lists
 * it, else the unified (v2) hierarchy when <mountpoint>/cgroup.controllers offers it. On a hybrid
 * host that means e.g. memory in /sys/fs/cgroup/memory and hugetlb in /sys/fs/cgroup/unified. A field
 * whose controller exists nowhere is a ConfigError naming the field, never silently dropped.
 * The per-controller files (v1/*.ts, v2/*.ts) know the control files; this one only routes.
 *
 * checkResources() is the side-effect-free half (controller presence, value ranges, key shapes);
 * applyResources() runs it, enables the v2 controllers in the ancestors' cgroup.subtree_control, then
 * writes. Warnings (ignored fields) are returned, not logged.
 */
import path = require('path');
import { ConfigError } from '../errors';
import { Resources } from '../spec/types';
import { CgroupLayout, Hierarchy } from './detect';
import { blockIOOf, cpuOf, FsWriter, memoryOf, networkOf, RES, rdmaOf, Writer } from './writer';
import * as v1memory from './v1/memory';
import * as v1cpu from './v1/cpu';
import * as v1cpuset from './v1/cpuset';
import * as v1pids from './v1/pids';
import * as v1blkio from './v1/blkio';
import * as v1hugetlb from './v1/hugetlb';
import * as v1devices from './v1/devices';
import * as v1net from './v1/net';
import * as v1rdma from './v1/rdma';
import * as v2memory from './v2/memory';
import * as v2cpu from './v2/cpu';
import * as v2cpuset from './v2/cpuset';
import * as v2pids from './v2/pids';
import * as v2io from './v2/io';
import * as v2hugetlb from './v2/hugetlb';
import * as v2rdma from './v2/rdma';
import * as v2unified from './v2/unified';
import * as v2devices from './v2/devices';

type Apply = (dir: string, r: Resources, w: Writer) => void;

/** One resource group: the spec fields it consumes and the controller that serves them per version. */
interface Group {
  v1?: { controller: string; apply: Apply };
  v2?: { controller: string; apply: Apply; refuses?: (r: Resources) => string[] };
  /** JSON pointers of the fields that are set (empty: nothing to apply) */
  used: (r: Resources) => string[];
}

const setKeys = (o: object | undefined, base: string, keys?: string[]): string[] =>
  Object.entries(o ?? {})
    .filter(([k, v]) => v !== undefined && v !== null && !(Array.isArray(v) && !v.length) && (!keys || keys.includes(k)))
    .map(([k]) => `${base}/${k}`);

const CPU_KEYS = ['shares', 'quota', 'burst', 'period', 'realtimeRuntime', 'realtimePeriod', 'idle'];

/** In runc's fs (v1) subsystem order: cpuset first (a v1 cpuset must be set before tasks join). */
const GROUPS: Group[] = [
  {
    v1: { controller: 'cpuset', apply: v1cpuset.apply },
    v2: { controller: 'cpuset', apply: v2cpuset.apply },
    used: (r) => setKeys(cpuOf(r), `${RES}/cpu`, ['cpus', 'mems']),
  },
  {
    v1: { controller: 'memory', apply: v1memory.apply },
    // kernel memory has no v2 counterpart (its accounting is part of memory.max there)
    v2: { controller: 'memory', apply: v2memory.apply, refuses: (r) => (['kernel', 'kernelTCP'] as const).filter((k) => memoryOf(r)[k]).map((k) => `${RES}/memory/${k}`) },
    used: (r) => setKeys(memoryOf(r), `${RES}/memory`),
  },
  {
    v1: { controller: 'cpu', apply: v1cpu.apply },
    v2: { controller: 'cpu', apply: v2cpu.apply, refuses: (r) => setKeys(cpuOf(r), `${RES}/cpu`, ['realtimeRuntime', 'realtimePeriod']) },
    used: (r) => setKeys(cpuOf(r), `${RES}/cpu`, CPU_KEYS),
  },
  {
    v1: { controller: 'pids', apply: v1pids.apply },
    v2: { controller: 'pids', apply: v2pids.apply },
    used: (r) => (r.pids?.limit !== undefined ? [`${RES}/pids/limit`] : []),
  },
  {
    v1: { controller: 'blkio', apply: v1blkio.apply },
    v2: { controller: 'io', apply: v2io.apply },
    used: (r) => setKeys(blockIOOf(r), `${RES}/blockIO`),
  },
  {
    v1: { controller: 'hugetlb', apply: v1hugetlb.apply },
    v2: { controller: 'hugetlb', apply: v2hugetlb.apply },
    used: (r) => (r.hugepageLimits ?? []).map((_, i) => `${RES}/hugepageLimits/${i}`),
  },
  {
    v1: { controller: 'net_cls', apply: v1net.applyNetCls },
    used: (r) => (networkOf(r).classID !== undefined ? [`${RES}/network/classID`] : []),
  },
  {
    v1: { controller: 'net_prio', apply: v1net.applyNetPrio },
    used: (r) => (networkOf(r).priorities ?? []).map((_, i) => `${RES}/network/priorities/${i}`),
  },
  {
    v1: { controller: 'rdma', apply: v1rdma.apply },
    v2: { controller: 'rdma', apply: v2rdma.apply },
    used: (r) => Object.keys(rdmaOf(r)).map((k) => `${RES}/rdma/${k}`),
  },
];

export interface Step {
  /** index into layout.hierarchies (and into the dirs createCgroups made) */
  index: number;
  version: 1 | 2;
  controller: string;
  apply: Apply;
  /** the first field that needs it (for errors while enabling a v2 controller) */
  pointer: string;
}

export interface ResourcePlan {
  steps: Step[];
  /** v2 controllers to enable in the ancestors' cgroup.subtree_control, per unified hierarchy index */
  enable: Map<number, { controller: string; pointer: string }[]>;
  warnings: string[];
}

const v1Index = (layout: CgroupLayout, c: string): number =>
  layout.hierarchies.findIndex((h) => h.version === 1 && h.name.split(',').includes(c));
const v2Index = (layout: CgroupLayout): number => layout.hierarchies.findIndex((h) => h.version === 2);

/** The controllers the unified hierarchy offers (its root's cgroup.controllers). */
export function v2Controllers(h: Hierarchy | undefined, read: Writer['read']): string[] {
  if (!h) return [];
  return (read(h.mountpoint, 'cgroup.controllers') ?? '').split(/\s+/).filter(Boolean);
}

/**
 * Validate `r` against the host without writing anything: every set field has a controller, values are
 * in range, unified keys are well formed. Returns what applyResources will do.
 */
export function checkResources(layout: CgroupLayout, r: Resources | undefined, read: Writer['read'] = (d, f) => new FsWriter().read(d, f)): ResourcePlan {
  const plan: ResourcePlan = { steps: [], enable: new Map(), warnings: [] };
  const res: Resources = r ?? {};
  const u = v2Index(layout);
  const avail = v2Controllers(layout.hierarchies[u], read);
  const enable = (controller: string, pointer: string) => {
    const list = plan.enable.get(u) ?? [];
    if (!list.some((x) => x.controller === controller)) list.push({ controller, pointer });
    plan.enable.set(u, list);
  };

  checkValues(res);

  // Devices: the v1 controller, else a BPF device program on the cgroup v2 directory (no controller
  // to enable: it attaches to any cgroup2 directory). runc applies its default allow list even when
  // the spec has no rules, so the container always gets the rules.
  const rules = v1devices.specRules(res.devices);
  const di = v1Index(layout, 'devices');
  if (di >= 0) plan.steps.push({ index: di, version: 1, controller: 'devices', apply: v1devices.apply, pointer: `${RES}/devices` });
  else if (u >= 0) plan.steps.push({ index: u, version: 2, controller: 'devices', apply: v2devices.apply, pointer: `${RES}/devices` });
  else if (rules.length) throw new ConfigError(`${RES}/devices`, 'no devices cgroup controller on this host');

  for (const g of GROUPS) {
    const used = g.used(res);
    if (!used.length) continue;
    const i1 = g.v1 ? v1Index(layout, g.v1.controller) : -1;
    if (g.v1 && i1 >= 0) {
      plan.steps.push({ index: i1, version: 1, controller: g.v1.controller, apply: g.v1.apply, pointer: used[0] });
    } else if (g.v2 && u >= 0 && avail.includes(g.v2.controller)) {
      const refused = g.v2.refuses?.(res) ?? [];
      if (refused.length) throw new ConfigError(refused[0], `not supported on cgroup v2 (the ${g.v2.controller} controller has no such limit): remove it from config.json`);
      plan.steps.push({ index: u, version: 2, controller: g.v2.controller, apply: g.v2.apply, pointer: used[0] });
      enable(g.v2.controller, used[0]);
    } else {
      const names = [g.v1 && `v1 "${g.v1.controller}"`, g.v2 && `v2 "${g.v2.controller}"`].filter(Boolean).join(' or ');
      throw new ConfigError(used[0], `no ${names} cgroup controller on this host (cgroup ${layout.mode})`);
    }
  }

  const unified = Object.keys(res.unified ?? {});
  if (unified.length) {
    // runc's words ("invalid configuration: cannot use unified on cgroup v1"), which scripts match
    if (u < 0) throw new ConfigError(`${RES}/unified`, 'invalid configuration: cannot use unified on cgroup v1');
    for (const key of unified) {
      const ctrl = v2unified.checkKey(key);
      if (ctrl === 'cgroup') continue;
      if (!avail.includes(ctrl)) {
        throw new ConfigError(v2unified.pointerOf(key), `invalid configuration: unified resource "${key}" can't be set: controller "${ctrl}" not available in the cgroup v2 hierarchy`);
      }
      enable(ctrl, v2unified.pointerOf(key));
    }
    plan.steps.push({ index: u, version: 2, controller: 'unified', apply: (d, rr, w) => v2unified.apply(d, rr, w, avail), pointer: `${RES}/unified` });
  }
  return plan;
}

/** Value checks that do not depend on the host. */
function checkValues(r: Resources): void {
  const m = memoryOf(r);
  if (m.swappiness !== undefined && m.swappiness !== -1 && (m.swappiness < 0 || m.swappiness > 100)) {
    throw new ConfigError(`${RES}/memory/swappiness`, `invalid memory swappiness value: ${m.swappiness} (valid range is 0-100)`);
  }
  if (m.limit !== undefined && m.swap !== undefined && m.limit > 0 && m.swap > 0 && m.swap < m.limit) {
    throw new ConfigError(`${RES}/memory/swap`, `memory+swap limit (${m.swap}) should be >= memory limit (${m.limit})`);
  }
  (r.hugepageLimits ?? []).forEach((l, i) => {
    if (!/^\d+[KMG]B$/.test(l.pageSize)) throw new ConfigError(`${RES}/hugepageLimits/${i}/pageSize`, `invalid hugepage size "${l.pageSize}" (e.g. 2MB, 1GB)`);
  });
}

/**
 * Enable `controllers` in cgroup.subtree_control of every ancestor of `dir` inside the hierarchy
 * (from its mountpoint down to dir's parent): a v2 controller's files appear in a cgroup only when
 * its parent delegates it.
 */
function enableV2(h: Hierarchy, dir: string, controllers: { controller: string; pointer: string }[], w: Writer): void {
  const rel = path.relative(h.mountpoint, path.dirname(dir));
  const parts = rel && !rel.startsWith('..') ? rel.split('/') : [];
  let cur = h.mountpoint;
  for (let i = 0; ; i++) {
    const on = (w.read(cur, 'cgroup.subtree_control') ?? '').split(/\s+/);
    for (const c of controllers) if (!on.includes(c.controller)) w.write(cur, 'cgroup.subtree_control', `+${c.controller}`, c.pointer);
    if (i >= parts.length) break;
    cur = path.join(cur, parts[i]);
  }
}

export interface ApplyOptions {
  /**
   * false: leave the device rules as they are (an `update` that names no devices; create always
   * writes them, runc's default list included)
   */
  devices?: boolean;
}

/**
 * Write `r` into `dirs` (index-aligned with layout.hierarchies, as cgroupDirs/createCgroups make them).
 * Throws ConfigError naming the field; returns warnings.
 */
export function applyResources(layout: CgroupLayout, dirs: string[], r: Resources | undefined, w: Writer = new FsWriter(), opts: ApplyOptions = {}): string[] {
  const plan = checkResources(layout, r, (d, f) => w.read(d, f));
  if (opts.devices === false) plan.steps = plan.steps.filter((s) => s.controller !== 'devices');
  const warnings = [...plan.warnings];
  const collect: Writer = { write: (d, f, v, p) => w.write(d, f, v, p), read: (d, f) => w.read(d, f), warn: (m) => warnings.push(m), attachDevices: (d, a, e, p) => w.attachDevices(d, a, e, p) };
  for (const [i, list] of plan.enable) enableV2(layout.hierarchies[i], dirs[i], list, collect);
  for (const s of plan.steps) s.apply(dirs[s.index], r ?? {}, collect);
  return [...new Set(warnings)];
}
