/**
 * Hooks that run in the runtime's namespaces (prestart, createRuntime, poststart, poststop): the
 * state JSON on stdin, args and env from the config, the timeout in seconds ending in SIGKILL.
 * createContainer and startContainer hooks run inside the container: they are plan steps.
 */
import { spawnSync } from 'child_process';
import { Hook } from '../spec/types';
import { OciError } from '../errors';

export class HookError extends OciError {}

export function runHook(h: Hook, pointer: string, stateJson: string): void {
  const args = h.args && h.args.length ? h.args : [h.path];
  const env: Record<string, string> = {};
  for (const e of h.env ?? []) {
    const i = e.indexOf('=');
    if (i > 0) env[e.slice(0, i)] = e.slice(i + 1);
  }
  const r = spawnSync(h.path, args.slice(1), {
    argv0: args[0],
    env,
    input: stateJson,
    timeout: h.timeout ? h.timeout * 1000 : undefined,
    killSignal: 'SIGKILL',
    stdio: ['pipe', 'pipe', 'pipe'],
    maxBuffer: 1 << 20,
  });
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

/** Run every hook; failures are returned as warnings (poststart, poststop: runtime-spec says warn). */
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
