/** mounts[], root.readonly, masked/readonly paths, propagation, cgroup mounts, --no-pivot: seen from inside. */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { describeRoot, makeBundle, cleanup, Bundle, oci, uniqueId } from './helpers';
import { outOf, runIn, sh, section, hostDir, parseMountinfo, mountAt, MountInfo } from './probe';

function mountinfoOf(b: Bundle, extra: string[] = []): MountInfo[] {
  return parseMountinfo(outOf(b, extra));
}

function hostMount(args: string[]): void {
  const r = spawnSync('mount', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mount ${args.join(' ')}: ${r.stderr}`);
}

function mustHave(m: MountInfo | undefined, where: string): MountInfo {
  if (!m) throw new Error(`nothing mounted at ${where}`);
  return m;
}

describeRoot('mounts', () => {
  let b: Bundle;
  const extra: (() => void)[] = [];
  afterEach(() => {
    cleanup(b);
    while (extra.length) extra.pop()!();
  });

  test('the default mounts with their types and options', () => {
    b = makeBundle(['cat', '/proc/self/mountinfo']);
    const mi = mountinfoOf(b);
    const proc = mustHave(mountAt(mi, '/proc'), '/proc');
    expect(proc.fsType).toBe('proc');
    const dev = mustHave(mountAt(mi, '/dev'), '/dev');
    expect(dev.fsType).toBe('tmpfs');
    expect(dev.options).toEqual(expect.arrayContaining(['rw', 'nosuid']));
    expect(dev.options).not.toContain('noexec');
    expect(dev.superOptions).toEqual(expect.arrayContaining(['size=65536k', 'mode=755']));
    const pts = mustHave(mountAt(mi, '/dev/pts'), '/dev/pts');
    expect(pts.fsType).toBe('devpts');
    expect(pts.options).toEqual(expect.arrayContaining(['nosuid', 'noexec']));
    expect(pts.superOptions).toEqual(expect.arrayContaining(['gid=5', 'mode=620', 'ptmxmode=666']));
    const shm = mustHave(mountAt(mi, '/dev/shm'), '/dev/shm');
    expect(shm.fsType).toBe('tmpfs');
    expect(shm.options).toEqual(expect.arrayContaining(['nosuid', 'nodev', 'noexec']));
    expect(shm.superOptions).toEqual(expect.arrayContaining(['size=65536k']));
    const mq = mustHave(mountAt(mi, '/dev/mqueue'), '/dev/mqueue');
    expect(mq.fsType).toBe('mqueue');
    expect(mq.options).toEqual(expect.arrayContaining(['nosuid', 'nodev', 'noexec']));
    const sys = mustHave(mountAt(mi, '/sys'), '/sys');
    expect(sys.fsType).toBe('sysfs');
    expect(sys.options).toEqual(expect.arrayContaining(['ro', 'nosuid', 'nodev', 'noexec']));
    // the root is the bundle's rootfs, and no host mount point leaks into the container
    const root = mustHave(mountAt(mi, '/'), '/');
    expect(root.root).toBe(b.rootfs);
    expect(mi.filter((m) => m.mountPoint.startsWith(b.dir) || m.mountPoint === '/work')).toEqual([]);
  });

  test('a read-only bind mount of a host directory', () => {
    const host = hostDir('bind');
    extra.push(() => fs.rmSync(host, { recursive: true, force: true }));
    fs.writeFileSync(path.join(host, 'hello'), 'from the host\n');
    b = makeBundle(sh('cat /data/hello; touch /data/new 2>/dev/null; echo touch=$?; echo ==mi==; cat /proc/self/mountinfo'), (c) => {
      c.mounts.push({ destination: '/data', type: 'bind', source: host, options: ['rbind', 'ro', 'nosuid'] });
    });
    const out = outOf(b);
    expect(out.startsWith('from the host\ntouch=1\n')).toBe(true);
    expect(fs.existsSync(path.join(host, 'new'))).toBe(false);
    const data = mustHave(mountAt(parseMountinfo(section(out, 'mi')), '/data'), '/data');
    expect(data.options).toEqual(expect.arrayContaining(['ro', 'nosuid']));
  });

  test('a read-write bind mount writes through to the host', () => {
    const host = hostDir('bindrw');
    extra.push(() => fs.rmSync(host, { recursive: true, force: true }));
    b = makeBundle(sh('echo written-inside > /data/new; echo rc=$?'), (c) => {
      c.mounts.push({ destination: '/data', type: 'bind', source: host, options: ['rbind', 'rw'] });
    });
    expect(outOf(b).trim()).toBe('rc=0');
    expect(fs.readFileSync(path.join(host, 'new'), 'utf8')).toBe('written-inside\n');
  });

  test('a bind mount of a single file', () => {
    const host = hostDir('bindfile');
    extra.push(() => fs.rmSync(host, { recursive: true, force: true }));
    fs.writeFileSync(path.join(host, 'f'), 'one file\n');
    b = makeBundle(sh('cat /etc/bound; [ -f /etc/bound ] && echo is-file'), (c) => {
      c.mounts.push({ destination: '/etc/bound', type: 'bind', source: path.join(host, 'f'), options: ['bind', 'ro'] });
    });
    expect(outOf(b)).toBe('one file\nis-file\n');
  });

  test('tmpfs with size and mode data', () => {
    b = makeBundle(sh('stat -c %a /scratch; echo ==mi==; cat /proc/self/mountinfo'), (c) => {
      c.mounts.push({ destination: '/scratch', type: 'tmpfs', source: 'tmpfs', options: ['nodev', 'noexec', 'size=1m', 'mode=1770'] });
    });
    const out = outOf(b);
    expect(out.split('\n')[0]).toBe('1770');
    const t = mustHave(mountAt(parseMountinfo(section(out, 'mi')), '/scratch'), '/scratch');
    expect(t.fsType).toBe('tmpfs');
    expect(t.superOptions).toEqual(expect.arrayContaining(['size=1024k', 'mode=1770']));
    expect(t.options).toEqual(expect.arrayContaining(['nodev', 'noexec']));
  });

  /** A tmpfs made shared on the host, with subdirectories a, b, c to bind into containers. */
  function sharedHostMount(): string {
    const host = hostDir('prop');
    hostMount(['-t', 'tmpfs', 'tmpfs', host]);
    extra.push(() => {
      spawnSync('umount', ['-R', '-l', host]);
      fs.rmSync(host, { recursive: true, force: true });
    });
    hostMount(['--make-shared', host]);
    for (const d of ['a', 'b', 'c']) fs.mkdirSync(path.join(host, d));
    return host;
  }

  const tagsAt = (mi: MountInfo[], p: string) => mustHave(mountAt(mi, p), p).optional.map((t) => t.replace(/:\d+$/, ''));

  test('propagation options rslave / rprivate show as master: / no tag in mountinfo', () => {
    // a shared mount on the host, so that a slave copy in the container has a master
    const host = sharedHostMount();
    b = makeBundle(['cat', '/proc/self/mountinfo'], (c) => {
      c.mounts.push(
        { destination: '/slave', type: 'bind', source: `${host}/b`, options: ['rbind', 'rslave'] },
        { destination: '/private', type: 'bind', source: `${host}/c`, options: ['rbind', 'rprivate'] },
      );
    });
    const mi = mountinfoOf(b);
    expect(tagsAt(mi, '/slave')).toEqual(['master']);
    expect(tagsAt(mi, '/private')).toEqual([]);
  });

  // pivot_root must make only the OLD root a slave before detaching it (runc fchdir's to it
  // first): the container's own mounts keep the propagation their options asked for.
  test('propagation option rshared / shared shows as a shared: tag in mountinfo', () => {
    const host = sharedHostMount();
    b = makeBundle(['cat', '/proc/self/mountinfo'], (c) => {
      c.mounts.push(
        { destination: '/shared', type: 'bind', source: `${host}/a`, options: ['rbind', 'rshared'] },
        { destination: '/t', type: 'tmpfs', source: 'tmpfs', options: ['shared'] },
      );
    });
    const mi = mountinfoOf(b);
    expect(tagsAt(mi, '/shared')).toEqual(['shared', 'master']);
    expect(tagsAt(mi, '/t')).toEqual(['shared']);
  });

  test('propagation option shared with --no-pivot shows as a shared: tag', () => {
    const host = sharedHostMount();
    b = makeBundle(['cat', '/proc/self/mountinfo'], (c) => {
      c.mounts.push(
        { destination: '/shared', type: 'bind', source: `${host}/a`, options: ['rbind', 'rshared'] },
        { destination: '/t', type: 'tmpfs', source: 'tmpfs', options: ['shared'] },
      );
    });
    const mi = mountinfoOf(b, ['--no-pivot']);
    expect(tagsAt(mi, '/shared')).toEqual(['shared', 'master']);
    expect(tagsAt(mi, '/t')).toEqual(['shared']);
  });

  test('root.readonly: the root is read-only, mounts on it are not', () => {
    b = makeBundle(sh('touch /x 2>/dev/null; echo root=$?; touch /tmp/x 2>/dev/null; echo tmp=$?; touch /dev/shm/x; echo shm=$?; echo ==mi==; cat /proc/self/mountinfo'), (c) => {
      c.root.readonly = true;
    });
    const out = outOf(b);
    expect(out.split('==mi==')[0]).toBe('root=1\ntmp=1\nshm=0\n');
    expect(mustHave(mountAt(parseMountinfo(section(out, 'mi')), '/'), '/').options).toContain('ro');
    expect(fs.existsSync(path.join(b.rootfs, 'x'))).toBe(false);
  });

  test('root.readonly false: the root is writable', () => {
    b = makeBundle(sh('touch /x; echo root=$?'));
    expect(outOf(b)).toBe('root=0\n');
    expect(fs.existsSync(path.join(b.rootfs, 'x'))).toBe(true);
  });

  test('maskedPaths: a file reads empty, a directory is empty, /proc entries are masked', () => {
    b = makeBundle(
      sh('echo ==file==; cat /etc/secret; echo ==dir==; ls -A /etc/secretdir; echo ==timer==; cat /proc/timer_list | wc -c; echo ==write==; echo x > /etc/secretdir/new 2>/dev/null; echo rc=$?'),
      (c) => {
        c.linux.maskedPaths.push('/etc/secret', '/etc/secretdir', '/does/not/exist');
      },
    );
    fs.writeFileSync(path.join(b.rootfs, 'etc/secret'), 'top secret\n');
    fs.mkdirSync(path.join(b.rootfs, 'etc/secretdir'));
    fs.writeFileSync(path.join(b.rootfs, 'etc/secretdir/key'), 'key\n');
    const out = outOf(b);
    expect(section(out, 'file')).toBe('');
    expect(section(out, 'dir')).toBe('');
    expect(section(out, 'timer').trim()).toBe('0');
    expect(section(out, 'write').trim()).not.toBe('rc=0');
    expect(fs.readFileSync(path.join(b.rootfs, 'etc/secret'), 'utf8')).toBe('top secret\n');
  });

  test('readonlyPaths: writes fail there and succeed beside', () => {
    b = makeBundle(
      sh('touch /ro/x 2>/dev/null; echo ro=$?; touch /rw/x; echo rw=$?; echo 1 > /proc/sys/kernel/ns_last_pid 2>/dev/null; echo procsys=$?; cat /ro/keep'),
      (c) => {
        c.linux.readonlyPaths.push('/ro');
      },
    );
    fs.mkdirSync(path.join(b.rootfs, 'ro'));
    fs.mkdirSync(path.join(b.rootfs, 'rw'));
    fs.writeFileSync(path.join(b.rootfs, 'ro/keep'), 'readable\n');
    expect(outOf(b)).toBe('ro=1\nrw=0\nprocsys=1\nreadable\n');
    expect(fs.existsSync(path.join(b.rootfs, 'ro/x'))).toBe(false);
  });

  test('rootfsPropagation shared / private sets the propagation of /', () => {
    b = makeBundle(['cat', '/proc/self/mountinfo'], (c) => {
      c.linux.rootfsPropagation = 'shared';
    });
    let root = mustHave(mountAt(mountinfoOf(b), '/'), '/');
    expect(root.optional.some((t) => t.startsWith('shared:'))).toBe(true);
    b.config.linux.rootfsPropagation = 'private';
    b.write();
    root = mustHave(mountAt(mountinfoOf(b), '/'), '/');
    expect(root.optional).toEqual([]);
  });

  test('rootfsPropagation rshared applies to the mounts under / as well', () => {
    b = makeBundle(['cat', '/proc/self/mountinfo'], (c) => {
      c.linux.rootfsPropagation = 'rshared';
    });
    const mi = mountinfoOf(b);
    for (const p of ['/', '/proc', '/dev', '/sys']) {
      expect([p, mustHave(mountAt(mi, p), p).optional.some((t) => t.startsWith('shared:'))]).toEqual([p, true]);
    }
  });

  test('a cgroup mount shows the container\'s own cgroups under /sys/fs/cgroup', () => {
    b = makeBundle(sh('echo ==ls==; ls /sys/fs/cgroup; echo ==self==; cat /proc/self/cgroup; echo ==procs==; cat /sys/fs/cgroup/pids/cgroup.procs; echo ==mi==; cat /proc/self/mountinfo'));
    const out = outOf(b);
    const hostHierarchies = fs.readdirSync('/sys/fs/cgroup').filter((h) => fs.statSync(`/sys/fs/cgroup/${h}`).isDirectory());
    expect(section(out, 'ls').trim().split('\n').sort()).toEqual(hostHierarchies.sort());
    const pidsPath = section(out, 'self').split('\n').find((l) => /^\d+:pids:/.test(l))!.split(':')[2];
    expect(pidsPath).toMatch(/\/oci-ts\//);
    // the container's own cgroup, not the host's root: it holds the shell (pid 1 here) and cat
    const procs = section(out, 'procs').trim().split('\n');
    expect(procs).toContain('1');
    expect(procs.length).toBeLessThanOrEqual(3);
    const mi = parseMountinfo(section(out, 'mi'));
    const pidsMount = mustHave(mountAt(mi, '/sys/fs/cgroup/pids'), '/sys/fs/cgroup/pids');
    expect(pidsMount.root).toBe(pidsPath);
    expect(pidsMount.options).toEqual(expect.arrayContaining(['ro', 'nosuid', 'nodev', 'noexec']));
  });

  test('run --no-pivot: the rootfs is / and the host is not reachable', () => {
    b = makeBundle(sh('ls /; echo ==mi==; cat /proc/self/mountinfo; echo ==work==; [ -e /work ] && echo host-visible || echo no-host'));
    const out = outOf(b, ['--no-pivot']);
    const ls = out.split('==mi==')[0].trim().split('\n').sort();
    expect(ls).toEqual(fs.readdirSync(b.rootfs).sort());
    expect(section(out, 'work').trim()).toBe('no-host');
    const mi = parseMountinfo(section(out, 'mi'));
    expect(mountAt(mi, '/proc')?.fsType).toBe('proc');
  });

  test('a mount destination that is a symlink pointing outside the rootfs does not touch the host', () => {
    // a shared host mount holds the targets: were the mount made there, it would propagate back
    const host = hostDir('escape');
    hostMount(['-t', 'tmpfs', 'tmpfs', host]);
    extra.push(() => {
      spawnSync('umount', ['-R', '-l', host]);
      fs.rmSync(host, { recursive: true, force: true });
    });
    hostMount(['--make-shared', host]);
    fs.mkdirSync(path.join(host, 'target'));
    fs.mkdirSync(path.join(host, 'reltarget'));
    const src = hostDir('escape-src');
    extra.push(() => fs.rmSync(src, { recursive: true, force: true }));
    fs.writeFileSync(path.join(src, 'f'), 'bound\n');
    const cases = [
      { link: 'evil', to: path.join(host, 'target'), mount: { destination: '/evil', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] } },
      { link: 'evil2', to: '../../../../../../../..' + path.join(host, 'reltarget'), mount: { destination: '/evil2/sub/dir', type: 'bind', source: src, options: ['rbind'] } },
      { link: 'evilfile', to: path.join(host, 'target', 'file'), mount: { destination: '/evilfile', type: 'bind', source: path.join(src, 'f'), options: ['bind'] } },
      // no symlink: ".." in the destination itself
      { link: '', to: '', mount: { destination: '/../../../../../..' + path.join(host, 'target', 'dotdot'), type: 'tmpfs', source: 'tmpfs', options: [] } },
    ];
    // and again with the targets present inside the rootfs: the container runs, the mounts land there
    const inside = cases.slice(0, 2).map((k) => ({ ...k, inside: true }));
    for (const k of [...cases.map((k) => ({ ...k, inside: false })), ...inside]) {
      // one container per mount, so that a refusal of the first does not hide the others
      b = makeBundle(sh('echo ran; cat /proc/self/mountinfo'), (c) => {
        c.linux.rootfsPropagation = 'rshared';
        c.mounts.push(k.mount);
      });
      if (k.link) fs.symlinkSync(k.to, path.join(b.rootfs, k.link));
      if (k.inside) {
        fs.mkdirSync(path.join(b.rootfs, host, 'target'), { recursive: true });
        fs.mkdirSync(path.join(b.rootfs, host, 'reltarget'), { recursive: true });
      }
      const r = runIn(b);
      // refusing the mount is fine, and so is making it inside the rootfs: only the host matters
      if (!r.stdout.startsWith('ran\n')) expect([k.inside, r.stderr]).toEqual([false, expect.stringMatching(/\/mounts\/\d+/)]);
      if (k.inside) {
        const mi = parseMountinfo(r.stdout);
        const where = k.link === 'evil' ? path.join(host, 'target') : path.join(host, 'reltarget', 'sub', 'dir');
        const m = mustHave(mountAt(mi, where), where);
        if (k.link === 'evil') expect(m.fsType).toBe('tmpfs');
        else expect(m.root).toBe(src);
      }
      expect([k.link, fs.readdirSync(path.join(host, 'target'))]).toEqual([k.link, []]);
      expect([k.link, fs.readdirSync(path.join(host, 'reltarget'))]).toEqual([k.link, []]);
      cleanup(b);
    }
    b = makeBundle();
    const hostMi = parseMountinfo(fs.readFileSync('/proc/self/mountinfo', 'utf8'));
    expect(hostMi.filter((m) => m.mountPoint.startsWith(host + '/'))).toEqual([]);
  });
});

describeRoot('mount destinations through dangling symlinks', () => {
  test('a destination behind a dangling symlink is made at the target, inside the rootfs (as runc)', () => {
    const b = makeBundle(['sh', '-c', 'grep " /real/deep " /proc/self/mountinfo | cut -d" " -f5,9']);
    try {
      fs.symlinkSync('/real/deep', `${b.rootfs}/dangle`);
      b.config.mounts.push({ destination: '/dangle', type: 'tmpfs', source: 'tmpfs', options: ['size=1k'] });
      b.write();
      const r = oci(b, ['run', uniqueId('dangle')]);
      expect(r.status).toBe(0);
      expect(r.stdout.trim()).toBe('/real/deep tmpfs');
      expect(fs.existsSync('/real/deep')).toBe(false); // the host's / is untouched
      expect(fs.statSync(`${b.rootfs}/real/deep`).isDirectory()).toBe(true);
    } finally {
      cleanup(b);
    }
  });
});
