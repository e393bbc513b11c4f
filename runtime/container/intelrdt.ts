/**
 * linux.intelRdt: a resctrl group (closID, or the container id) with the given schemata, the init
 * placed in it before it forks. Without a mounted resctrl filesystem (no RDT hardware or kernel
 * support) create fails and says so, rather than ignoring the field.
 */
import fs = require('fs');
import path = require('path');
import { ConfigError, describeFsError } from '../errors';
import { Linux } from '../spec/types';

const RESCTRL = '/sys/fs/resctrl';

export interface RdtGroup {
  dir: string;
  created: boolean;
}

export function resctrlMounted(mountinfo = fs.readFileSync('/proc/self/mountinfo', 'utf8')): boolean {
  return mountinfo.split('\n').some((l) => l.includes(' - resctrl '));
}

export function createRdtGroup(linux: Linux | undefined, id: string): RdtGroup | undefined {
  const rdt = linux?.intelRdt as { closID?: string; l3CacheSchema?: string; memBwSchema?: string; schemata?: string[] } | undefined;
  if (!rdt) return undefined;
  if (!resctrlMounted()) throw new ConfigError('/linux/intelRdt', `Intel RDT is not available: no resctrl filesystem is mounted at ${RESCTRL}`);
  const dir = path.join(RESCTRL, rdt.closID || id);
  const created = !fs.existsSync(dir);
  try {
    if (created) fs.mkdirSync(dir);
    const lines = [rdt.l3CacheSchema, rdt.memBwSchema, ...(rdt.schemata ?? [])].filter((x): x is string => !!x);
    for (const l of lines) fs.writeFileSync(path.join(dir, 'schemata'), l + '\n');
  } catch (e) {
    if (created) fs.rmSync(dir, { recursive: false, force: true });
    throw new ConfigError('/linux/intelRdt', describeFsError(e));
  }
  return { dir, created };
}

export function addRdtPid(g: RdtGroup, pid: number): void {
  fs.writeFileSync(path.join(g.dir, 'tasks'), String(pid));
}

export function removeRdtGroup(g: RdtGroup | undefined): void {
  if (g?.created) fs.rmdirSync(g.dir);
}
