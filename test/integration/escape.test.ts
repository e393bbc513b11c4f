/**
 * The escape through process.cwd (the class of runc's CVE-2024-21626): an image's WORKDIR becomes
 * process.cwd, so the image chooses it. A cwd of /proc/self/fd/N names whatever directory the init
 * holds as descriptor N when it changes directory; a host directory there puts the container's
 * process outside its root, where `..` climbs to the host. Every case below runs a container that
 * tries to read a host-only marker and to create a file in a host-only directory by climbing from
 * its working directory; neither may happen, and the container either runs with a working
 * directory inside its root or `run` fails naming /process/cwd with nothing left behind.
 */
import * as fs from 'fs';
import * as path from 'path';
import { describeRoot, makeBundle, oci, ociOk, cleanup, uniqueId, Bundle, run, OCI_TS } from './helpers';
import { ownLeftovers, mountPoints, newMounts, removeCgroupDirs, script } from './cleanup-helpers';

/**
 * The attacker's program: print the working directory, then from it climb 0..24 levels and try
 * every tail of the host marker's absolute path (the climb stops at the top of whichever mount the
 * directory lies on, so the tail that matches depends on it): read the marker, create a file in the
 * host-only directory, list it.
 */
function attacker(marker: string, hostDir: string): string[] {
  const tails = (p: string) => {
    const parts = p.split('/').filter(Boolean);
    return parts.map((_, i) => parts.slice(i).join('/'));
  };
  return [
    'sh',
    '-c',
    [
      'echo "PWD=$(pwd 2>&1)"',
      'up=""',
      'for k in 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24; do',
      // shell builtins only (read, true >; not the special builtin `:`, whose failed redirection ends the shell): no fork per attempt
      `  for t in ${tails(marker).join(' ')}; do { read -r l < "./$up$t"; } 2>/dev/null && echo "$l <- read ./$up$t"; done`,
      `  for t in ${tails(hostDir).join(' ')}; do { true > "./$up$t/created-$k"; } 2>/dev/null && echo "WROTE ./$up$t/created-$k"; done`,
      '  up="../$up"',
      'done',
      'echo END',
    ].join('\n'),
  ];
}

interface Outcome {
  status: number | null;
  stdout: string;
  stderr: string;
}

describeRoot('escape through process.cwd', () => {
  let b: Bundle;
  let id: string;
  let secret: string;
  let marker: string;
  let hostDir: string;

  beforeEach(() => {
    id = uniqueId('esc');
  });
  afterEach(() => {
    cleanup(b);
    removeCgroupDirs(id);
  });

  function bundle(cwd: string, edit?: (c: any) => void): Bundle {
    b = makeBundle(['true']);
    // host-only: next to the state directory (inside the bundle dir, outside the rootfs)
    secret = `host-secret-${id}`;
    marker = path.join(b.dir, 'host-marker');
    hostDir = path.join(b.dir, 'host-only');
    fs.writeFileSync(marker, secret + '\n');
    fs.mkdirSync(hostDir);
    b.config.process.args = attacker(marker, hostDir);
    b.config.process.cwd = cwd;
    edit?.(b.config);
    b.write();
    return b;
  }

  /** Did the attacker read or write anything of the host? (for the summary; expectContained asserts) */
  function escaped(r: Outcome): boolean {
    const hit = fs.readdirSync(hostDir).length > 0 || r.stdout.includes(secret);
    if (hit) for (const f of fs.readdirSync(hostDir)) fs.rmSync(path.join(hostDir, f));
    return hit;
  }

  /** What every case must show: nothing of the host read or written, a cwd inside the root or a clean refusal. */
  function expectContained(r: Outcome, before: string[]): void {
    const reached = `status ${r.status}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
    expect({ wrote: fs.readdirSync(hostDir), read: r.stdout.includes(secret) }).toEqual({ wrote: [], read: false });
    if (r.status === 0) {
      // it ran: its working directory is a path inside its root, and the program ran to its end
      const pwd = /^PWD=(.*)$/m.exec(r.stdout)?.[1] ?? reached;
      expect(pwd).toMatch(/^\//);
      expect(r.stdout).toMatch(/^END$/m);
    } else {
      // refused: one line naming the field, nothing left behind
      expect(r.stderr.trim().split('\n').filter((l) => !/level=warning/.test(l))).toEqual([expect.stringMatching(/\/process\/cwd\b/)]);
      expect(r.status).toBe(1);
      expect(ownLeftovers(b, id)).toEqual([]);
      expect(newMounts(before, b)).toEqual([]);
    }
  }

  function tryRun(extra: string[] = [], fds: number[] = []): Outcome {
    const before = mountPoints();
    const r = run([OCI_TS, '--root', b.root, 'run', ...extra, id], { cwd: b.dir, fds });
    const out = { status: r.status, stdout: r.stdout, stderr: r.stderr };
    expectContained(out, before);
    return out;
  }

  const fdCases = Array.from({ length: 18 }, (_, i) => 3 + i);
  test.each(fdCases)('process.cwd /proc/self/fd/%i does not reach the host', (n) => {
    bundle(`/proc/self/fd/${n}`);
    tryRun();
  });

  test.each(['/proc/self/cwd', '/proc/1/cwd', '/proc/self/root/..', '/proc/thread-self/fd/4', '/proc/self/fd/4/..', '/proc/1/root/../..'])(
    'process.cwd %s does not reach the host',
    (cwd) => {
      bundle(cwd);
      tryRun();
    },
  );

  test.each(['/../../..', '/tmp/../../../..', '/./../bin/../../..'])('a climbing process.cwd %s stays at the container root', (cwd) => {
    bundle(cwd);
    const r = tryRun();
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^PWD=\/(bin|tmp)?$/m);
  });

  test('an image symlink to /proc/self/fd/N as the WORKDIR does not reach the host', () => {
    bundle('/workdir');
    const reached: string[] = [];
    for (let n = 3; n <= 7; n++) {
      fs.rmSync(path.join(b.rootfs, 'workdir'), { force: true });
      fs.symlinkSync(`/proc/self/fd/${n}`, path.join(b.rootfs, 'workdir'));
      const before = mountPoints();
      const r = run([OCI_TS, '--root', b.root, 'run', id], { cwd: b.dir });
      if (escaped(r)) reached.push(`/workdir -> /proc/self/fd/${n}`);
      else expectContained(r, before);
    }
    expect(reached).toEqual([]);
  });

  test('more descriptors in the init (a joined namespace, a preserved host directory) do not reach the host', () => {
    // fd 3 of the container is a host directory the engine chose to pass (--preserve-fds): the
    // container may use it after exec, but the cwd must not be resolved through it.
    const reached: string[] = [];
    for (let n = 3; n <= 7; n++) {
      if (n > 3) {
        cleanup(b);
        id = uniqueId('esc');
      }
      bundle(`/proc/self/fd/${n}`, (c) => {
        c.linux.namespaces = c.linux.namespaces.filter((x: any) => x.type !== 'uts');
        c.linux.namespaces.push({ type: 'uts', path: '/proc/self/ns/uts' });
      });
      const dir = fs.openSync(b.dir, 'r');
      try {
        const before = mountPoints();
        const r = run([OCI_TS, '--root', b.root, 'run', '--preserve-fds', '1', id], { cwd: b.dir, fds: [dir] });
        if (escaped(r)) reached.push(`/proc/self/fd/${n}`);
        else expectContained(r, before);
      } finally {
        fs.closeSync(dir);
      }
    }
    expect(reached).toEqual([]);
  });

  test('past CHDIR the init holds only the state directory (for exec.fifo) and the container root', () => {
    // a namespace joined by path and a preserved fd: the init received the namespace fd, and the
    // runtime had more open; none may survive CLOSE_FDS
    bundle('/', (c) => {
      c.process.args = ['true'];
      c.linux.namespaces = c.linux.namespaces.filter((x: any) => x.type !== 'uts');
      c.linux.namespaces.push({ type: 'uts', path: '/proc/self/ns/uts' });
    });
    const dir = fs.openSync(b.dir, 'r');
    try {
      const r = run([OCI_TS, '--root', b.root, 'create', '--preserve-fds', '1', id], { cwd: b.dir, fds: [dir] });
      expect(r.status).toBe(0);
    } finally {
      fs.closeSync(dir);
    }
    const pid = JSON.parse(ociOk(b, ['state', id])).pid;
    const held = fs.readdirSync(`/proc/${pid}/fd`).map(Number).filter((fd) => fd > 3).map((fd) => fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
    // the container's root reads as "/" from the host (its mount is in the container's namespace)
    expect(held.filter((t) => t !== '/' && t !== b.rootfs)).toEqual([path.join(b.root, id)]);
    expect(held).toHaveLength(2);
    // the preserved fd 3 is still there for the process, as asked
    expect(fs.readlinkSync(`/proc/${pid}/fd/3`)).toBe(b.dir);
  });

  test('hooks that run in the container start inside it and hold no host descriptor', () => {
    bundle('/', (c) => {
      c.process.args = ['true'];
    });
    const out = path.join(b.dir, 'hook-cwd');
    // createContainer runs in the container's mount namespace before pivot_root (the rootfs is at
    // its host path there); startContainer runs after pivot_root, in the container.
    const create = script(path.join(b.dir, 'create-hook.sh'), `#!/bin/sh\ncat >/dev/null\npwd > ${out}\nls /proc/self/fd > ${out}.fds\n`);
    b.config.hooks = {
      createContainer: [{ path: create }],
      startContainer: [{ path: '/bin/sh', args: ['sh', '-c', 'cat >/dev/null; pwd > /start-cwd; ls /proc/self/fd > /start-fds'] }],
    };
    b.config.process.cwd = '/tmp';
    b.write();
    ociOk(b, ['run', id]);
    expect(fs.readFileSync(out, 'utf8').trim()).toBe(b.rootfs);
    // 0 1 2 and the one ls opened to read the directory
    expect(fs.readFileSync(`${out}.fds`, 'utf8').trim().split(/\s+/).map(Number).sort((x, y) => x - y)).toEqual([0, 1, 2, 3]);
    expect(fs.readFileSync(path.join(b.rootfs, 'start-cwd'), 'utf8').trim()).toBe('/tmp');
    expect(fs.readFileSync(path.join(b.rootfs, 'start-fds'), 'utf8').trim().split(/\s+/).map(Number).sort((x, y) => x - y)).toEqual([0, 1, 2, 3]);
  });

  test('a startContainer hook never runs when the cwd is refused', () => {
    bundle('/proc/self/fd/4', (c) => {
      c.hooks = { startContainer: [{ path: '/bin/sh', args: ['sh', '-c', 'cat >/dev/null; touch /hook-ran'] }] };
    });
    const r = tryRun();
    expect(fs.existsSync(path.join(b.rootfs, 'hook-ran'))).toBe(r.status === 0);
  });
  test('exec --cwd /proc/self/fd/N (and a process.json cwd) does not reach the host', () => {
    bundle('/', (c) => {
      c.process.args = ['sleep', '1000'];
    });
    ociOk(b, ['run', '--detach', id]);
    const reached: string[] = [];
    const probe = attacker(marker, hostDir);
    const cwds = [...Array.from({ length: 6 }, (_, i) => `/proc/self/fd/${3 + i}`), '/proc/self/cwd', '/proc/1/cwd', '/proc/self/root/..'];
    for (const cwd of cwds) {
      const r = run([OCI_TS, '--root', b.root, 'exec', '--cwd', cwd, id, ...probe], { cwd: b.dir });
      if (escaped(r)) reached.push(`--cwd ${cwd}`);
      else if (r.status === 0) expect(/^PWD=(.*)$/m.exec(r.stdout)?.[1]).toMatch(/^\//);
      else expect(r.stderr).toMatch(/--cwd\b/);
    }
    // a host directory the engine passes on (--preserve-fds) is the container's after exec, but the
    // cwd must not be resolved through it
    const dir = fs.openSync(b.dir, 'r');
    try {
      for (const cwd of ['/proc/self/fd/3', '/proc/self/fd/4']) {
        const r = run([OCI_TS, '--root', b.root, 'exec', '--preserve-fds', '1', '--cwd', cwd, id, ...probe], { cwd: b.dir, fds: [dir] });
        if (escaped(r)) reached.push(`--preserve-fds 1 --cwd ${cwd}`);
      }
    } finally {
      fs.closeSync(dir);
    }
    const json = path.join(b.dir, 'process.json');
    fs.writeFileSync(json, JSON.stringify({ args: probe, cwd: '/proc/self/fd/4', user: { uid: 0, gid: 0 }, env: ['PATH=/bin'] }));
    const r = run([OCI_TS, '--root', b.root, 'exec', '--process', json, id], { cwd: b.dir });
    if (escaped(r)) reached.push('process.json /cwd');
    expect(reached).toEqual([]);
  });

  test('exec --user 4294967295 and a process.json uid past 2147483647 are refused', () => {
    bundle('/', (c) => {
      c.process.args = ['sleep', '1000'];
    });
    ociOk(b, ['run', '--detach', id]);
    const r = run([OCI_TS, '--root', b.root, 'exec', '--user', '4294967295', id, 'sh', '-c', 'id -u > /exec-ran-as'], { cwd: b.dir });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/--user 4294967295\b/);
    const json = path.join(b.dir, 'process.json');
    fs.writeFileSync(json, JSON.stringify({ args: ['sh', '-c', 'id -u > /exec-ran-as'], cwd: '/', env: ['PATH=/bin'], user: { uid: 4294967295, gid: 4294967295 } }));
    const j = run([OCI_TS, '--root', b.root, 'exec', '--process', json, id], { cwd: b.dir });
    expect(j.status).not.toBe(0);
    expect(j.stderr).toMatch(/process\.json \/user\/uid: 4294967295 is out of range: uids and gids must be in range 0-2147483647/);
    expect(fs.existsSync(path.join(b.rootfs, 'exec-ran-as'))).toBe(false);
  });
});


/** How process.cwd is entered, as runc does it (issue 15 parity): tried as root and again as the user; made when missing. */
describeRoot('process.cwd is entered as runc enters it', () => {
  let b: Bundle;
  let id: string;
  beforeEach(() => {
    id = uniqueId('cwd');
  });
  afterEach(() => {
    cleanup(b);
    removeCgroupDirs(id);
  });

  function runOk(): string {
    const r = oci(b, ['run', id]);
    if (r.status !== 0) throw new Error(`run exited ${r.status}: ${r.stderr}`);
    return r.stdout;
  }

  test('a directory only root can enter works for a non-root user (the chdir happens before setuid)', () => {
    b = makeBundle(['sh', '-c', 'pwd; id -u; ls . >/dev/null 2>&1 || echo cannot-list'], (c) => {
      c.process.user = { uid: 1000, gid: 1000 };
      c.process.cwd = '/rootonly';
    });
    fs.mkdirSync(path.join(b.rootfs, 'rootonly'), { mode: 0o700 });
    fs.chmodSync(path.join(b.rootfs, 'rootonly'), 0o700);
    expect(runOk()).toBe('/rootonly\n1000\ncannot-list\n');
  });

  test('a directory only the user can enter works (tried again after setuid on EACCES)', () => {
    // In a user namespace the mapped root has no CAP_DAC_OVERRIDE over an inode whose group is not
    // mapped: only the owner (container uid 1000) may enter.
    b = makeBundle(['sh', '-c', 'pwd; id -u; ls'], (c) => {
      c.linux.namespaces.push({ type: 'user' });
      c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      c.process.user = { uid: 1000, gid: 1000 };
      c.process.cwd = '/useronly';
    });
    fs.chmodSync(b.dir, 0o755);
    const dir = path.join(b.rootfs, 'useronly');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'mine'), '');
    fs.chownSync(dir, 101000, 4242);
    fs.chmodSync(dir, 0o700);
    expect(runOk()).toBe('/useronly\n1000\nmine\n');
  });

  test('a missing process.cwd is made inside the rootfs (0755, root), through image symlinks that stay inside', () => {
    b = makeBundle(['sh', '-c', 'pwd'], (c) => {
      c.process.cwd = '/made/by/runtime';
    });
    expect(runOk()).toBe('/made/by/runtime\n');
    const st = fs.statSync(path.join(b.rootfs, 'made/by/runtime'));
    expect([st.isDirectory(), st.mode & 0o7777, st.uid]).toEqual([true, 0o755, 0]);
    // a dangling symlink in the image that climbs out: its target is made inside the rootfs
    fs.symlinkSync('../../../../escape-target/wd', path.join(b.rootfs, 'wd'));
    b.config.process.cwd = '/wd';
    b.write();
    id = uniqueId('cwd');
    expect(runOk()).toBe('/escape-target/wd\n');
    expect(fs.existsSync(path.join(b.rootfs, 'escape-target/wd'))).toBe(true);
    expect(fs.existsSync(path.join(b.dir, '..', 'escape-target'))).toBe(false);
    expect(fs.existsSync('/escape-target')).toBe(false);
  });

  test('a process.cwd that is a file names /process/cwd, nothing left', () => {
    b = makeBundle(['true'], (c) => {
      c.process.cwd = '/etc/passwd';
    });
    const before = mountPoints();
    const r = oci(b, ['create', id]);
    expect(r.stderr).toMatch(/\/process\/cwd\b.*not a directory/);
    expect(r.status).toBe(1);
    expect(ownLeftovers(b, id)).toEqual([]);
    expect(newMounts(before, b)).toEqual([]);
  });

  test('the refusal of a /proc magic link says why, in one line', () => {
    b = makeBundle(['true'], (c) => {
      c.process.cwd = '/proc/self/fd/4';
    });
    const r = oci(b, ['create', id]);
    expect(r.stderr.trim().split('\n').filter((l) => !/level=warning/.test(l))).toEqual([
      expect.stringMatching(/^\/process\/cwd: chdir \/proc\/self\/fd\/4: resolve inside the container's root \(a \/proc magic link or a symlink loop\): too many levels of symbolic links$/),
    ]);
    expect(r.status).toBe(1);
    expect(ownLeftovers(b, id)).toEqual([]);
  });
});

/** (uid_t)-1 means "leave unchanged" to setresuid: an id out of range would run the process as root. */
describeRoot('out-of-range user ids are refused', () => {
  let b: Bundle;
  let id: string;
  beforeEach(() => {
    id = uniqueId('ids');
  });
  afterEach(() => {
    cleanup(b);
    removeCgroupDirs(id);
  });

  test.each([
    ['/process/user/uid', 4294967295, (c: any) => (c.process.user = { uid: 4294967295, gid: 1000 })],
    ['/process/user/gid', 2147483648, (c: any) => (c.process.user = { uid: 1000, gid: 2147483648 })],
    ['/process/user/additionalGids/1', 4294967295, (c: any) => (c.process.user = { uid: 1000, gid: 1000, additionalGids: [10, 4294967295] })],
    ['/linux/uidMappings/0/hostID', 4294967295, (c: any) => {
      c.linux.namespaces.push({ type: 'user' });
      c.linux.uidMappings = [{ containerID: 0, hostID: 4294967295, size: 1 }];
      c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    }],
  ] as [string, number, (c: any) => void][])('%s', (pointer, value, edit) => {
    b = makeBundle(['sh', '-c', 'id -u > /ran-as'], edit);
    const before = mountPoints();
    const r = oci(b, ['run', id]);
    expect(r.stderr.trim()).toBe(`config.json ${pointer}: ${value} is out of range: uids and gids must be in range 0-2147483647`);
    expect(r.status).toBe(1);
    expect(fs.existsSync(path.join(b.rootfs, 'ran-as'))).toBe(false);
    expect(ownLeftovers(b, id)).toEqual([]);
    expect(newMounts(before, b)).toEqual([]);
  });

  test('the largest id allowed, 2147483647, is the process user', () => {
    b = makeBundle(['sh', '-c', 'id -u; id -g; id -G'], (c) => {
      c.process.user = { uid: 2147483647, gid: 2147483647, additionalGids: [2147483647] };
    });
    const r = oci(b, ['run', id]);
    expect(r.stdout).toBe('2147483647\n2147483647\n2147483647\n');
    expect(r.status).toBe(0);
  });
});

/** config.json (and exec's process.json) is read only if it is a regular file of bounded size, and errors quote nothing of it. */
describeRoot('config.json that is not a config file', () => {
  let b: Bundle;
  let id: string;
  beforeEach(() => {
    id = uniqueId('cfg');
    b = makeBundle(['sh', '-c', 'touch /ran']);
  });
  afterEach(() => {
    cleanup(b);
    removeCgroupDirs(id);
  });

  const config = () => path.join(b.dir, 'config.json');

  /** create fails at once (no hang), one line, exit 1, nothing of the container left, nothing ran. */
  function expectRefused(message: RegExp, args = ['create', id]): string {
    const before = mountPoints();
    const t = Date.now();
    const r = oci(b, args, { timeout: 10000 });
    expect(Date.now() - t).toBeLessThan(5000);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(message)]);
    expect(r.status).toBe(1);
    expect(fs.existsSync(path.join(b.root, id))).toBe(false);
    expect(fs.existsSync(path.join(b.rootfs, 'ran'))).toBe(false);
    expect(ownLeftovers(b, id)).toEqual([]);
    expect(newMounts(before, b)).toEqual([]);
    return r.stderr;
  }

  test('a FIFO', () => {
    fs.rmSync(config());
    run(['mkfifo', config()]);
    expectRefused(new RegExp(`^open ${config()}: not a regular file \\(a FIFO\\)$`));
  });

  test.each(['/dev/zero', '/dev/urandom'])('a symlink to %s', (dev) => {
    fs.rmSync(config());
    fs.symlinkSync(dev, config());
    expectRefused(new RegExp(`^open ${config()}: not a regular file \\(a character device\\)$`));
  });

  test('a file past the limit (sparse: nothing is read)', () => {
    fs.truncateSync(config(), (128 << 20) + 1);
    expectRefused(new RegExp(`^open ${config()}: larger than the limit of 134217728 bytes \\(128 MiB\\)$`));
  });

  test('a symlink to a secret: the parse error quotes none of it', () => {
    const secret = path.join(b.dir, 'shadow');
    fs.writeFileSync(secret, 'root:$6$s3cr3tHash:19000:0:99999:7:::\n');
    fs.rmSync(config());
    fs.symlinkSync(secret, config());
    const err = expectRefused(new RegExp(`^parse ${config()}: invalid JSON at line 1, column 1: unexpected character where a value should start$`));
    expect(err).not.toMatch(/s3cr3t|root:/);
    if (fs.existsSync('/etc/shadow')) {
      fs.rmSync(config());
      fs.symlinkSync('/etc/shadow', config());
      const shadow = fs.readFileSync('/etc/shadow', 'utf8');
      const e2 = expectRefused(/^parse .*config\.json: invalid JSON at line 1, column \d+: [^:]*$/);
      expect(e2).not.toContain(shadow.slice(0, 5));
    }
  });

  test('exec --process and update --resources: a FIFO and /dev/zero are refused at once, the same loader (exec: a FIFO without a writer is empty)', () => {
    b.config.process.args = ['sleep', '1000'];
    b.write();
    ociOk(b, ['run', '--detach', id]);
    const fifo = path.join(b.dir, 'process.json');
    run(['mkfifo', fifo]);
    const zero = path.join(b.dir, 'zero.json');
    fs.symlinkSync('/dev/zero', zero);
    for (const [file, kind] of [[fifo, 'a FIFO'], [zero, 'a character device']]) {
      const t = Date.now();
      const r = oci(b, ['exec', '--process', file, id], { timeout: 10000 });
      expect(Date.now() - t).toBeLessThan(5000);
      expect(r.status).not.toBe(0);
      // exec reads a pipe as runc does (`exec -p <(...)`): one nobody writes to is empty, at once
      expect(r.stderr.trim()).toMatch(kind === 'a FIFO' ? new RegExp(`--process ${file}: the pipe is empty \\(nothing written to it, or no writer\\)$`) : new RegExp(`--process ${file}: not a regular file \\(${kind}\\)$`));
      const u = oci(b, ['update', '--resources', file, id], { timeout: 10000 });
      expect(u.status).toBe(1);
      expect(u.stderr.trim()).toBe(`open ${file}: not a regular file (${kind})`);
    }
  });
});
