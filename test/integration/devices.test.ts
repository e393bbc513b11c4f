/** /dev nodes and symlinks, linux.devices, linux.sysctl, hostname and domainname: seen from inside. */
import * as fs from 'fs';
import * as os from 'os';
import { describeRoot, makeBundle, oci, cleanup, uniqueId, Bundle } from './helpers';
import { outOf, sh, section, newLeftovers, leftoversBefore } from './probe';

/** `ls -l /dev` lines → name → [type+mode, "major,minor"] for device nodes. */
function parseLsDev(text: string): Record<string, [string, string]> {
  const out: Record<string, [string, string]> = {};
  for (const l of text.split('\n')) {
    // crw-rw-rw-    1 root     root        1,   3 Nov 29 18:13 null
    const m = /^([cbp][-rwxsStT]{9})\s+\d+\s+\S+\s+\S+\s+(\d+),\s*(\d+)\s+.*\s(\S+)$/.exec(l);
    if (m) out[m[4]] = [m[1], `${m[2]},${m[3]}`];
  }
  return out;
}

function createFails(b: Bundle): { stderr: string; left: string[] } {
  const id = uniqueId('devbad');
  const before = leftoversBefore(b);
  const r = oci(b, ['create', id]);
  expect(r.status).not.toBe(0);
  return { stderr: r.stderr, left: newLeftovers(b, id, before) };
}

describeRoot('devices, sysctl, hostname', () => {
  let b: Bundle;
  afterEach(() => cleanup(b));

  test('the default device nodes with their major,minor and mode', () => {
    b = makeBundle(sh('ls -l /dev; echo ==io==; echo x > /dev/null && echo null-ok; head -c 5 /dev/zero | wc -c; head -c 5 /dev/urandom | wc -c; echo x > /dev/full 2>/dev/null || echo full-enospc'));
    const out = outOf(b);
    const devs = parseLsDev(out.split('==io==')[0]);
    expect(devs).toEqual({
      null: ['crw-rw-rw-', '1,3'],
      zero: ['crw-rw-rw-', '1,5'],
      full: ['crw-rw-rw-', '1,7'],
      tty: ['crw-rw-rw-', '5,0'],
      random: ['crw-rw-rw-', '1,8'],
      urandom: ['crw-rw-rw-', '1,9'],
    });
    // the default device cgroup rules let the container use them
    expect(section(out, 'io').split('\n').map((x) => x.trim())).toEqual(['null-ok', '5', '5', 'full-enospc', '']);
  });

  test('the /dev symlinks', () => {
    b = makeBundle(sh('for l in fd stdin stdout stderr ptmx; do echo $l=$(readlink /dev/$l); done; [ -c /dev/pts/ptmx ] && echo ptmx-node'));
    expect(outOf(b)).toBe(
      'fd=/proc/self/fd\nstdin=/proc/self/fd/0\nstdout=/proc/self/fd/1\nstderr=/proc/self/fd/2\nptmx=pts/ptmx\nptmx-node\n',
    );
  });

  test('linux.devices: char, block and fifo nodes with fileMode, uid and gid', () => {
    b = makeBundle(sh("for d in mychar myblk myfifo; do stat -c '%n %A %u %g %t %T' /dev/$d; done; echo hi > /dev/mynull && echo write-ok; cat /dev/mynull | wc -c"), (c) => {
      c.linux.devices = [
        { path: '/dev/mychar', type: 'c', major: 1, minor: 3, fileMode: 0o640, uid: 1000, gid: 1001 },
        { path: '/dev/myblk', type: 'b', major: 7, minor: 200, fileMode: 0o600, uid: 0, gid: 6 },
        { path: '/dev/myfifo', type: 'p', fileMode: 0o644, uid: 2, gid: 3 },
        { path: '/dev/mynull', type: 'c', major: 1, minor: 3, fileMode: 0o666 },
      ];
      c.linux.resources.devices.push({ allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' });
    });
    expect(outOf(b)).toBe(
      [
        '/dev/mychar crw-r----- 1000 1001 1 3',
        '/dev/myblk brw------- 0 6 7 c8', // %t %T are hex
        '/dev/myfifo prw-r--r-- 2 3 0 0',
        'write-ok', // a null device: what is written reads back as nothing
        '0',
        '',
      ].join('\n'),
    );
  });

  test('a configured device replaces the default node of the same path', () => {
    b = makeBundle(sh("stat -c '%A %u %g %t %T' /dev/null"), (c) => {
      c.linux.devices = [{ path: '/dev/null', type: 'c', major: 1, minor: 3, fileMode: 0o600, uid: 5, gid: 7 }];
    });
    expect(outOf(b)).toBe('crw------- 5 7 1 3\n');
  });

  test('sysctl: net.ipv4.ip_forward in a new netns and kernel.shmmax in a new ipc ns; the host keeps its values', () => {
    const hostFwd = fs.readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8');
    const hostShm = fs.readFileSync('/proc/sys/kernel/shmmax', 'utf8');
    const wantFwd = hostFwd.trim() === '1' ? '0' : '1';
    b = makeBundle(sh('cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmax /proc/sys/kernel/msgmax'), (c) => {
      c.linux.sysctl = { 'net.ipv4.ip_forward': wantFwd, 'kernel.shmmax': '123456789', 'kernel/msgmax': '4096' };
    });
    expect(outOf(b)).toBe(`${wantFwd}\n123456789\n4096\n`);
    expect(fs.readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8')).toBe(hostFwd);
    expect(fs.readFileSync('/proc/sys/kernel/shmmax', 'utf8')).toBe(hostShm);
  });

  test('a sysctl that is not namespaced (kernel.panic) is rejected with its pointer, nothing left behind', () => {
    const hostPanic = fs.readFileSync('/proc/sys/kernel/panic', 'utf8');
    b = makeBundle(['true'], (c) => {
      c.linux.sysctl = { 'kernel.panic': '77' };
    });
    const { stderr, left } = createFails(b);
    expect(stderr).toContain('/linux/sysctl/kernel.panic');
    expect(left).toEqual([]);
    expect(fs.readFileSync('/proc/sys/kernel/panic', 'utf8')).toBe(hostPanic);
  });

  test('a net.* sysctl without a network namespace is rejected (it would change the host)', () => {
    const hostFwd = fs.readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim();
    b = makeBundle(['true'], (c) => {
      c.linux.namespaces = c.linux.namespaces.filter((n: any) => n.type !== 'network');
      c.linux.sysctl = { 'net.ipv4.ip_forward': hostFwd }; // the host value: harmless if it were written
    });
    const { stderr, left } = createFails(b);
    expect(stderr).toContain('/linux/sysctl/net.ipv4.ip_forward');
    expect(left).toEqual([]);
  });

  test('hostname and domainname', () => {
    const hostName = os.hostname();
    b = makeBundle(sh('hostname; cat /proc/sys/kernel/hostname /proc/sys/kernel/domainname; uname -n'), (c) => {
      c.hostname = 'box-one';
      c.domainname = 'example.org';
    });
    expect(outOf(b)).toBe('box-one\nbox-one\nexample.org\nbox-one\n');
    expect(os.hostname()).toBe(hostName);
    expect(fs.readFileSync('/proc/sys/kernel/domainname', 'utf8').trim()).not.toBe('example.org');
  });

  test('no hostname in the config: the new uts namespace keeps the host\'s name', () => {
    b = makeBundle(['hostname'], (c) => {
      delete c.hostname;
    });
    expect(outOf(b).trim()).toBe(os.hostname());
  });
});
