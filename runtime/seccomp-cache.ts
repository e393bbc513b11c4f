/**
 * Compiled seccomp filters, cached by a hash of the lowered profile (architecture.md): libseccomp
 * takes ~13 ms for a 300-syscall, 3-architecture profile like Docker's, and engines send the same
 * profile for every container. Files live under --root/.seccomp-cache (root only), written
 * atomically; the key also covers the addon build, so a new libseccomp recompiles.
 */
import fs = require('fs');
import path = require('path');
import { native } from './native';
import { ensureRoot } from './state/store';
import { addonPath } from './paths';
import { LoweredProfile } from './plan/seccomp';

export interface Compiled {
  bpf: Buffer;
  unknown: string[];
}

export function compileSeccompCached(root: string, profile: LoweredProfile): Compiled {
  let addonId = '';
  try {
    const st = fs.statSync(addonPath());
    addonId = `${st.size}:${st.mtimeMs}`;
  } catch {
    /* no addon: compile below fails with its own error */
  }
  // node:crypto is loaded only here: create and exec without seccomp do not pay for it
  const crypto = require('crypto') as typeof import('crypto');
  const key = crypto.createHash('sha256').update(JSON.stringify(profile)).update(addonId).digest('hex');
  const dir = path.join(root, '.seccomp-cache');
  const file = path.join(dir, `${key}.json`);
  try {
    const c = JSON.parse(fs.readFileSync(file, 'utf8')) as { bpf: string; unknown: string[] };
    return { bpf: Buffer.from(c.bpf, 'base64'), unknown: c.unknown };
  } catch {
    /* not cached yet (or unreadable): compile */
  }
  const compiled = native().compileSeccomp(profile);
  try {
    // the config is valid by now; --root is made as create would make it (one component at a time:
    // Node's recursive mkdir never returns under /proc/self, which a hostile --root can name)
    ensureRoot(root);
    if (!fs.existsSync(dir)) fs.mkdirSync(dir, { mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify({ bpf: compiled.bpf.toString('base64'), unknown: compiled.unknown }), { mode: 0o600 });
    fs.renameSync(tmp, file);
  } catch {
    /* a cache that cannot be written only costs the next create a compile */
  }
  return compiled;
}
