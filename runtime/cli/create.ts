/**
 * `oci-ts create [options] <container-id>`: mirrors runc-create(8)
 * (https://github.com/opencontainers/runc/blob/main/man/runc-create.8.md).
 */
import type { CreateOptions, GlobalOptions } from '../container/api';
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
    preserveFds: (f.preserveFds as number) || 0,
  };
}

export async function command(g: GlobalOptions, p: ParsedArgs, log: Logger): Promise<number> {
  trace('create command');
  const { create } = require('../container/create') as typeof import('../container/create');
  await create(g, createOptions(p.args[0], p.flags, log));
  return 0;
}
