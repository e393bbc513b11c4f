/**
 * `oci-ts pause <container-id>`: mirrors runc-pause(8)
 * (https://github.com/opencontainers/runc/blob/main/man/runc-pause.8.md).
 * Freezes every process of the container; `state` then shows `paused`.
 */
import type { GlobalOptions } from '../container/api';
import type { ParsedArgs } from './parse';

export async function command(g: GlobalOptions, p: ParsedArgs): Promise<number> {
  const { pause } = require('../container/pause') as typeof import('../container/pause');
  await pause(g, p.args[0]);
  return 0;
}
