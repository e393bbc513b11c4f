/**
 * The state directory: <root>/<id>/ holding state.json (written atomically: temp file, rename;
 * see writeState for the fsync) and exec.fifo. Commands that change a container hold an flock on the directory.
 *
 * A killed runtime must leave a container that `state`, `list` and `delete --force` can handle
 * (architecture.md "A runtime killed at any moment"), so:
 * - the directory appears complete: made as `~<pid>.<starttime>.<n>` with state.json and the fifo
 *   inside, locked, then renamed to <id>; a <root>/<id> always has a readable state.json;
 * - state.json names what create is about to acquire (cgroup directories) before it acquires it,
 *   and the init's pid as soon as it is known;
 * - delete renames the directory away last, after everything else is released.
 * A `~` directory whose process is gone is swept by the next create or delete.
 */
import fs = require('fs');
import path = require('path');
import { StateError, UsageError, fsStepError } from '../errors';
import { native, LOCK_EX, LOCK_SH, LOCK_UN } from '../native';
import { Spec } from '../spec/types';

/** What oci-ts keeps about a container; `state` derives the status from it, never stores it. */
export interface SavedState {
  ociVersion: string;
  id: string;
  /** host pid of the init, and its start time (field 22 of /proc/PID/stat) against pid reuse; 0 until known */
  pid: number;
  startTime: string;
  bundle: string;
  rootfs: string;
  created: string;
  annotations?: Record<string, string>;
  owner: string;
  /** the container's cgroup directory in each hierarchy (absolute) */
  cgroupPaths: string[];
  /** cgroup directories oci-ts makes (written before it makes them) and must remove */
  cgroupCreated: string[];
  /**
   * The namespaces the container made for itself (not joined, not the host's), as the init's
   * /proc/PID/ns links read them ("pid:[4026532301]"): which processes of its cgroup are the
   * container's (runtime/container/processes.ts).
   */
  namespaces?: Record<string, string>;
  spec: Spec;
  /** present while create runs: the creating process (pid, start time) */
  creator?: { pid: number; startTime: string };
}

const ID_RE = /^[\w+\-.]+$/;

/** Names under --root that are not containers: the seccomp cache and `~` directories in the making. */
export function isContainerName(name: string): boolean {
  return !name.startsWith('~') && name !== '.seccomp-cache';
}

export function checkId(id: string): void {
  if (!id) throw new UsageError('container id cannot be empty');
  if (!ID_RE.test(id) || id === '.' || id === '..') throw new UsageError(`invalid container id format: ${id}`);
  // the id names a directory under --root and in every cgroup hierarchy (NAME_MAX)
  if (Buffer.byteLength(id) > 255) throw new UsageError(`invalid container id: longer than 255 bytes (${Buffer.byteLength(id)})`);
}

export function stateDir(root: string, id: string): string {
  return path.join(root, id);
}

export function statePath(root: string, id: string): string {
  return path.join(root, id, 'state.json');
}

export function fifoPath(root: string, id: string): string {
  return path.join(root, id, 'exec.fifo');
}

/**
 * The state directory exists but its state.json cannot be used (empty, truncated, wrong types,
 * missing). `partial` holds the fields that could be read, for `delete --force`.
 */
export class UnreadableStateError extends StateError {
  constructor(readonly id: string, readonly file: string, readonly problem: string, readonly partial: Partial<SavedState>) {
    super(`container ${id}: ${file}: ${problem}`);
  }
}

const isStr = (v: unknown): v is string => typeof v === 'string';
const isStrList = (v: unknown): v is string[] => Array.isArray(v) && v.every(isStr);
const isPid = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Each field: its check and what it must be. Optional fields may be absent. */
const FIELDS: [keyof SavedState, (v: unknown) => boolean, string, boolean][] = [
  ['ociVersion', isStr, 'a string', false],
  ['id', isStr, 'a string', false],
  ['pid', isPid, 'a pid (an integer >= 0)', false],
  ['startTime', isStr, 'a string', false],
  ['bundle', isStr, 'a string', false],
  ['rootfs', isStr, 'a string', false],
  ['created', isStr, 'a string', false],
  ['owner', isStr, 'a string', false],
  ['cgroupPaths', isStrList, 'a list of strings', false],
  ['cgroupCreated', isStrList, 'a list of strings', false],
  ['spec', isObj, 'an object', false],
  ['annotations', isObj, 'an object', true],
  ['namespaces', (v) => isObj(v) && Object.values(v).every(isStr), 'an object of strings', true],
  ['creator', (v) => isObj(v) && isPid(v.pid) && isStr(v.startTime), 'an object {pid, startTime}', true],
];

/**
 * Check a parsed state.json: undefined when usable, else the first problem (JSON pointer). The
 * fields that pass go to `partial` (what delete --force can still act on).
 */
export function checkSaved(v: unknown, partial: Partial<SavedState> = {}): string | undefined {
  if (!isObj(v)) return 'not a JSON object';
  let problem: string | undefined;
  for (const [key, ok, what, optional] of FIELDS) {
    const x = v[key];
    if (x === undefined && optional) continue;
    if (ok(x)) (partial as Record<string, unknown>)[key] = x;
    else problem ??= x === undefined ? `/${key} is missing` : `/${key} must be ${what}`;
  }
  return problem;
}

export function readState(root: string, id: string): SavedState {
  checkId(id);
  const file = statePath(root, id);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      if (fs.existsSync(stateDir(root, id))) throw new UnreadableStateError(id, file, 'missing', {});
      throw new StateError(`container ${id} does not exist`);
    }
    if (code === 'EISDIR') throw new UnreadableStateError(id, file, 'is a directory', {});
    throw e;
  }
  if (!text.trim()) throw new UnreadableStateError(id, file, 'empty', {});
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new UnreadableStateError(id, file, `invalid JSON (${(e as Error).message})`, {});
  }
  const partial: Partial<SavedState> = {};
  const problem = checkSaved(v, partial);
  if (problem) throw new UnreadableStateError(id, file, problem, partial);
  return v as SavedState;
}

/**
 * Write a file atomically: a dot-temp file in the same directory, fsync, rename. A failure (a full
 * or read-only filesystem) names the file and removes the temp file.
 */
export function writeFileAtomic(file: string, data: string, mode = 0o644, durable = true): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  let fd = -1;
  try {
    fd = fs.openSync(tmp, 'w', mode);
    const buf = Buffer.from(data);
    for (let off = 0; off < buf.length; ) off += fs.writeSync(fd, buf, off);
    if (durable) fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = -1;
    fs.renameSync(tmp, file);
  } catch (e) {
    if (fd >= 0) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw fsStepError(`writing ${file}`, e);
  }
}

/**
 * mkdir -p of --root, one component at a time, so the error is the real one (Node's recursive
 * mkdir reports ENOENT for a read-only parent) and names the flag and the directory.
 */
export function ensureRoot(root: string): void {
  const abs = path.resolve(root);
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(abs, { throwIfNoEntry: false });
  } catch (e) {
    throw fsStepError(`--root ${root}: stat ${abs}`, e);
  }
  if (st) {
    if (!st.isDirectory()) throw new UsageError(`--root ${root}: not a directory`);
    return;
  }
  const parts = abs.split('/').filter(Boolean);
  for (let i = 1; i <= parts.length; i++) {
    const dir = '/' + parts.slice(0, i).join('/');
    try {
      fs.mkdirSync(dir, { mode: 0o700 });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && fs.statSync(dir).isDirectory()) continue;
      throw fsStepError(`--root ${root}: mkdir ${dir}`, code === 'EEXIST' ? Object.assign(new Error(), { errno: 20 }) : e);
    }
  }
}

/**
 * `durable: false` skips the fsync: for what only has to survive this process being killed (the
 * state written while creating, the final one of create, whose processes a machine crash ends too).
 */
export function writeState(root: string, s: SavedState, durable = true): void {
  writeFileAtomic(statePath(root, s.id), JSON.stringify(s), 0o600, durable);
}

let tempCount = 0;

/** A name under --root for a directory this process is making or removing: `~<pid>.<starttime>.<n>`. */
function tempName(root: string, ownStartTime: string): string {
  return path.join(root, `~${process.pid}.${ownStartTime}.${++tempCount}`);
}

/**
 * Remove `~` directories under --root whose process is gone (a create or delete killed half-way).
 * They hold nothing but their own files: a create acquires nothing before its directory is in place.
 */
export function sweepStale(root: string, startTimeOf: (pid: number) => string | undefined): void {
  let names: string[];
  try {
    names = fs.readdirSync(root);
  } catch {
    return;
  }
  for (const n of names) {
    const m = /^~(\d+)\.(\d+)\.\d+$/.exec(n);
    if (!m || startTimeOf(Number(m[1])) === m[2]) continue;
    fs.rmSync(path.join(root, n), { recursive: true, force: true });
  }
}

/**
 * Make the state directory complete in one step: a `~` directory with state.json and exec.fifo,
 * locked (the lock is held until create returns, and released if this process is killed), renamed
 * to <root>/<id>. Returns the lock's fd. Throws "already exists" when the id is taken.
 */
export function makeStateDir(root: string, s: SavedState, ownStartTime: string, afterTemp?: () => void): number {
  ensureRoot(root);
  const tmp = tempName(root, ownStartTime);
  try {
    fs.mkdirSync(tmp, { mode: 0o711 });
  } catch (e) {
    throw fsStepError(`--root ${root}: mkdir ${tmp}`, e);
  }
  let fd = -1;
  try {
    fd = fs.openSync(tmp, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    native().flock(fd, LOCK_EX);
    // written in place: nobody reads the `~` directory before it is renamed to <id>
    const file = path.join(tmp, 'state.json');
    try {
      fs.writeFileSync(file, JSON.stringify(s), { mode: 0o600 });
    } catch (e) {
      throw fsStepError(`writing ${file}`, e);
    }
    try {
      native().mkfifo(path.join(tmp, 'exec.fifo'), 0o622);
    } catch (e) {
      throw fsStepError(`mkfifo ${path.join(tmp, 'exec.fifo')}`, e);
    }
    afterTemp?.();
    try {
      // rename(2) onto an existing non-empty directory fails: another container has the id
      fs.renameSync(tmp, stateDir(root, s.id));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'ENOTDIR' || code === 'EISDIR') {
        throw new StateError(`container with given ID already exists: ${s.id}`);
      }
      throw fsStepError(`--root ${root}: rename ${tmp} to ${stateDir(root, s.id)}`, e);
    }
    return fd;
  } catch (e) {
    if (fd >= 0) fs.closeSync(fd);
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/**
 * Remove the state directory as one step: renamed to a `~` name first (so <root>/<id> is either
 * complete or gone), then its files.
 */
export function removeStateDir(root: string, id: string, ownStartTime: string, afterRename?: () => void): void {
  const tmp = tempName(root, ownStartTime);
  try {
    fs.renameSync(stateDir(root, id), tmp);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  afterRename?.();
  fs.rmSync(tmp, { recursive: true, force: true });
}

/**
 * Hold the container's lock while fn runs: exclusive, or shared for a command that must not wait
 * for an exec (exec holds the lock shared until its program runs, and a paused exec's program runs
 * only once resume has thawed the cgroup).
 */
export async function withLock<T>(root: string, id: string, fn: () => Promise<T> | T, shared = false): Promise<T> {
  let fd: number;
  try {
    fd = fs.openSync(stateDir(root, id), fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new StateError(`container ${id} does not exist`);
    throw e;
  }
  try {
    native().flock(fd, shared ? LOCK_SH : LOCK_EX);
    return await fn();
  } finally {
    try {
      native().flock(fd, LOCK_UN);
    } catch {
      /* the directory may be gone (delete) */
    }
    fs.closeSync(fd);
  }
}
