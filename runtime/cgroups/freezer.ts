/**
 * Which freezer a container's cgroups use, in one place (pause, resume, kill --all, `state`):
 * the v1 freezer hierarchy when the host has one (runc's fs driver on v1 and hybrid hosts), else
 * cgroup.freeze of the cgroup2 directory. Decided from the saved directories alone (no mountinfo
 * read), so `state` stays cheap.
 */
import fs = require('fs');
import path = require('path');
import * as v1 from './v1/freezer';
import * as v2 from './v2/freezer';

export interface Freezer {
  dir: string;
  version: 1 | 2;
}

export function freezerOf(dirs: string[]): Freezer | undefined {
  // the v1 freezer's directory usually sits in a hierarchy named "freezer": look there first
  const ordered = [...dirs.filter((d) => d.includes('/freezer')), ...dirs.filter((d) => !d.includes('/freezer'))];
  for (const dir of ordered) if (fs.existsSync(path.join(dir, 'freezer.state'))) return { dir, version: 1 };
  for (const dir of dirs) if (fs.existsSync(path.join(dir, 'cgroup.freeze'))) return { dir, version: 2 };
  return undefined;
}

export function isFrozen(dirs: string[]): boolean {
  const f = freezerOf(dirs);
  if (!f) return false;
  return f.version === 1 ? v1.frozen(f.dir) : v2.frozen(f.dir);
}

/** Freeze (waiting until every task is frozen) or thaw. Returns false when there is no freezer. */
export function setFrozen(dirs: string[], freeze: boolean): boolean {
  const f = freezerOf(dirs);
  if (!f) return false;
  if (f.version === 1) v1.setFrozen(f.dir, freeze);
  else v2.setFrozen(f.dir, freeze);
  return true;
}
