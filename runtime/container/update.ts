/**
 * update (runc update, libcontainer Set): write new linux.resources into a live container's
 * cgroups with the same per-controller writers as create (cgroups/resources.ts), and record the
 * merged resources in state.json.
 *
 * Only the fields given are written (runc ≥1.2: unset means unchanged), with two completions runc
 * makes from the saved config: a quota without a period (or the reverse) keeps the other's saved
 * value (cgroup v2 writes both into cpu.max), and a swap without a limit takes the saved limit
 * (swap is memory+swap in the spec; v2 writes the difference). As runc 1.1, `pids.limit` 0 means
 * unchanged. Device rules are written only when `devices` is given: the v1 lists, or a new BPF
 * program replacing the old one on cgroup v2 (runc's update cannot change devices).
 *
 * Everything is checked before the first write (the config.json schema for linux.resources, then
 * the host checks of checkResources); errors name the field as `resources /memory/limit: ...`, or
 * the flag it came from (`--memory: ...`).
 */
import fs = require('fs');
import path = require('path');
import { GlobalOptions } from './api';
import { ConfigError, OciError, StateError, describeFsError } from '../errors';
import { Resources } from '../spec/types';
import { validateSchema } from '../spec/validate';
import { readState, withLock, writeState, SavedState } from '../state/store';
import { deriveStatus } from '../state/status';
import { detectCgroups } from '../cgroups/detect';
import { savedHierarchies } from '../cgroups/manager';
import { applyResources, checkResources } from '../cgroups/resources';
import { RES } from '../cgroups/writer';
import { resctrlMounted } from './intelrdt';

export interface UpdateRequest {
  resources: Resources;
  /** where the values came from: the --resources document, or runc's single-value flags */
  source: 'resources' | 'flags';
  /** JSON pointer inside resources → the flag that set it (for messages) */
  flagOf?: Record<string, string>;
  l3CacheSchema?: string;
  memBwSchema?: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The key an array entry is replaced by (runc upserts devices by major:minor, hugetlb by page size). */
const ENTRY_KEY: Record<string, (e: Obj) => string> = {
  hugepageLimits: (e) => String(e.pageSize),
  weightDevice: (e) => `${e.major}:${e.minor}`,
  throttleReadBpsDevice: (e) => `${e.major}:${e.minor}`,
  throttleWriteBpsDevice: (e) => `${e.major}:${e.minor}`,
  throttleReadIOPSDevice: (e) => `${e.major}:${e.minor}`,
  throttleWriteIOPSDevice: (e) => `${e.major}:${e.minor}`,
  priorities: (e) => String(e.name),
};

/** The saved resources with `r` laid over them (pure). `devices` replaces the whole list. */
export function mergeResources(old: Obj, r: Obj): Obj {
  const out: Obj = { ...old };
  for (const [k, v] of Object.entries(r)) {
    if (v === undefined) continue;
    const key = ENTRY_KEY[k];
    if (key && Array.isArray(v) && Array.isArray(old[k])) {
      const list = [...(old[k] as Obj[])];
      for (const e of v as Obj[]) {
        const i = list.findIndex((x) => key(x) === key(e));
        if (i >= 0) list[i] = { ...list[i], ...e };
        else list.push(e);
      }
      out[k] = list;
    } else out[k] = isObj(v) && isObj(old[k]) ? mergeResources(old[k] as Obj, v) : v;
  }
  return out;
}

/** What the writers get: `r`, completed from the saved values where one field needs its pair. */
export function toWrite(old: Resources, r: Resources): Resources {
  const out: Resources = JSON.parse(JSON.stringify(r));
  const cpu = out.cpu as Obj | undefined;
  const oldCpu = (old.cpu ?? {}) as Obj;
  if (cpu && (cpu.quota === undefined) !== (cpu.period === undefined)) {
    if (cpu.quota === undefined && oldCpu.quota !== undefined) cpu.quota = oldCpu.quota;
    if (cpu.period === undefined && oldCpu.period !== undefined) cpu.period = oldCpu.period;
  }
  const mem = out.memory as Obj | undefined;
  const oldLimit = (old.memory as Obj | undefined)?.limit;
  if (mem && mem.swap !== undefined && mem.limit === undefined && oldLimit !== undefined) mem.limit = oldLimit;
  if (out.pids && out.pids.limit === 0) delete out.pids;
  return out;
}

/** A ConfigError from the schema or the writers, reworded for update. */
function reword(e: unknown, req: UpdateRequest): unknown {
  if (!(e instanceof ConfigError) || !e.pointer.startsWith(RES)) return e;
  const rel = e.pointer.slice(RES.length) || '/';
  const flag = req.flagOf?.[rel];
  return new OciError(req.source === 'flags' && flag ? `${flag}: ${e.detail}` : `resources ${rel}: ${e.detail}`);
}

/**
 * runc's Intel RDT update: only for a container created with linux.intelRdt, on a host with
 * resctrl. Checked before any cgroup write; returns the schemata file to write.
 */
function rdtTarget(s: SavedState, req: UpdateRequest): string | undefined {
  if (!req.l3CacheSchema && !req.memBwSchema) return undefined;
  if (!resctrlMounted()) throw new OciError(`Intel RDT/${req.l3CacheSchema ? 'CAT: l3 cache' : 'MBA: memory bandwidth'} schema is not enabled`);
  const rdt = s.spec.linux?.intelRdt as { closID?: string } | undefined;
  if (!rdt) throw new OciError('updating a non-existent Intel RDT configuration is not supported');
  return path.join('/sys/fs/resctrl', rdt.closID || s.id, 'schemata');
}

function updateRdt(s: SavedState, file: string, req: UpdateRequest): void {
  const rdt = s.spec.linux!.intelRdt as Record<string, unknown>;
  for (const [k, flag, v] of [['l3CacheSchema', '--l3-cache-schema', req.l3CacheSchema], ['memBwSchema', '--mem-bw-schema', req.memBwSchema]] as const) {
    if (!v) continue;
    try {
      fs.writeFileSync(file, v + '\n');
    } catch (e) {
      throw new OciError(`${flag}: ${describeFsError(e)}`);
    }
    rdt[k] = v;
  }
}

export async function update(g: GlobalOptions, id: string, req: UpdateRequest): Promise<void> {
  readState(g.root, id); // "does not exist" before the lock
  await withLock(g.root, id, () => {
    const s = readState(g.root, id);
    if (deriveStatus(g.root, s) === 'stopped') throw new StateError('container not running');
    const old = (s.spec.linux?.resources ?? {}) as Resources;
    const write = toWrite(old, req.resources);
    const { layout, dirs } = savedHierarchies(detectCgroups(), s.cgroupPaths);
    try {
      validateSchema({ ociVersion: s.ociVersion || '1.0.0', linux: { resources: req.resources } });
      checkResources(layout, write); // every host check before the first write (applyResources repeats it)
    } catch (e) {
      throw reword(e, req);
    }
    const rdt = rdtTarget(s, req);
    try {
      for (const w of applyResources(layout, dirs, write, undefined, { devices: req.resources.devices !== undefined })) g.warn?.(w);
    } catch (e) {
      throw reword(e, req);
    }
    if (rdt) updateRdt(s, rdt, req);
    s.spec.linux = { ...(s.spec.linux ?? {}), resources: mergeResources(old as Obj, req.resources as Obj) as Resources };
    writeState(g.root, s);
  });
}
