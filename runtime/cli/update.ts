/**
 * `oci-ts update [options] <container-id>`: mirrors runc-update(8)
 * (https://github.com/opencontainers/runc/blob/main/man/runc-update.8.md).
 * `--resources FILE|-` (-r) is a linux.resources object (containerd sends `--resources -`, podman a
 * file); when it is given the other flags are ignored, as runc. Otherwise runc's single-value flags,
 * parsed as runc does: memory sizes as docker's RAMInBytes (`512m`, `1.5g`; binary units) or `-1`,
 * cpu numbers as Go's strconv, with runc's messages (`invalid value for memory: invalid size: 'x'`).
 */
import fs = require('fs');
import type { GlobalOptions } from '../container/api';
import type { UpdateRequest } from '../container/update';
import { OciError, UsageError, describeFsError } from '../errors';
import type { Resources } from '../spec/types';
import type { FlagValues, ParsedArgs } from './parse';

/** docker/go-units RAMInBytes: `^(\d+(\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$`, powers of 1024. */
export function ramInBytes(s: string): number | undefined {
  const m = /^(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$/.exec(s);
  if (!m) return undefined;
  const mul = m[2] ? 1024 ** (' kmgtp'.indexOf(m[2].toLowerCase())) : 1;
  return Math.trunc(parseFloat(m[1]) * mul);
}

const UINT = /^\d+$/;
const INT = /^[+-]?\d+$/;

/** flag, JSON pointer inside resources, how the value is parsed (runc update.go) */
const FLAGS: [string, string, 'uint' | 'int' | 'size' | 'string'][] = [
  ['cpuset-cpus', '/cpu/cpus', 'string'],
  ['cpuset-mems', '/cpu/mems', 'string'],
  ['cpu-idle', '/cpu/idle', 'int'],
  ['cpu-burst', '/cpu/burst', 'uint'],
  ['cpu-period', '/cpu/period', 'uint'],
  ['cpu-rt-period', '/cpu/realtimePeriod', 'uint'],
  ['cpu-share', '/cpu/shares', 'uint'],
  ['cpu-quota', '/cpu/quota', 'int'],
  ['cpu-rt-runtime', '/cpu/realtimeRuntime', 'int'],
  ['memory', '/memory/limit', 'size'],
  ['memory-swap', '/memory/swap', 'size'],
  ['kernel-memory', '/memory/kernel', 'size'],
  ['kernel-memory-tcp', '/memory/kernelTCP', 'size'],
  ['memory-reservation', '/memory/reservation', 'size'],
];

function parseValue(flag: string, v: string, kind: 'uint' | 'int' | 'size' | 'string'): string | number {
  if (kind === 'string') return v;
  if (kind === 'size') {
    const n = v === '-1' ? -1 : ramInBytes(v);
    if (n === undefined) throw new UsageError(`invalid value for ${flag}: invalid size: '${v}'`);
    return n;
  }
  if (!(kind === 'uint' ? UINT : INT).test(v)) throw new UsageError(`invalid value for ${flag}: strconv.Parse${kind === 'uint' ? 'Uint' : 'Int'}: parsing "${v}": invalid syntax`);
  return Number(v);
}

function set(r: Record<string, any>, pointer: string, v: unknown): void {
  const [, group, key] = pointer.split('/');
  r[group] = { ...(r[group] ?? {}), [key]: v };
}

/** The single-value flags → a linux.resources object and the pointer → flag map for messages. */
export function resourcesFromFlags(f: FlagValues): { resources: Resources; flagOf: Record<string, string> } {
  const r: Record<string, any> = {};
  const flagOf: Record<string, string> = {};
  const key = (name: string) => name.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
  if (typeof f.blkioWeight === 'number' && f.blkioWeight !== 0) {
    set(r, '/blockIO/weight', f.blkioWeight);
    flagOf['/blockIO/weight'] = '--blkio-weight';
  }
  for (const [flag, pointer, kind] of FLAGS) {
    const v = f[key(flag)];
    if (typeof v !== 'string' || v === '') continue;
    set(r, pointer, parseValue(flag, v, kind));
    flagOf[pointer] = `--${flag}`;
  }
  if (typeof f.pidsLimit === 'number') {
    set(r, '/pids/limit', f.pidsLimit);
    flagOf['/pids/limit'] = '--pids-limit';
  }
  return { resources: r as Resources, flagOf };
}

function readResources(file: string): Resources {
  const { parseConfig, readJsonFile, JsonFileError } = require('../spec/load') as typeof import('../spec/load');
  if (file !== '-') {
    // a file goes through the one loader of JSON documents: regular, bounded, never quoted
    try {
      return readJsonFile(file, file) as Resources;
    } catch (e) {
      if (e instanceof JsonFileError) throw new OciError(`open ${file}: ${e.problem}`);
      throw e;
    }
  }
  let text: string;
  try {
    text = fs.readFileSync(0, 'utf8');
  } catch (e) {
    throw new OciError(`read stdin: ${describeFsError(e)}`);
  }
  return parseConfig(text, 'resources (stdin)') as Resources;
}

export async function command(g: GlobalOptions, p: ParsedArgs): Promise<number> {
  const req: UpdateRequest = p.flags.resources
    ? { resources: readResources(p.flags.resources as string), source: 'resources' }
    : { ...resourcesFromFlags(p.flags), source: 'flags' };
  req.l3CacheSchema = (p.flags.l3CacheSchema as string) || undefined;
  req.memBwSchema = (p.flags.memBwSchema as string) || undefined;
  const { update } = require('../container/update') as typeof import('../container/update');
  await update(g, p.args[0], req);
  return 0;
}
