/**
 * exec on a pure cgroup v2 host (the guest of scripts/test-v2.sh): stage 0 is spawned into the
 * container's cgroup with CLONE_INTO_CGROUP, so the exec'd process is born there and counts
 * against its limits; --cgroup names a sub-cgroup; a frozen cgroup refuses exec.
 */
import * as fs from 'fs';
import * as path from 'path';
import { describeRoot, makeBundle, oci, ociOk, cleanup, uniqueId, Bundle } from './helpers';
import { waitFor } from './probe';

const CG = '/sys/fs/cgroup';
const pureV2 = fs.existsSync(path.join(CG, 'cgroup.controllers'));
const describeV2 = pureV2 ? describeRoot : describe.skip; // this host is not pure cgroup v2: scripts/test-v2.sh runs this file in a v2 guest

describeV2('exec on a pure v2 host', () => {
  let b: Bundle;
  let id: string;
  beforeAll(() => {
    b = makeBundle(['sleep', '1000'], (c) => {
      c.linux.resources = { ...c.linux.resources, pids: { limit: 5 } };
    });
    id = uniqueId('xv2');
    ociOk(b, ['run', '--detach', id]);
  });
  afterAll(() => cleanup(b));
  const dir = () => path.join(CG, 'oci-ts', id);

  test('the process is in the container\'s cgroup, counted by its pids limit', () => {
    const pidFile = path.join(b.dir, 'x.pid');
    ociOk(b, ['exec', '--detach', '--pid-file', pidFile, id, 'sleep', '300']);
    const pid = fs.readFileSync(pidFile, 'utf8');
    expect(fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8')).toBe(`0::/oci-ts/${id}\n`);
    expect(fs.readFileSync(path.join(dir(), 'cgroup.procs'), 'utf8').split('\n')).toContain(pid);
    expect(Number(fs.readFileSync(path.join(dir(), 'pids.current'), 'utf8'))).toBe(2);
    // pids.max 5: the container's two processes and the exec'd shell leave room for two more
    const r = oci(b, ['exec', id, 'sh', '-c', 'sleep 5 & sleep 5 & sleep 5 & echo started; wait']);
    expect(r.stdout + r.stderr).toMatch(/can't fork|Resource temporarily unavailable|fork/i);
    process.kill(Number(pid), 'SIGKILL');
  });

  test('--cgroup: a sub-cgroup of the container\'s', () => {
    const sub = path.join(dir(), 'sub');
    fs.mkdirSync(sub);
    try {
      const r = oci(b, ['exec', '--cgroup', 'sub', id, 'cat', '/proc/self/cgroup']);
      expect([r.status, r.stdout]).toEqual([0, `0::/oci-ts/${id}/sub\n`]);
      expect(oci(b, ['exec', '--cgroup', '../x', id, 'true']).stderr).toMatch(/--cgroup \.\.\/x: \.\.\/x is not a sub cgroup path: must be a path inside the container.s cgroup/);
    } finally {
      waitFor(() => fs.readFileSync(path.join(sub, 'cgroup.procs'), 'utf8').trim() === '');
      fs.rmdirSync(sub);
    }
  });

  test('a frozen container refuses exec unless --ignore-paused', () => {
    fs.writeFileSync(path.join(dir(), 'cgroup.freeze'), '1');
    try {
      waitFor(() => /frozen 1/.test(fs.readFileSync(path.join(dir(), 'cgroup.events'), 'utf8')));
      const r = oci(b, ['exec', id, 'true']);
      expect([r.status, r.stderr.trim()]).toEqual([255, `exec failed: cannot exec in a paused container: ${id} (use --ignore-paused to override)`]);
    } finally {
      fs.writeFileSync(path.join(dir(), 'cgroup.freeze'), '0');
    }
    expect(ociOk(b, ['exec', id, 'echo', 'thawed'])).toBe('thawed\n');
  });
});
