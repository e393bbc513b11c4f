/**
 * events on real containers: a stats event in runc's shape with the container's own numbers, and a
 * stream that prints an `oom` event for each process the kernel kills at the memory limit and ends
 * by itself when the container stops. Runs on the hybrid host and in the pure cgroup v2 guest.
 */
import * as fs from 'fs';
import * as path from 'path';
import { describeRoot, makeBundle, oci, ociOk, cleanup, uniqueId, leftovers, Bundle } from './helpers';
import { ociSpawn } from './cleanup-helpers';
import { sh, waitFor } from './probe';

const SLOW = process.env.V2GUEST ? 15 : 1; // the v2 guest (test/v2guest) is emulated: 10-20x slower
const hostOnly = process.env.V2GUEST ? test.skip : test;
const LIMIT = 32 * 1024 * 1024;

function withLimits(c: any): void {
  c.linux.resources = { ...c.linux.resources, memory: { limit: LIMIT }, pids: { limit: 50 } };
}

describeRoot('events', () => {
  let b: Bundle;
  afterEach(() => cleanup(b));

  test('--stats: one stats event with the container cgroup numbers, zero counters left out', () => {
    b = makeBundle(sh('sleep 1000 & sleep 1000 & wait'), withLimits);
    const id = uniqueId('ev');
    ociOk(b, ['run', '-d', id]);
    waitFor(() => (JSON.parse(ociOk(b, ['ps', '--format', 'json', id])) ?? []).length === 3, 5000 * SLOW);
    const out = ociOk(b, ['events', '--stats', id]);
    expect(out.endsWith('}\n')).toBe(true);
    expect(out.trimEnd().split('\n')).toHaveLength(1);
    const ev = JSON.parse(out);
    expect(ev.type).toBe('stats');
    expect(ev.id).toBe(id);
    expect(Object.keys(ev.data)).toEqual(['cpu', 'cpuset', 'memory', 'pids', 'blkio', 'hugetlb', 'intel_rdt', 'network_interfaces']);
    expect(ev.data.pids).toEqual({ current: 3, limit: 50 });
    expect(ev.data.memory.usage.limit).toBe(LIMIT);
    expect(ev.data.memory.usage.usage).toBeGreaterThan(0);
    expect(ev.data.memory.usage.usage).toBeLessThan(LIMIT);
    expect(ev.data.cpu.usage.total).toBeGreaterThan(0);
    expect(typeof ev.data.cpu.usage.kernel).toBe('number'); // always written, like user
    expect(ev.data.cpu.throttling).toEqual({}); // no quota: every throttling counter is zero and left out
    expect(ev.data.network_interfaces).toBeNull(); // only loopback in its network namespace
    // 64-bit limits are printed digit for digit (Go decodes them into uint64)
    for (const big of out.match(/\d{16,}/g) ?? []) expect(['9223372036854771712', '18446744073709551615']).toContain(big);
    ociOk(b, ['delete', '--force', id]);
    expect(leftovers(b, id)).toEqual([]);
  });

  test('stream: stats every interval, an oom event per kill at memory.max, ends when the container stops', async () => {
    b = makeBundle(sh([
      'until [ -e /tmp/go ]; do usleep 20000; done',
      'dd if=/dev/zero of=/dev/null bs=64M count=1; echo $? >/tmp/rc1',
      'dd if=/dev/zero of=/dev/null bs=64M count=1; echo $? >/tmp/rc2',
      'usleep 300000; exit 3',
    ].join('\n')), withLimits);
    const id = uniqueId('ev');
    ociOk(b, ['run', '-d', id]);
    const ev = ociSpawn(b, ['events', '--interval', '200ms', id], { name: 'events' });
    waitFor(() => ev.stdout().includes('"type":"stats"'), 5000 * SLOW);
    fs.writeFileSync(path.join(b.rootfs, 'tmp', 'go'), '');
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([ev.exited, new Promise((r) => { timer = setTimeout(() => r('timeout'), 15000 * SLOW); })]);
    clearTimeout(timer);
    if (code === 'timeout') ev.child.kill('SIGKILL');
    expect(code).toBe(0);
    expect(ev.stderr()).toBe('');
    expect(fs.readFileSync(path.join(b.rootfs, 'tmp', 'rc1'), 'utf8').trim()).toBe('137');
    expect(fs.readFileSync(path.join(b.rootfs, 'tmp', 'rc2'), 'utf8').trim()).toBe('137');
    const lines = ev.stdout().trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.type === 'oom')).toEqual([{ type: 'oom', id }, { type: 'oom', id }]);
    expect(lines.filter((l) => l.type === 'stats').length).toBeGreaterThanOrEqual(2);
    expect(lines.every((l) => l.id === id && (l.type === 'oom' || l.type === 'stats'))).toBe(true);
    expect(JSON.parse(ociOk(b, ['state', id])).status).toBe('stopped');

    const stopped = oci(b, ['events', '--stats', id]);
    expect([stopped.status, stopped.stderr]).toEqual([1, `container with id ${id} is not running\n`]);
    ociOk(b, ['delete', id]);
    expect(leftovers(b, id)).toEqual([]);
  });

  // (host-independent: CLI parsing and messages; not repeated in the slow v2 guest)
  hostOnly('bad interval and unknown container fail as runc', () => {
    b = makeBundle();
    const cases: [string[], string][] = [
      [['events', '--interval', '0s', 'x'], 'duration interval must be greater than 0\n'],
      [['events', '--interval', '5x', 'x'], 'invalid value "5x" for flag -interval: time: invalid duration "5x"\n'],
      [['events', '--stats', 'nope-' + process.pid], `container nope-${process.pid} does not exist\n`],
    ];
    for (const [args, msg] of cases) {
      const r = oci(b, args);
      expect([r.status, r.stderr]).toEqual([1, msg]);
    }
  });
});
