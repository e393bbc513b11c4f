/**
 * Hooks that run in the runtime's namespaces (prestart, createRuntime, poststart, poststop): the
 * state JSON on stdin, args and env from the config (no `env`: the runtime's environment, as in
 * runc), the timeout in seconds ending in SIGKILL.
 * createContainer and startContainer hooks run inside the container: they are plan steps.
 */
import fs = require('fs');
import path = require('path');
import { Hook } from '../spec/types';
import { OciError } from '../errors';

export class HookError extends OciError {}

/**
 * The state on the hook's stdin comes from an unlinked temporary file, not a pipe: a hook that
 * exits without reading it must not fail with EPIPE (runc ignores that too).
 */
function stateFile(stateJson: string): number {
  const file = path.join((require('os') as typeof import('os')).tmpdir(), `.oci-ts-hook-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  const w = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
  try {
    fs.writeSync(w, stateJson);
    return fs.openSync(file, 'r');
  } finally {
    fs.closeSync(w);
    fs.unlinkSync(file);
  }
}

export function runHook(h: Hook, pointer: string, stateJson: string): void {
  const args = h.args && h.args.length ? h.args : [h.path];
  const env: Record<string, string> = {};
  for (const e of h.env ?? []) {
    const i = e.indexOf('=');
    if (i > 0) env[e.slice(0, i)] = e.slice(i + 1);
  }
  // loaded here, not at the top: start and delete (hot commands) need it only when hooks exist
  const { spawnSync } = require('child_process') as typeof import('child_process');
  const stdin = stateFile(stateJson);
  let r;
  try {
    r = spawnSync(h.path, args.slice(1), {
      argv0: args[0],
      // without `env` a hook inherits the runtime's environment, as runc's do (Go's exec.Cmd with a nil Env)
      env: h.env === undefined ? process.env : env,
      timeout: h.timeout ? h.timeout * 1000 : undefined,
      killSignal: 'SIGKILL',
      stdio: [stdin, 'pipe', 'pipe'],
      maxBuffer: 1 << 20,
    });
  } finally {
    fs.closeSync(stdin);
  }
  const out = () => `, stdout: ${String(r.stdout ?? '').trim()}, stderr: ${String(r.stderr ?? '').trim()}`;
  if (r.error && (r.error as NodeJS.ErrnoException).code !== 'ETIMEDOUT') {
    throw new HookError(`${pointer}: error running hook ${h.path}: ${r.error.message}`);
  }
  if (r.signal) {
    const why = h.timeout && r.signal === 'SIGKILL' ? `timed out after ${h.timeout}s` : `killed by ${r.signal}`;
    throw new HookError(`${pointer}: error running hook ${h.path}: ${why}${out()}`);
  }
  if (r.status !== 0) throw new HookError(`${pointer}: error running hook ${h.path}: exit status ${r.status}${out()}`);
}

/** Run a list of hooks in order; the first failure throws. */
export function runHooks(hooks: Hook[] | undefined, kind: string, stateJson: string): void {
  (hooks ?? []).forEach((h, i) => runHook(h, `/hooks/${kind}/${i}`, stateJson));
}

/** Run every hook; failures are returned as warnings (poststop: runtime-spec says warn). */
export function runHooksWarn(hooks: Hook[] | undefined, kind: string, stateJson: string): string[] {
  const warnings: string[] = [];
  (hooks ?? []).forEach((h, i) => {
    try {
      runHook(h, `/hooks/${kind}/${i}`, stateJson);
    } catch (e) {
      warnings.push((e as Error).message);
    }
  });
  return warnings;
}
