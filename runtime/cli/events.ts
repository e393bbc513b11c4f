/**
 * `oci-ts events [--interval D] [--stats] <container-id>`: mirrors runc-events(8)
 * (https://github.com/opencontainers/runc/blob/main/man/runc-events.8.md).
 * Lines of JSON: {"type":"stats","id":ID,"data":{...}} (runc's Stats keys) and {"type":"oom","id":ID}.
 * --interval is a Go duration (`5s`, `500ms`, `1m30s`; default 5s), as go-runc sends it.
 */
import type { GlobalOptions } from '../container/api';
import { UsageError } from '../errors';
import { print } from './output';
import type { ParsedArgs } from './parse';

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60000, h: 3600000 };

/** Go's time.ParseDuration, in milliseconds; undefined when it does not parse. */
export function parseGoDuration(text: string): number | undefined {
  let rest = text.replace(/^[-+]/, '');
  const sign = text.startsWith('-') ? -1 : 1;
  if (rest === '0') return 0;
  if (!rest) return undefined;
  let ms = 0;
  while (rest) {
    const m = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/.exec(rest);
    if (!m) return undefined;
    ms += Number(m[1]) * UNIT_MS[m[2]];
    rest = rest.slice(m[0].length);
  }
  return sign * ms;
}

export async function command(g: GlobalOptions, p: ParsedArgs): Promise<number> {
  const text = p.flags.interval as string;
  const intervalMs = parseGoDuration(text);
  if (intervalMs === undefined) throw new UsageError(`invalid value "${text}" for flag -interval: time: invalid duration "${text}"`);
  if (intervalMs <= 0) throw new UsageError('duration interval must be greater than 0');
  const { events } = require('../container/events') as typeof import('../container/events');
  await events(g, p.args[0], { intervalMs: Math.max(intervalMs, 1), statsOnly: p.flags.stats === true }, print);
  return 0;
}
