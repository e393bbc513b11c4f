/**
 * `oci-ts kill [--all|-a] <container-id> [signal]`: mirrors runc-kill(8)
 * (https://github.com/opencontainers/runc/blob/main/man/runc-kill.8.md).
 * The signal is a number or a name with or without SIG, any case; default SIGTERM (signals.ts).
 */
import type { GlobalOptions } from '../container/api';
import type { ParsedArgs } from './parse';
import { parseSignal } from './signals';

export async function command(g: GlobalOptions, p: ParsedArgs): Promise<number> {
  const signal = parseSignal(p.args[1]);
  const { kill } = require('../container/kill') as typeof import('../container/kill');
  await kill(g, p.args[0], signal, p.flags.all === true);
  return 0;
}
