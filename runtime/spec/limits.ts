/**
 * Rules about config.json as a document, checked right after parsing and before the schema:
 * how deep it nests and whether any string holds a NUL byte. Both are walked without recursion,
 * so a hostile file cannot exhaust the stack of the checks (or of anything that later serialises
 * the spec, such as state.json).
 *
 * - Nesting: runtime-spec documents nest at most ~6 levels; anything deeper than MAX_DEPTH
 *   (including unknown fields) is refused with the pointer where the limit was crossed.
 * - NUL bytes: every string of the config ends up as a C string (a path, an argument, a cgroup
 *   name, a sysctl key) where a NUL silently truncates it; runc's Go syscalls refuse them
 *   (EINVAL). Values under /annotations are exempt: they are metadata that never reach the kernel.
 * - Length: no string or key over MAX_STRING outside /annotations values. The kernel takes no path
 *   over 4 KiB and no argument or environment string over 128 KiB, so nothing longer can work, and
 *   a 20 MB cgroupsPath cost a minute of path arithmetic before it failed.
 */
import { ConfigError } from '../errors';

export const MAX_DEPTH = 64;
export const MAX_STRING = 1 << 20;

/** A JSON pointer token (RFC 6901): `~` → `~0`, `/` → `~1`. */
export function pointerToken(key: string | number): string {
  return String(key).replace(/~/g, '~0').replace(/\//g, '~1');
}

export function checkDocument(doc: unknown): void {
  // An explicit stack of [value, pointer, depth]: no recursion.
  const stack: [unknown, string, number][] = [[doc, '', 0]];
  while (stack.length > 0) {
    const [v, at, depth] = stack.pop()!;
    if (typeof v === 'string') {
      if (at.startsWith('/annotations/')) continue;
      if (v.length > MAX_STRING) throw new ConfigError(at, `is ${v.length} characters long: at most ${MAX_STRING} (1 MiB)`);
      if (v.includes('\0')) throw new ConfigError(at, 'must not contain a NUL byte');
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth >= MAX_DEPTH) throw new ConfigError(at, `nested more than ${MAX_DEPTH} levels deep`);
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${at}/${i}`, depth + 1]);
      continue;
    }
    const keys = Object.keys(v);
    for (let i = keys.length - 1; i >= 0; i--) {
      const k = keys[i];
      if (k.length > MAX_STRING && !(at === '/annotations')) throw new ConfigError(`${at}/${pointerToken(k.slice(0, 32))}…`, `the key is ${k.length} characters long: at most ${MAX_STRING} (1 MiB)`);
      const p = `${at}/${pointerToken(k)}`;
      if (k.includes('\0')) throw new ConfigError(p, 'the key must not contain a NUL byte');
      stack.push([(v as Record<string, unknown>)[k], p, depth + 1]);
    }
  }
}
