/**
 * `oci-ts list [--format table|json] [--quiet|-q]`: mirrors runc-list(8)
 * (https://github.com/opencontainers/runc/blob/main/man/runc-list.8.md).
 * json: one compact array and a newline, `null` when there are no containers (runc's nil slice).
 */
import type { GlobalOptions } from '../container/api';
import { UsageError } from '../errors';
import type { Listed } from '../container/list';
import { print } from './output';
import type { ParsedArgs } from './parse';

/** Go text/tabwriter with runc's settings: minwidth 12, tabwidth 1, padding 3, pad ' '. */
export function tabulate(rows: string[][]): string {
  const widths: number[] = [];
  for (const r of rows) r.slice(0, -1).forEach((c, i) => { widths[i] = Math.max(widths[i] ?? 0, c.length + 3, 12); });
  return rows.map((r) => r.map((c, i) => (i < r.length - 1 ? c.padEnd(widths[i]) : c)).join('') + '\n').join('');
}

export function formatList(states: Listed[], format: string, quiet: boolean): string {
  if (quiet) return states.map((s) => s.id + '\n').join('');
  if (format === 'json') return JSON.stringify(states.length ? states : null) + '\n';
  if (format !== 'table') throw new UsageError(`invalid format option`);
  const rows = [['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER']];
  for (const s of states) rows.push([s.id, String(s.pid ?? 0), s.status, s.bundle, s.created, s.owner ?? '']);
  return tabulate(rows);
}

export async function command(g: GlobalOptions, p: ParsedArgs): Promise<number> {
  const format = p.flags.format as string;
  if (format !== 'table' && format !== 'json') throw new UsageError('invalid format option');
  const { list } = require('../container/list') as typeof import('../container/list');
  print(formatList(await list(g), format, p.flags.quiet === true));
  return 0;
}
