/** linux.namespaces, uid/gid mappings and time offsets, as seen from inside real containers. */
import { spawn, ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { describeRoot, makeBundle, oci, cleanup, uniqueId, Bundle, leftovers } from './helpers';
import { outOf, sh, section, hostDir, waitFor, newLeftovers, leftoversBefore } from './probe';

const NS_FILES = ['uts', 'ipc', 'net', 'cgroup', 'time', 'mnt', 'pid', 'user'];

function hostNs(name: string): string {
  return fs.readlinkSync(`/proc/self/ns/${name}`);
}

/** `name -> type:[inode]` lines printed by the container for each /proc/self/ns entry. */
const PRINT_NS = NS_FILES.map((n) => `echo ${n}=$(readlink /proc/self/ns/${n})`).join('; ');

function parseNs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of text.split('\n')) {
    const m = /^(\w+)=(.*)$/.exec(l);
    if (m) out[m[1]] = m[2];
  }
  return out;
}

/** A host process sleeping in new namespaces made by unshare(1) (no --fork: the pid is the sleeper). */
function nsHolder(flags: string[]): { child: ChildProcess; pid: number } {
  const child = spawn('unshare', [...flags, 'sleep', '100'], { stdio: 'ignore' });
  const pid = child.pid!;
  // unshare execs sleep once the namespaces exist
  waitFor(() => fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sleep'));
  return { child, pid };
}

describeRoot('namespaces', () => {
  let b: Bundle;
  const extra: (() => void)[] = [];
  afterEach(() => {
    cleanup(b);
    while (extra.length) extra.pop()!();
  });

  test('the process is pid 1 of a new pid namespace', () => {
    b = makeBundle(sh('echo pid=$$; cat /proc/1/cmdline | tr "\\0" " "; echo; ls /proc | grep -E "^[0-9]+$" | wc -l'));
    const out = outOf(b).split('\n');
    expect(out[0]).toBe('pid=1');
    expect(out[1]).toBe('sh -c ' + b.config.process.args[2] + ' ');
    // only sh itself and the ls/grep/wc pipeline: no host process is visible
    expect(Number(out[2])).toBeLessThanOrEqual(4);
  });

  test('new uts, ipc, net, cgroup, time, mnt and pid namespaces differ from the host; user is shared', () => {
    b = makeBundle(sh(PRINT_NS), (c) => {
      c.linux.namespaces.push({ type: 'cgroup' }, { type: 'time' });
    });
    const inside = parseNs(outOf(b));
    for (const n of ['uts', 'ipc', 'net', 'cgroup', 'time', 'mnt', 'pid']) {
      expect(inside[n]).toMatch(new RegExp(`^${n}:\\[\\d+\\]$`));
      expect(inside[n]).not.toBe(hostNs(n));
    }
    // not in the config: the host's
    expect(inside.user).toBe(hostNs('user'));
  });

  test('a namespace type absent from the config is the host one', () => {
    b = makeBundle(sh(PRINT_NS), (c) => {
      delete c.hostname; // needs a uts namespace
      c.linux.namespaces = c.linux.namespaces.filter((n: any) => n.type !== 'uts' && n.type !== 'network');
    });
    const inside = parseNs(outOf(b));
    expect(inside.uts).toBe(hostNs('uts'));
    expect(inside.net).toBe(hostNs('net'));
    expect(inside.ipc).not.toBe(hostNs('ipc'));
  });

  test('namespaces given by path are joined', () => {
    const holder = nsHolder(['--net', '--uts', '--ipc']);
    extra.push(() => holder.child.kill('SIGKILL'));
    const want = {
      net: fs.readlinkSync(`/proc/${holder.pid}/ns/net`),
      uts: fs.readlinkSync(`/proc/${holder.pid}/ns/uts`),
      ipc: fs.readlinkSync(`/proc/${holder.pid}/ns/ipc`),
    };
    expect(want.net).not.toBe(hostNs('net'));
    b = makeBundle(sh(PRINT_NS), (c) => {
      delete c.hostname;
      c.linux.namespaces = c.linux.namespaces.map((n: any) =>
        n.type === 'network' ? { type: 'network', path: `/proc/${holder.pid}/ns/net` } :
        n.type === 'uts' ? { type: 'uts', path: `/proc/${holder.pid}/ns/uts` } :
        n.type === 'ipc' ? { type: 'ipc', path: `/proc/${holder.pid}/ns/ipc` } : n,
      );
    });
    const inside = parseNs(outOf(b));
    expect(inside.net).toBe(want.net);
    expect(inside.uts).toBe(want.uts);
    expect(inside.ipc).toBe(want.ipc);
    expect(inside.pid).not.toBe(hostNs('pid'));
  });

  test('joining another container\'s network namespace by path', () => {
    b = makeBundle(['sleep', '60']);
    const first = uniqueId('nsa');
    oci(b, ['run', '--detach', first]);
    const st = JSON.parse(oci(b, ['state', first]).stdout);
    expect(st.status).toBe('running');
    const pid = st.pid;
    const net = fs.readlinkSync(`/proc/${pid}/ns/net`);
    b.config.process.args = sh(PRINT_NS);
    b.config.linux.namespaces = b.config.linux.namespaces.map((n: any) => (n.type === 'network' ? { type: 'network', path: `/proc/${pid}/ns/net` } : n));
    b.write();
    const inside = parseNs(outOf(b));
    expect(inside.net).toBe(net);
    expect(inside.mnt).not.toBe(fs.readlinkSync(`/proc/${pid}/ns/mnt`));
  });

  test('a path of the wrong namespace type fails create with its pointer and leaves nothing behind', () => {
    b = makeBundle(['true'], (c) => {
      c.linux.namespaces = c.linux.namespaces.map((n: any) => (n.type === 'network' ? { type: 'network', path: '/proc/self/ns/uts' } : n));
    });
    const idx = b.config.linux.namespaces.findIndex((n: any) => n.type === 'network');
    const id = uniqueId('nswrong');
    const before = leftoversBefore(b);
    const r = oci(b, ['create', id]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`/linux/namespaces/${idx}/path`);
    expect(newLeftovers(b, id, before)).toEqual([]);
    expect(fs.existsSync(path.join(b.root, id))).toBe(false);
  });

  test('a path that does not exist fails create with its pointer', () => {
    b = makeBundle(['true'], (c) => {
      c.linux.namespaces = c.linux.namespaces.map((n: any) => (n.type === 'ipc' ? { type: 'ipc', path: '/proc/999999999/ns/ipc' } : n));
    });
    const idx = b.config.linux.namespaces.findIndex((n: any) => n.type === 'ipc');
    const id = uniqueId('nsmissing');
    const before = leftoversBefore(b);
    const r = oci(b, ['create', id]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`/linux/namespaces/${idx}/path`);
    expect(newLeftovers(b, id, before)).toEqual([]);
  });

  test('a user namespace with mappings: uid_map, root inside, host files owned by the mapped id', () => {
    const shared = hostDir('userns');
    fs.chmodSync(shared, 0o777);
    extra.push(() => fs.rmSync(shared, { recursive: true, force: true }));
    b = makeBundle(
      sh('echo ==uid==; cat /proc/self/uid_map; echo ==gid==; cat /proc/self/gid_map; echo ==id==; id -u; id -g; echo ==ns==; readlink /proc/self/ns/user; touch /shared/made-inside; echo ==ls==; ls -ln /shared/made-inside'),
      (c) => {
        c.linux.namespaces.push({ type: 'user' });
        c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
        c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
        c.mounts.push({ destination: '/shared', type: 'bind', source: shared, options: ['rbind', 'rw'] });
      },
    );
    // the mapped root must reach the rootfs and cannot create /shared in a rootfs the host root owns (as with runc)
    fs.chmodSync(b.dir, 0o755);
    fs.mkdirSync(path.join(b.rootfs, 'shared'));
    const out = outOf(b);
    expect(section(out, 'uid').trim().split(/\s+/)).toEqual(['0', '100000', '65536']);
    expect(section(out, 'gid').trim().split(/\s+/)).toEqual(['0', '100000', '65536']);
    expect(section(out, 'id').trim().split('\n')).toEqual(['0', '0']);
    expect(section(out, 'ns').trim()).not.toBe(hostNs('user'));
    // inside, the file is root's; on the host, it is the mapped uid's
    expect(section(out, 'ls').trim().split(/\s+/).slice(2, 4)).toEqual(['0', '0']);
    const st = fs.statSync(path.join(shared, 'made-inside'));
    expect([st.uid, st.gid]).toEqual([100000, 100000]);
  });

  test('a cgroup namespace is rooted at the container\'s cgroup', () => {
    b = makeBundle(['cat', '/proc/self/cgroup'], (c) => {
      c.linux.namespaces.push({ type: 'cgroup' });
    });
    const lines = outOf(b).trim().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    // every hierarchy shows "/" inside: the path on the host (/oci-ts/ID) is hidden
    for (const l of lines) expect([l, l.split(':')[2]]).toEqual([l, '/']);
    b.config.linux.namespaces = b.config.linux.namespaces.filter((n: any) => n.type !== 'cgroup');
    b.write();
    const without = outOf(b).trim().split('\n');
    expect(without.some((l) => /:\/oci-ts\//.test(l))).toBe(true);
  });

  test('devices in a user namespace are the host\'s nodes, bound and usable', () => {
    b = makeBundle(sh("stat -c '%n %t %T' /dev/null /dev/zero /dev/urandom; echo x > /dev/null && echo null-ok; head -c 3 /dev/zero | wc -c"), (c) => {
      c.linux.namespaces.push({ type: 'user' });
      c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    });
    fs.chmodSync(b.dir, 0o755);
    expect(outOf(b)).toBe('/dev/null 1 3\n/dev/zero 1 5\n/dev/urandom 1 9\nnull-ok\n3\n');
  });

  test('time namespace offsets: /proc/uptime is a day ahead of the host', () => {
    b = makeBundle(sh('cat /proc/uptime; readlink /proc/self/ns/time'), (c) => {
      c.linux.namespaces.push({ type: 'time' });
      c.linux.timeOffsets = { monotonic: { secs: 86400 }, boottime: { secs: 86400 } };
    });
    const before = Number(fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    const [uptime, ns] = outOf(b).trim().split('\n');
    const after = Number(fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    const inside = Number(uptime.split(' ')[0]);
    expect(inside - after).toBeGreaterThanOrEqual(86400 - 0.5);
    expect(inside - before).toBeLessThan(86400 + 30);
    expect(ns).not.toBe(hostNs('time'));
  });

  test('time namespace without offsets: uptime is the host\'s', () => {
    b = makeBundle(sh('cat /proc/uptime'), (c) => {
      c.linux.namespaces.push({ type: 'time' });
    });
    const inside = Number(outOf(b).split(' ')[0]);
    const host = Number(fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    expect(Math.abs(host - inside)).toBeLessThan(30);
  });
});
