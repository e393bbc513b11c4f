/**
 * cgroup v1 freezer controller (runc libcontainer/cgroups/fs/freezer.go).
 *
 * Consumes no spec field: `pause`/`resume` and `kill --all` drive it.
 *   freeze → freezer.state = FROZEN, read back until FROZEN (a v1 cgroup can stay in FREEZING while
 *            new tasks keep appearing: runc rewrites FROZEN, thawing briefly every 50 tries; a
 *            cgroup that never freezes is thawed again and the error says so)
 *   thaw   → freezer.state = THAWED
 *   frozen → freezer.state is FROZEN and freezer.self_freezing is 1 (frozen by itself, not through a
 *            frozen ancestor, as runc's GetState): read by addon/common/ocistate.c (oci_is_frozen)
 */
import fs = require('fs');
import path = require('path');
import { OciError } from '../../errors';
import { sleepSync } from '../../sleep';

const STATE = 'freezer.state';

function read(dir: string, file: string): string | undefined {
  try {
    return fs.readFileSync(path.join(dir, file), 'utf8').trim();
  } catch {
    return undefined;
  }
}

export function setFrozen(dir: string, freeze: boolean): void {
  const file = path.join(dir, STATE);
  if (!freeze) {
    fs.writeFileSync(file, 'THAWED');
    return;
  }
  for (let i = 0; i < 1000; i++) {
    if (i % 50 === 49) {
      fs.writeFileSync(file, 'THAWED');
      sleepSync(10);
    }
    fs.writeFileSync(file, 'FROZEN');
    const state = read(dir, STATE);
    if (state === 'FROZEN') return;
    if (state !== 'FREEZING') break;
  }
  // Never leave a cgroup half frozen.
  try {
    fs.writeFileSync(file, 'THAWED');
  } catch {
    /* reported below */
  }
  throw new OciError(`${file}: unable to freeze`);
}
