/**
 * `oci-ts start <container-id>`: mirrors runc-start(8)
 * (https://github.com/opencontainers/runc/blob/main/man/runc-start.8.md).
 */
import type { GlobalOptions } from '../container/api';
import type { ParsedArgs } from './parse';

export async function command(g: GlobalOptions, p: ParsedArgs): Promise<number> {
  const { start } = require('../container/start') as typeof import('../container/start');
  await start(g, p.args[0]);
  return 0;
}
