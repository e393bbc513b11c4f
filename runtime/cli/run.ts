/**
 * `oci-ts run [options] <container-id>`: mirrors runc-run(8)
 * (https://github.com/opencontainers/runc/blob/main/man/runc-run.8.md).
 * In the foreground the exit status is the container process's; with --detach it is 0 once it runs.
 */
import type { GlobalOptions } from '../container/api';
import type { Logger } from '../log';
import { createOptions } from './create';
import type { ParsedArgs } from './parse';

export async function command(g: GlobalOptions, p: ParsedArgs, log: Logger): Promise<number> {
  const { run } = require('../container/run') as typeof import('../container/run');
  // --no-subreaper is accepted for go-runc; oci-ts waits on its own child and needs no subreaper.
  return run(g, { ...createOptions(p.args[0], p.flags, log), detach: p.flags.detach === true, keep: p.flags.keep === true });
}
