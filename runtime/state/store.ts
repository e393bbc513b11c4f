/**
 * The state directory: <root>/<id>/ holding state.json (written atomically: temp file, fsync,
 * rename) and exec.fifo. Commands that change a container hold an flock on the directory.
 */
import fs = require('fs');
import path = require('path');
import { StateError, UsageError, fsStepError } from '../errors';
import { native, LOCK_EX, LOCK_UN } from '../native';
import { Spec } from '../spec/types';

/** What oci-ts keeps about a container; `state` derives the status from it, never stores it. */
export interface SavedState {
  ociVersion: string;
  id: string;
  /** host pid of the init, and its start time (field 22 of /proc/PID/stat) against pid reuse */
  pid: number;
  startTime: string;
  bundle: string;
  rootfs: string;
  created: string;
  annotations?: Record<string, string>;
  owner: string;
  /** cgroup directories created for this container (absolute), deepest last */
  cgroupPaths: string[];
  /** cgroup directories oci-ts made and must remove */
  cgroupCreated: string[];
  spec: Spec;
  /** present while create runs: the creating process (pid, start time); the init's pid is 0 then */
  creator?: { pid: number; startTime: string };
}

const ID_RE = /^[\w+\-.]+$/;

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

export function readState(root: string, id: string): SavedState {
  checkId(id);
  let text: string;
  try {
    text = fs.readFileSync(statePath(root, id), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') {
      throw new StateError(`container ${id} does not exist`);
    }
    throw e;
  }
  return JSON.parse(text) as SavedState;
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

/** `durable: false` for the state written while creating: it only has to survive this process. */
export function writeState(root: string, s: SavedState, durable = true): void {
  writeFileAtomic(statePath(root, s.id), JSON.stringify(s), 0o600, durable);
}

/** Hold the container's lock while fn runs. */
export async function withLock<T>(root: string, id: string, fn: () => Promise<T> | T): Promise<T> {
  let fd: number;
  try {
    fd = fs.openSync(stateDir(root, id), fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new StateError(`container ${id} does not exist`);
    throw e;
  }
  try {
    native().flock(fd, LOCK_EX);
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
