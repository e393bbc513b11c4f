/**
 * Compiled seccomp filters, cached by the lowered profile (architecture.md): libseccomp
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

/**
 * An FNV-1a-style 64-bit hash of the text (two 32-bit lanes, in hex): only the file name. The file holds
 * the whole profile text and is used only when that text is equal, so a collision costs a compile,
 * never a wrong filter; node:crypto (~2 ms to load) is not needed.
 */
function fnv1a64(text: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x050c5d1f;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x01000193) ^ (h1 >>> 15);
  }
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}

export function compileSeccompCached(root: string, profile: LoweredProfile): Compiled {
  let addonId = '';
  try {
    const st = fs.statSync(addonPath());
    addonId = `${st.size}:${st.mtimeMs}`;
  } catch {
    /* no addon: compile below fails with its own error */
  }
  const text = JSON.stringify(profile) + '\n' + addonId;
  const dir = path.join(root, '.seccomp-cache');
  const file = path.join(dir, `${fnv1a64(text)}.json`);
  try {
    const c = JSON.parse(fs.readFileSync(file, 'utf8')) as { key: string; bpf: string; unknown: string[] };
    if (c.key === text) return { bpf: Buffer.from(c.bpf, 'base64'), unknown: c.unknown };
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
    fs.writeFileSync(tmp, JSON.stringify({ key: text, bpf: compiled.bpf.toString('base64'), unknown: compiled.unknown }), { mode: 0o600 });
    fs.renameSync(tmp, file);
  } catch {
    /* a cache that cannot be written only costs the next create a compile */
  }
  return compiled;
}
