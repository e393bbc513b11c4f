/**
 * `oci-ts exec [options] <container-id> <command> [args...]`: mirrors runc-exec(8)
 * (https://github.com/opencontainers/runc/blob/main/man/runc-exec.8.md). Flag parsing stops at
 * the id, so the command's own flags are left alone. The exit status is the process's in the
 * foreground; a failure is 255 in the foreground (as runc; the caller cannot tell it from the
 * program's own statuses otherwise) and 1 with --detach.
 */
import type { ExecOptions, GlobalOptions } from '../container/api';
import type { ParsedArgs } from './parse';
import { OciError } from '../errors';
import { preserveFds } from './create';

const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

export function execOptions(p: ParsedArgs): ExecOptions {
  const f = p.flags;
  return {
    id: p.args[0],
    args: p.args.slice(1),
    processFile: str(f.process),
    tty: f.tty === true,
    consoleSocket: str(f.consoleSocket),
    cwd: str(f.cwd),
    env: list(f.env),
    user: str(f.user),
    additionalGids: list(f.additionalGids),
    caps: list(f.cap),
    noNewPrivs: f.noNewPrivs === true,
    apparmor: str(f.apparmor),
    processLabel: str(f.processLabel),
    cgroups: list(f.cgroup),
    ignorePaused: f.ignorePaused === true,
    detach: f.detach === true,
    pidFile: str(f.pidFile),
    preserveFds: preserveFds(f.preserveFds as number),
    pidfdSocket: str(f.pidfdSocket),
  };
}

export async function command(g: GlobalOptions, p: ParsedArgs): Promise<number> {
  const o = execOptions(p);
  const { exec } = require('../container/exec') as typeof import('../container/exec');
  try {
    return await exec(g, o);
  } catch (e) {
    const err = e instanceof OciError ? e : new OciError((e as Error).message);
    err.message = `exec failed: ${err.message}`;
    if (!o.detach) err.exitCode = 255;
    throw err;
  }
}
