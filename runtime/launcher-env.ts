/**
 * What bin/oci-ts (addon/launcher/launcher.c) found before it started Node, passed in two
 * environment variables that are read once and removed from process.env (so no hook or child
 * of the runtime sees them):
 *
 * - OCI_TS_NOFILE_SOFT: the caller's RLIMIT_NOFILE soft limit. Node raises its soft limit to the
 *   hard one at start-up (and the launcher does when it is too low for Node); the container's
 *   process must see the caller's limit, not ours (the planner restores it).
 * - OCI_TS_OPEN_FDS: how many descriptors from 3 up the caller left open. `--preserve-fds N`
 *   beyond that would hand Node's own descriptors (epoll, eventfd) to the container.
 * - OCI_TS_FAST_VERDICT: the launcher's native fast path acted and then failed (a start whose init
 *   died before taking its byte): the error, for the CLI's one error boundary to print and log.
 *
 * Read at run time, never at module load: the CLI may come from a startup snapshot.
 */
export interface LauncherFacts {
  /** the caller's RLIMIT_NOFILE soft limit (undefined without the launcher) */
  nofileSoft?: number;
  /** descriptors 3..3+openFds-1 were open when the runtime was called; undefined without the launcher */
  openFds?: number;
  /** the error the native fast path met after acting (main.ts reports it as the command's error) */
  verdict?: string;
}

/** Kept on globalThis: the hot bundle reads the variables, the full bundle it hands over to needs them too. */
const KEY = Symbol.for('oci-ts.launcherFacts');
const store = globalThis as unknown as Record<symbol, LauncherFacts | undefined>;

function num(name: string): number | undefined {
  const v = process.env[name];
  delete process.env[name];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}

export function launcherFacts(): LauncherFacts {
  if (!store[KEY]) {
    const verdict = process.env.OCI_TS_FAST_VERDICT || undefined;
    delete process.env.OCI_TS_FAST_VERDICT;
    store[KEY] = { nofileSoft: num('OCI_TS_NOFILE_SOFT'), openFds: num('OCI_TS_OPEN_FDS'), verdict };
  }
  return store[KEY]!;
}
