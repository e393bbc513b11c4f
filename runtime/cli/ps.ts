/**
 * `oci-ts ps [--format table|json] <container-id> [ps options]`: mirrors runc-ps(8)
 * (https://github.com/opencontainers/runc/blob/main/man/runc-ps.8.md).
 * json: the array of host pids in the container's cgroups and a newline (`null` when there are
 * none, as Go encodes runc's empty list; containerd's `ctr task ps` reads this). table: the host's
 * `ps` with the words after the ID (default -ef), its header and the container's rows.
 * Flags after the ID belong to ps (runc SkipArgReorder).
 */
import type { GlobalOptions } from '../container/api';
import { UsageError } from '../errors';
import { print } from './output';
import type { ParsedArgs } from './parse';

export async function command(g: GlobalOptions, p: ParsedArgs): Promise<number> {
  const format = p.flags.format as string;
  const { containerPids, psTable } = require('../container/ps') as typeof import('../container/ps');
  const pids = containerPids(g, p.args[0]);
  if (format === 'json') print(JSON.stringify(pids.length ? pids : null) + '\n');
  else if (format === 'table') print(psTable(p.args.slice(1), pids));
  else throw new UsageError('invalid format option');
  return 0;
}
