/**
 * Which freezer a container's cgroups use, in one place (pause, resume, kill --all, `state`):
 * the v1 freezer hierarchy when the host has one (runc's fs driver on v1 and hybrid hosts), else
 * cgroup.freeze of the cgroup2 directory. Decided from the saved directories alone (no mountinfo
 * read), so `state` stays cheap. The choice and the frozen test are addon/common/ocistate.c, the
 * code the status derivation (and the launcher's `state`) uses; freezing and thawing are here.
 */
import { native } from '../native';
import * as v1 from './v1/freezer';
import * as v2 from './v2/freezer';

export interface Freezer {
  dir: string;
  version: 1 | 2;
}

export function freezerOf(dirs: string[]): Freezer | undefined {
  const f = native().freezerOf(dirs);
  return f && { dir: dirs[f.index], version: f.version };
}

export function isFrozen(dirs: string[]): boolean {
  return native().isFrozen(dirs);
}

/** Freeze (waiting until every task is frozen) or thaw. Returns false when there is no freezer. */
export function setFrozen(dirs: string[], freeze: boolean): boolean {
  const f = freezerOf(dirs);
  if (!f) return false;
  if (f.version === 1) v1.setFrozen(f.dir, freeze);
  else v2.setFrozen(f.dir, freeze);
  return true;
}
