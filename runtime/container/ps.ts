/**
 * ps (runc ps, libcontainer Processes): the host pids of every process in the container's cgroups,
 * and runc's table mode, which runs the host's ps(1) and keeps the header and the container's rows.
 */
import fs = require('fs');
import path = require('path');
import { GlobalOptions } from './api';
import { OciError } from '../errors';
import { readState } from '../state/store';
import { cgroupPids } from '../cgroups/manager';

/** Every pid in the container's cgroups, child cgroups included (runc GetAllPids), ascending. */
export function containerPids(g: GlobalOptions, id: string): number[] {
  const s = readState(g.root, id);
  return cgroupPids(s.cgroupPaths, true).sort((a, b) => a - b);
}

/** ps(1) by PATH, else where Debian and Fedora put it (podman runs the runtime without PATH). */
function psBinary(): string {
  const dirs = (process.env.PATH || '').split(':').filter(Boolean).concat(['/usr/bin', '/bin']);
  for (const d of dirs) {
    const f = path.join(d, 'ps');
    try {
      fs.accessSync(f, fs.constants.X_OK);
      return f;
    } catch {
      /* next */
    }
  }
  throw new OciError('ps: executable file not found in $PATH');
}

/**
 * runc's table mode: `ps ARGS` (default -ef), the header line, and each row whose PID column holds
 * one of `pids`. A header without a PID column is runc's error.
 */
export function psTable(args: string[], pids: number[]): string {
  const { spawnSync } = require('child_process') as typeof import('child_process');
  const r = spawnSync(psBinary(), args.length ? args : ['-ef'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const output = (r.stdout ?? '') + (r.stderr ?? '');
  if (r.error || r.status !== 0) throw new OciError(`ps: exit status ${r.status ?? 'unknown'}: ${output.trim()}`);
  const lines = r.stdout.split('\n');
  const pidIndex = lines[0].trim().split(/\s+/).indexOf('PID');
  if (pidIndex < 0) throw new OciError("couldn't find PID field in ps output");
  const want = new Set(pids);
  const out = [lines[0]];
  for (const line of lines.slice(1)) {
    if (!line) continue;
    const field = line.trim().split(/\s+/)[pidIndex];
    if (!/^\d+$/.test(field ?? '')) throw new OciError(`unable to parse pid: ${JSON.stringify(field ?? '')}`);
    if (want.has(Number(field))) out.push(line);
  }
  return out.join('\n') + '\n';
}
