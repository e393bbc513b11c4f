/**
 * `oci-ts create [options] <container-id>`: mirrors runc-create(8)
 * (https://github.com/opencontainers/runc/blob/main/man/runc-create.8.md).
 */
import fs = require('fs');
import type { CreateOptions, GlobalOptions } from '../container/api';
import { UsageError } from '../errors';
import { launcherFacts } from '../launcher-env';
import { trace } from '../trace';
import type { Logger } from '../log';
import type { FlagValues, ParsedArgs } from './parse';

/** Flags shared by create and run → CreateOptions. The bundle defaults to the working directory. */
export function createOptions(id: string, f: FlagValues, log: Logger): CreateOptions {
  if (f.pidfdSocket) log.warn('--pidfd-socket is not supported yet; ignored');
  return {
    id,
    bundle: (f.bundle as string) || process.cwd(),
    pidFile: (f.pidFile as string) || undefined,
    consoleSocket: (f.consoleSocket as string) || undefined,
    noPivot: f.noPivot === true,
    noNewKeyring: f.noNewKeyring === true,
    preserveFds: preserveFds(f.preserveFds as number),
  };
}

/**
 * --preserve-fds N: a count (runc's flag is unsigned), and descriptors 3..3+N-1 must be open in
 * this process, or the container would get holes (and the sync socket would land in the wrong place).
 */
export function preserveFds(n: number | undefined): number {
  if (!n) return 0;
  if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`invalid value "${n}" for flag -preserve-fds: must be a count of file descriptors (0 or more)`);
  const open = launcherFacts().openFds;
  if (open !== undefined && n > open) throw new UsageError(`--preserve-fds ${n}: file descriptor ${3 + open} is not open (${open} passed from 3 up)`);
  for (let fd = 3; fd < 3 + n; fd++) {
    try {
      fs.fstatSync(fd);
    } catch {
      throw new UsageError(`--preserve-fds ${n}: file descriptor ${fd} is not open`);
    }
  }
  return n;
}

export async function command(g: GlobalOptions, p: ParsedArgs, log: Logger): Promise<number> {
  trace('create command');
  const { create } = require('../container/create') as typeof import('../container/create');
  await create(g, createOptions(p.args[0], p.flags, log));
  return 0;
}
