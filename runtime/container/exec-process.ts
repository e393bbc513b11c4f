/**
 * What `exec` runs (runc getProcess): the container's process with the command and the flags
 * applied, or --process FILE; validated like config.json (schema and semantic rules, on the process
 * inside the container's config); --user names looked up in the container's /etc/passwd and
 * /etc/group. Messages name where a field came from (process.json, the flag, or config.json).
 * Nothing here has a side effect: exec.ts runs it before it takes the lock.
 */
import { native } from '../native';
import { ExecOptions } from './api';
import { ConfigError, OciError, UsageError } from '../errors';
import { SavedState } from '../state/store';
import { readJsonFile, JsonFileError } from '../spec/load';
import { validateSchema } from '../spec/validate';
import { checkDocument } from '../spec/limits';
import { checkSemantics, CAPABILITIES, MAX_ID } from '../spec/semantic';
import { Process, Spec } from '../spec/types';

/** process.json is a few KiB; anything far larger is not one */
const MAX_PROCESS_JSON = 4 << 20;

/** Where a field of the process came from, for messages: process.json, a flag, or config.json. */
export type Labeler = (pointer: string) => string;

const FLAG_OF: [string, string][] = [
  ['/process/args', 'COMMAND'],
  ['/process/cwd', '--cwd'],
  ['/process/env', '--env'],
  ['/process/user/additionalGids', '--additional-gids'],
  ['/process/user/uid', '--user'],
  ['/process/user/gid', '--user'],
  ['/process/user', '--user'],
  ['/process/capabilities', '--cap'],
  ['/process/apparmorProfile', '--apparmor'],
  ['/process/selinuxLabel', '--process-label'],
  ['/process/noNewPrivileges', '--no-new-privs'],
  ['/process/terminal', '--tty'],
];

export function labeler(o: ExecOptions): Labeler {
  return (pointer) => {
    if (!pointer) return '';
    if (o.processFile && pointer.startsWith('/process')) return `process.json ${pointer.slice('/process'.length) || '/'}`;
    if (!o.processFile) {
      // a field the command line set names the flag; the rest came from config.json
      const f = FLAG_OF.find(([p, flag]) => (pointer === p || pointer.startsWith(p + '/')) && flagGiven(o, flag));
      if (f) return f[1];
    }
    return `config.json ${pointer}`;
  };
}

function flagGiven(o: ExecOptions, flag: string): boolean {
  switch (flag) {
    case 'COMMAND': return o.args.length > 0;
    case '--cwd': return o.cwd !== undefined;
    case '--env': return o.env.length > 0;
    case '--additional-gids': return o.additionalGids.length > 0;
    case '--user': return o.user !== undefined;
    case '--cap': return o.caps.length > 0;
    case '--apparmor': return o.apparmor !== undefined;
    case '--process-label': return o.processLabel !== undefined;
    case '--no-new-privs': return o.noNewPrivs;
    case '--tty': return o.tty;
    default: return false;
  }
}

/** "pointer: message" → "label: message" */
export function relabelWarning(w: string, label: Labeler): string {
  const i = w.indexOf(':');
  return w.startsWith('/') && i > 0 ? `${label(w.slice(0, i))}${w.slice(i)}` : `config.json ${w}`;
}

/** Rethrow a ConfigError about the process with the name of its source (process.json, flag). */
function relabel(e: unknown, label: Labeler): never {
  if (e instanceof ConfigError) throw new OciError(`${label(e.pointer)}: ${e.detail}`);
  throw e;
}

/** runc getProcess without --process: the container's process, the command and the flags. */
export function processFromFlags(spec: Spec, o: ExecOptions): Process {
  if (!o.args.length) throw new UsageError('exec: no command given: exec [options] <container-id> <command> [args...] (or --process FILE)');
  const base = spec.process ?? ({ cwd: '/', user: { uid: 0, gid: 0 } } as Process);
  const p: Process = JSON.parse(JSON.stringify(base));
  p.args = o.args;
  p.terminal = o.tty;
  delete p.consoleSize;
  // --env adds or overrides by name, in place; the container's PATH stays unless overridden
  const env = [...(p.env ?? [])];
  for (const kv of o.env) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new UsageError(`--env ${kv}: must be NAME=VALUE`);
    const i = env.findIndex((x) => x.startsWith(kv.slice(0, eq + 1)));
    if (i >= 0) env[i] = kv;
    else env.push(kv);
  }
  p.env = env;
  if (o.cwd !== undefined) p.cwd = o.cwd;
  if (o.apparmor !== undefined) p.apparmorProfile = o.apparmor;
  if (o.processLabel !== undefined) p.selinuxLabel = o.processLabel;
  if (o.noNewPrivs) p.noNewPrivileges = true;
  if (o.caps.length) {
    const c = (p.capabilities = p.capabilities ?? {});
    for (const raw of o.caps) {
      const cap = raw.toUpperCase().startsWith('CAP_') ? raw.toUpperCase() : `CAP_${raw.toUpperCase()}`;
      if (!CAPABILITIES.includes(cap)) throw new UsageError(`--cap ${raw}: not a known capability (CAP_CHOWN ... CAP_CHECKPOINT_RESTORE)`);
      // runc 1.2: bounding, effective and permitted (not inheritable/ambient)
      for (const set of ['bounding', 'effective', 'permitted'] as const) {
        const l = (c[set] = c[set] ?? []);
        if (!l.includes(cap)) l.push(cap);
      }
    }
  }
  if (o.additionalGids.length) {
    p.user.additionalGids = o.additionalGids.map((g) => {
      if (!/^\d+$/.test(g) || Number(g) > MAX_ID) throw new UsageError(`--additional-gids ${g}: must be a number from 0 to ${MAX_ID}`);
      return Number(g);
    });
  }
  return p;
}

/** --process FILE: a runtime-spec process object, read as config.json is (readJsonFile). */
export function readProcessFile(file: string): unknown {
  try {
    // a pipe too (runc reads `exec -p <(...)`), waited for at most 30 s
    const proc = readJsonFile(file, 'process.json', MAX_PROCESS_JSON, { waitMs: 30000 });
    // no user: root, as runc (its process.json is read into a struct whose zero value is uid 0, gid 0)
    if (proc !== null && typeof proc === 'object' && !Array.isArray(proc) && !('user' in proc)) return { ...proc, user: { uid: 0, gid: 0 } };
    return proc;
  } catch (e) {
    if (e instanceof JsonFileError) throw new UsageError(`--process ${file}: ${e.problem}`);
    throw e;
  }
}

/** Schema, then the semantic rules of config.json, on the process inside the container's config. */
export function validateProcess(spec: Spec, proc: unknown, label: Labeler): { proc: Process; warnings: string[] } {
  if (proc === null || typeof proc !== 'object' || Array.isArray(proc)) throw new OciError(`${label('/process')}: must be an object`);
  const wrapped = { ...spec, process: proc } as Spec;
  try {
    checkDocument(wrapped);
    validateSchema(wrapped);
    const warnings = checkSemantics(wrapped).map((w) => relabelWarning(w, label)).filter((w) => !w.startsWith('config.json'));
    return { proc: wrapped.process!, warnings };
  } catch (e) {
    return relabel(e, label);
  }
}

/** The container's /etc/passwd or /etc/group entries: name, id, (gid, home for passwd). */
function readDb(s: SavedState, file: string): string[][] {
  const buf = native().readFileInRoot(`/proc/${s.pid}/root`, file, 1 << 20);
  return (buf ? buf.toString('utf8') : '').split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(':'));
}

/** --user UID[:GID] (runc), or a name from the container's /etc/passwd and /etc/group. */
export function applyUser(s: SavedState, p: Process, user: string): void {
  const [u, g] = user.split(':', 2);
  const num = (v: string) => /^\d+$/.test(v) && Number(v) <= MAX_ID;
  if (num(u)) {
    p.user.uid = Number(u);
  } else {
    if (!u || u.includes('/')) throw new UsageError(`--user ${user}: must be UID[:GID] or a user name of the container`);
    const e = readDb(s, 'etc/passwd').find((f) => f[0] === u);
    if (!e || !num(e[2] ?? '') || !num(e[3] ?? '')) throw new UsageError(`--user ${user}: no user "${u}" in the container's /etc/passwd`);
    p.user.uid = Number(e[2]);
    p.user.gid = Number(e[3]);
  }
  if (g === undefined) return;
  if (num(g)) {
    p.user.gid = Number(g);
    return;
  }
  const e = g ? readDb(s, 'etc/group').find((f) => f[0] === g) : undefined;
  if (!e || !num(e[2] ?? '')) throw new UsageError(`--user ${user}: no group "${g}" in the container's /etc/group`);
  p.user.gid = Number(e[2]);
}
