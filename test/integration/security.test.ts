/**
 * Security properties of the launch (architecture.md "Why the container's first process is a
 * small native program"): the waiting init is non-dumpable, no host descriptor or runtime
 * environment reaches the container, the container cannot see or reach the runtime's binaries,
 * and symlinks in the image cannot redirect mounts onto the host.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describeRoot, makeBundle, oci, ociOk, cleanup, uniqueId, Bundle, run } from './helpers';
import { ownLeftovers, mountPoints, newMounts, ociSpawn, waitFor, removeCgroupDirs } from './cleanup-helpers';

function owner(file: string): string {
  return run(['stat', '-c', '%U', file]).stdout.trim();
}

describeRoot('security', () => {
  let b: Bundle;
  let id: string;
  beforeEach(() => {
    id = uniqueId('sec');
  });
  afterEach(() => {
    cleanup(b);
    removeCgroupDirs(id);
  });

  test('the waiting init is oci-ts-init and non-dumpable (its /proc files stay root-owned)', () => {
    // As uid 1000: a dumpable process's /proc/PID/environ belongs to its own uid, a non-dumpable one's to root.
    b = makeBundle(['sleep', '60'], (c) => {
      c.process.user = { uid: 1000, gid: 1000 };
    });
    ociOk(b, ['create', id]);
    const pid = JSON.parse(ociOk(b, ['state', id])).pid;
    expect(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8')).toMatch(/^oci-ts-init/);
    expect(fs.readFileSync(`/proc/${pid}/status`, 'utf8')).toMatch(/^Uid:\s+1000\s+1000\s+1000\s+1000$/m);
    expect(owner(`/proc/${pid}/environ`)).toBe('root');
    expect(owner(`/proc/${pid}/mem`)).toBe('root');
    // the control: once the user's program runs, exec made it dumpable again and the files are its own
    ociOk(b, ['start', id]);
    expect(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8')).toBe('sleep\x0060\x00');
    expect(run(['stat', '-c', '%u', `/proc/${pid}/environ`]).stdout.trim()).toBe('1000');
  });

  test('no host descriptor reaches the container (fds 3..6 open in the runtime)', async () => {
    b = makeBundle(['sh', '-c', 'ls /proc/self/fd > /fds.txt; ls -l /proc/self/fd > /fds-long.txt 2>&1; echo done >> /fds.txt; sleep 60']);
    const secretFile = path.join(b.dir, 'host-secret');
    fs.writeFileSync(secretFile, 'secret');
    const extra = [
      fs.openSync(secretFile, 'r'),
      fs.openSync('/etc/hostname', 'r'),
      fs.openSync(os.tmpdir(), 'r'),
      fs.openSync(path.join(b.dir, 'host-rw'), 'w'),
    ];
    try {
      const c = ociSpawn(b, ['create', id], { extraFds: extra, name: 'create' });
      expect(await c.exited).toBe(0);
      // the waiting init holds none of them either
      const pid = JSON.parse(ociOk(b, ['state', id])).pid;
      const initFds = fs.readdirSync(`/proc/${pid}/fd`).map((f) => fs.readlinkSync(`/proc/${pid}/fd/${f}`));
      expect(initFds.filter((t) => t.includes('host-secret') || t.includes('host-rw') || t === '/etc/hostname' || t === os.tmpdir())).toEqual([]);
    } finally {
      for (const fd of extra) fs.closeSync(fd);
    }
    ociOk(b, ['start', id]);
    const list = path.join(b.rootfs, 'fds.txt');
    waitFor(() => fs.existsSync(list) && fs.readFileSync(list, 'utf8').includes('done'));
    const fds = fs.readFileSync(list, 'utf8').trim().split(/\s+/).filter((x) => x !== 'done').map(Number).sort((x, y) => x - y);
    // 0 1 2 and the directory ls itself opened to read /proc/self/fd
    expect(fds).toEqual([0, 1, 2, 3]);
    expect(fs.readFileSync(path.join(b.rootfs, 'fds-long.txt'), 'utf8')).not.toMatch(/host-secret|host-rw|\/etc\/hostname/);
  });

  test("the runtime's environment does not reach the container or the waiting init", () => {
    b = makeBundle(['sh', '-c', 'env > /env.txt; sleep 60'], (c) => {
      c.process.env = ['PATH=/bin:/usr/bin', 'MINE=1'];
    });
    const env = { ...process.env, SECRET: 'x-oci-ts-secret' };
    const r = oci(b, ['create', id], { env });
    expect(r.status).toBe(0);
    const pid = JSON.parse(ociOk(b, ['state', id])).pid;
    expect(fs.readFileSync(`/proc/${pid}/environ`, 'utf8')).not.toMatch(/SECRET|x-oci-ts-secret/);
    expect(oci(b, ['start', id], { env }).status).toBe(0);
    waitFor(() => fs.existsSync(path.join(b.rootfs, 'env.txt')) && fs.readFileSync(path.join(b.rootfs, 'env.txt'), 'utf8').includes('PATH='));
    const inside = fs.readFileSync(path.join(b.rootfs, 'env.txt'), 'utf8');
    expect(inside).toMatch(/^MINE=1$/m);
    expect(inside).not.toMatch(/SECRET|x-oci-ts-secret/);
    expect(fs.readFileSync(`/proc/${pid}/environ`, 'utf8')).not.toMatch(/SECRET/);
  });

  test('/proc/1/exe in the container is the user program; the runtime binaries are out of reach', () => {
    const node = process.execPath;
    const init = fs.realpathSync(path.join(__dirname, '..', '..', 'build', 'Release', 'oci-ts-init'));
    b = makeBundle([
      'sh',
      '-c',
      [
        'readlink /proc/1/exe > /exe.txt',
        'if echo x >> /proc/1/exe 2>/dev/null; then echo exe-writable; else echo exe-denied; fi >> /exe.txt',
        `if [ -e ${node} ] || cat ${node} >/dev/null 2>&1; then echo node-reachable; else echo node-absent; fi >> /exe.txt`,
        `if [ -e ${init} ]; then echo init-reachable; else echo init-absent; fi >> /exe.txt`,
        'echo done >> /exe.txt',
        'sleep 60',
      ].join('; '),
    ]);
    const busyboxBefore = fs.readFileSync(path.join(b.rootfs, 'bin', 'busybox'));
    ociOk(b, ['create', id]);
    ociOk(b, ['start', id]);
    const out = path.join(b.rootfs, 'exe.txt');
    waitFor(() => fs.existsSync(out) && fs.readFileSync(out, 'utf8').includes('done'));
    expect(fs.readFileSync(out, 'utf8').trim().split('\n')).toEqual(['/bin/busybox', 'exe-denied', 'node-absent', 'init-absent', 'done']);
    const pid = JSON.parse(ociOk(b, ['state', id])).pid;
    // seen from the host too: the container's pid 1 is the program, not node or oci-ts-init
    // (the kernel prints the path inside the container's root, unreachable from the host's)
    expect(fs.readlinkSync(`/proc/${pid}/exe`)).toBe('/bin/busybox');
    expect(fs.readFileSync(path.join(b.rootfs, 'bin', 'busybox')).equals(busyboxBefore)).toBe(true);
  });

  describe('symlinks in the rootfs do not redirect mounts onto the host', () => {
    let hostTarget: string;
    afterEach(() => {
      fs.rmSync(hostTarget, { recursive: true, force: true });
    });

    function tryCreate(): { status: number | null; stderr: string } {
      const before = mountPoints();
      const r = oci(b, ['create', id]);
      if (r.status === 0) {
        ociOk(b, ['start', id]);
        oci(b, ['delete', '--force', id]);
      }
      expect(newMounts(before, b)).toEqual([]);
      expect(mountPoints().filter((m) => m.startsWith(hostTarget))).toEqual([]);
      expect(fs.readdirSync(hostTarget)).toEqual([]);
      expect(ownLeftovers(b, id)).toEqual([]);
      return { status: r.status, stderr: r.stderr };
    }

    test('/dev -> /tmp/host-dev-target (absolute)', () => {
      hostTarget = fs.mkdtempSync('/tmp/host-dev-target-');
      b = makeBundle(['sh', '-c', 'ls /dev > /dev-list.txt']);
      fs.rmSync(path.join(b.rootfs, 'dev'), { recursive: true });
      fs.symlinkSync(hostTarget, path.join(b.rootfs, 'dev'));
      tryCreate();
      // if the container ran, /dev resolved inside the rootfs
      if (fs.existsSync(path.join(b.rootfs, 'dev-list.txt'))) {
        expect(fs.readFileSync(path.join(b.rootfs, 'dev-list.txt'), 'utf8')).toMatch(/\bnull\b/);
      }
    });

    test('/proc -> ../../../ (escapes the rootfs when followed on the host)', () => {
      hostTarget = fs.mkdtempSync('/tmp/host-proc-target-');
      b = makeBundle(['true']);
      fs.rmSync(path.join(b.rootfs, 'proc'), { recursive: true });
      // relative to rootfs/: ../../../ is the host's / from /tmp/oci-ts-test-X/rootfs
      fs.symlinkSync('../../../', path.join(b.rootfs, 'proc'));
      const hostRootBefore = fs.readdirSync('/').sort();
      tryCreate();
      expect(fs.readdirSync('/').sort()).toEqual(hostRootBefore);
      expect(fs.readlinkSync(path.join(b.rootfs, 'proc'))).toBe('../../../');
    });
  });
});
