/**
 * HOME for the container's process when its env has none (runc does the same): the home directory
 * of the process's uid in the container's /etc/passwd, or "/" when there is no entry. The file is
 * read from the host with every path component resolved inside `root` (openat2 RESOLVE_IN_ROOT),
 * so a symlinked /etc or /etc/passwd in the image cannot point the runtime at a host file.
 */
import { native } from '../native';
import { Process } from '../spec/types';
import { envValue } from '../plan/process';

const MAX_PASSWD = 1 << 20;

/** The home directory of `uid` in the /etc/passwd under `root`; undefined when there is no entry. */
export function passwdHome(root: string, uid: number): string | undefined {
  let buf: Buffer | null;
  try {
    buf = native().readFileInRoot(root, 'etc/passwd', MAX_PASSWD);
  } catch {
    return undefined; // unreadable (a directory, too large, a loop): no entry, as runc treats it
  }
  for (const line of (buf ? buf.toString('utf8') : '').split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const f = line.split(':');
    if (f.length >= 6 && /^\d+$/.test(f[2]) && Number(f[2]) === uid) return f[5] || undefined;
  }
  return undefined;
}

/** Adds HOME to the process's env when it has none. */
export function setHome(p: Process, root: string): void {
  if (envValue(p.env, 'HOME') !== undefined) return;
  p.env = [...(p.env ?? []), `HOME=${passwdHome(root, p.user.uid) ?? '/'}`];
}
