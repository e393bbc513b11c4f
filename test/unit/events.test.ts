/** events without root: Go durations, runc's encoding of a stats event, the stat file parsers on fake cgroup files. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseGoDuration } from '../../runtime/cli/events';
import { encode, readStats, statsData } from '../../runtime/cgroups/stats';
import { emptyStats } from '../../runtime/cgroups/statfiles';
import { cpuList } from '../../runtime/cgroups/v1/cpuset';

const made: string[] = [];
afterAll(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function fakeDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-ts-fakecg-'));
  made.push(dir);
  for (const [f, t] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), t);
  return dir;
}

test('Go durations', () => {
  expect(parseGoDuration('5s')).toBe(5000);
  expect(parseGoDuration('500ms')).toBe(500);
  expect(parseGoDuration('1m30s')).toBe(90000);
  expect(parseGoDuration('1.5h')).toBe(5400000);
  expect(parseGoDuration('250us')).toBeCloseTo(0.25);
  expect(parseGoDuration('0')).toBe(0);
  expect(parseGoDuration('-1s')).toBe(-1000);
  for (const bad of ['', '5', '5x', 's', '1s2']) expect(parseGoDuration(bad)).toBeUndefined();
});

test('encoding: runc field order, omitempty, bigints digit for digit, sorted maps', () => {
  const s = emptyStats();
  s.memory.usage.limit = (1n << 64n) - 1n;
  s.memory.raw = { zz: 1n, aa: 2n };
  s.pids.current = 3n;
  const text = encode({ type: 'stats', id: 'c', data: statsData(s) });
  expect(text).toContain('"usage":{"limit":18446744073709551615,"failcnt":0}');
  expect(text).toContain('"raw":{"aa":2,"zz":1}');
  expect(text).toContain('"pids":{"current":3}');
  expect(text).toContain('"cpu":{"usage":{"kernel":0,"user":0},"throttling":{}}');
  expect(text).toContain('"blkio":{},"hugetlb":{},"intel_rdt":{},"network_interfaces":null');
  expect(encode({ type: 'oom', id: 'c' })).toBe('{"type":"oom","id":"c"}');
});

test('v1 files: cpuacct (ticks to ns), blkio lines, pids max as 0, cpuset lists', () => {
  const dir = fakeDir({
    'cpuacct.usage': '300\n',
    'cpuacct.usage_percpu': '100 200 \n',
    'cpuacct.usage_all': 'cpu user system\n0 60 40\n1 150 50\n',
    'cpuacct.stat': 'user 2\nsystem 1\n',
    'blkio.throttle.io_service_bytes_recursive': '8:0 Read 4096\n8:0 Write 0\nTotal 4096\n',
    'blkio.throttle.io_serviced_recursive': '8:0 Read 1\nTotal 1\n',
    'pids.current': '2\n',
    'pids.max': 'max\n',
  });
  const layout = { mode: 'v1' as const, hierarchies: [{ name: 'cpuacct,blkio,pids', mountpoint: '/x', root: '/', version: 1 as const }] };
  const s = readStats(layout, [dir], 0);
  expect(s.cpu.usage).toEqual({ total: 300n, percpu: [100n, 200n], percpu_user: [60n, 150n], percpu_kernel: [40n, 50n], user: 20000000n, kernel: 10000000n });
  expect(s.blkio.ioServiceBytesRecursive).toEqual([{ major: 8n, minor: 0n, op: 'Read', value: 4096n }, { major: 8n, minor: 0n, op: 'Write', value: 0n }]);
  expect(s.pids).toEqual({ current: 2n, limit: 0n });
  expect(encode((statsData(s) as any).blkio)).toBe('{"ioServiceBytesRecursive":[{"major":8,"op":"Read","value":4096},{"major":8,"op":"Write"}],"ioServicedRecursive":[{"major":8,"op":"Read","value":1}]}');
  expect(cpuList('0-2,4\n')).toEqual([0, 1, 2, 4]);
});

test('v2 files: cpu.stat in usec, memory+swap as v1 reports it, io.stat, pids from cgroup.procs without the controller', () => {
  const dir = fakeDir({
    'cgroup.controllers': 'memory io\n',
    'cgroup.procs': '10\n11\n',
    'cpu.stat': 'usage_usec 5\nuser_usec 3\nsystem_usec 2\nnr_periods 0\n',
    'memory.stat': 'anon 10\nfile 20\n',
    'memory.current': '100\n',
    'memory.max': '1000\n',
    'memory.swap.current': '5\n',
    'memory.swap.max': 'max\n',
    'io.stat': '8:16 rbytes=512 wbytes=0 rios=1 wios=0 dbytes=0 dios=0\n',
  });
  const layout = { mode: 'v2' as const, hierarchies: [{ name: 'unified', mountpoint: '/x', root: '/', version: 2 as const }] };
  const s = readStats(layout, [dir], 0);
  expect(s.cpu.usage.total).toBe(5000n);
  expect(s.cpu.usage.user).toBe(3000n);
  expect(s.cpu.usage.kernel).toBe(2000n);
  expect(s.memory.cache).toBe(20n);
  expect(s.memory.usage).toEqual({ usage: 100n, max: 0n, failcnt: 0n, limit: 1000n });
  expect(s.memory.swap).toEqual({ usage: 105n, max: 0n, failcnt: 0n, limit: (1n << 64n) - 1n });
  expect(s.blkio.ioServiceBytesRecursive).toEqual([{ major: 8n, minor: 16n, op: 'Read', value: 512n }, { major: 8n, minor: 16n, op: 'Write', value: 0n }]);
  expect(s.pids).toEqual({ current: 2n, limit: 0n });
});
