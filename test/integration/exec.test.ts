/**
 * exec: every flag and every failure against real containers, seen from inside the exec'd process
 * and from the host (its namespaces, cgroup, /proc/PID/exe, what is left after a failure).
 */
import * as fs from 'fs';
import * as path from 'path';
import { spawn } from 'child_process';
import { describeRoot, makeBundle, oci, ociOk, cleanup, uniqueId, Bundle, run, OCI_TS } from './helpers';
import { waitFor, sleepMs, FD_RECEIVER } from './probe';
import { ociSpawn } from './cleanup-helpers';

/** A running container whose init sleeps; the bundle gets an /etc/passwd and /etc/group with a user. */
function startContainer(edit?: (c: any) => void): { b: Bundle; id: string; pid: number } {
  const b = makeBundle(['sleep', '1000'], (cfg) => {
    cfg.process.noNewPrivileges = false;
    edit?.(cfg);
  });
  // a mapped root (user namespace) must reach the rootfs
  fs.chmodSync(b.dir, 0o755);
  fs.writeFileSync(path.join(b.rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nalice:x:1500:1600:Alice:/home/alice:/bin/sh\n');
  fs.writeFileSync(path.join(b.rootfs, 'etc/group'), 'root:x:0:\nstaff:x:1700:alice\n');
  const id = uniqueId('exec');
  ociOk(b, ['run', '--detach', id]);
  const pid = JSON.parse(ociOk(b, ['state', id])).pid as number;
  return { b, id, pid };
}

function exec(b: Bundle, args: string[], opts: { input?: string; fds?: number[] } = {}) {
  return opts.fds ? run([OCI_TS, '--root', b.root, 'exec', ...args], { cwd: b.dir, fds: opts.fds }) : oci(b, ['exec', ...args], opts);
}

/** Live processes in the container's cgroup (the pids hierarchy on v1, the unified one on v2). */
function cgroupProcs(id: string): number[] {
  const candidates = [`/sys/fs/cgroup/pids/oci-ts/${id}`, `/sys/fs/cgroup/oci-ts/${id}`];
  for (const d of candidates) {
    try {
      return fs.readFileSync(path.join(d, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number)
        .filter((p) => {
          try {
            return !/\) Z /.test(fs.readFileSync(`/proc/${p}/stat`, 'utf8'));
          } catch {
            return false;
          }
        });
    } catch {
      /* not this layout */
    }
  }
  return [];
}

function cgroupDir(hierarchy: string, id: string): string {
  const v1 = `/sys/fs/cgroup/${hierarchy}/oci-ts/${id}`;
  return fs.existsSync(v1) ? v1 : `/sys/fs/cgroup/oci-ts/${id}`;
}


async function receiver(sockPath: string, mode: 'pty' | 'pidfd'): Promise<{ done: Promise<string> }> {
  const py = spawn('python3', ['-c', FD_RECEIVER, sockPath, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  py.stdout.on('data', (d) => (out += d));
  for (let i = 0; i < 200 && !fs.existsSync(sockPath); i++) await new Promise((r) => setTimeout(r, 20));
  return { done: new Promise((r) => py.on('exit', () => r(out))) };
}

/**
 * Runs argv on a new pty of 33x99 (python3), prints what it writes; once it has printed "first",
 * resizes the pty to 40x120 (the kernel sends SIGWINCH to the foreground process, oci-ts). Ends
 * with "status N".
 */
const PTY_HARNESS = `
import os, sys, fcntl, termios, struct, select
m, s = os.openpty()
fcntl.ioctl(m, termios.TIOCSWINSZ, struct.pack("HHHH", 33, 99, 0, 0))
pid = os.fork()
if pid == 0:
    os.setsid(); fcntl.ioctl(s, termios.TIOCSCTTY, 0)
    for fd in (0, 1, 2): os.dup2(s, fd)
    os.execv(sys.argv[1], sys.argv[1:])
os.close(s)
out = b""; resized = False
while True:
    r, _, _ = select.select([m], [], [], 10)
    if not r: break
    try: d = os.read(m, 4096)
    except OSError: break
    if not d: break
    out += d
    if not resized and b"first" in out:
        fcntl.ioctl(m, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0)); resized = True
_, st = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace") + "\\nstatus %d\\n" % os.waitstatus_to_exitcode(st))
`;

describeRoot('exec', () => {
  let c: { b: Bundle; id: string; pid: number };
  beforeAll(() => {
    c = startContainer();
  });
  afterAll(() => cleanup(c.b));

  test('runs in the container: output, exit status, signal status, namespaces, root, cgroup', () => {
    const r = exec(c.b, [c.id, 'sh', '-c', 'echo hi; echo $$; exit 7']);
    expect(r.status).toBe(7);
    expect(r.stdout.split('\n')[0]).toBe('hi');
    // a child in the container's pid namespace (pid 1 is the container's init)
    expect(Number(r.stdout.split('\n')[1])).toBeGreaterThan(1);
    expect(Number(r.stdout.split('\n')[1])).toBeLessThan(100);
    expect(exec(c.b, [c.id, 'sh', '-c', 'kill -9 $$']).status).toBe(137);
    const ns = ['pid', 'net', 'ipc', 'uts', 'mnt'];
    const inside = exec(c.b, [c.id, 'sh', '-c', ns.map((n) => `readlink /proc/self/ns/${n}`).join(';')]).stdout.trim().split('\n');
    expect(inside).toEqual(ns.map((n) => fs.readlinkSync(`/proc/${c.pid}/ns/${n}`)));
    // the rootfs is the container's: a file only in this bundle's rootfs is there
    fs.writeFileSync(path.join(c.b.rootfs, 'marker'), 'in-rootfs\n');
    expect(exec(c.b, [c.id, 'cat', '/marker']).stdout).toBe('in-rootfs\n');
    const cg = exec(c.b, [c.id, 'cat', '/proc/self/cgroup']).stdout;
    expect(cg).toMatch(new RegExp(`/oci-ts/${c.id}$`, 'm'));
    expect(cg.split('\n').filter(Boolean).every((l) => l.endsWith(`/oci-ts/${c.id}`) || l.startsWith('0::'))).toBe(true);
  });

  test('--detach and --pid-file: the pid (no newline) names the process in the container, its exe is the image\'s', () => {
    const pidFile = path.join(c.b.dir, 'exec.pid');
    const r = exec(c.b, ['--detach', '--pid-file', pidFile, c.id, 'sleep', '300']);
    expect(r.status).toBe(0);
    const text = fs.readFileSync(pidFile, 'utf8');
    expect(text).toMatch(/^\d+$/);
    const pid = Number(text);
    expect(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8')).toBe('sleep\x00300\x00');
    expect(cgroupProcs(c.id)).toContain(pid);
    // /proc/PID/exe is the container's busybox (same inode), never a host binary of the runtime
    const exe = fs.statSync(`/proc/${pid}/exe`);
    const busybox = fs.statSync(path.join(c.b.rootfs, 'bin/busybox'));
    expect([exe.dev, exe.ino]).toEqual([busybox.dev, busybox.ino]);
    expect(fs.readlinkSync(`/proc/${pid}/root`)).toBe('/');
    expect(fs.readdirSync(`/proc/${pid}/fd`).sort()).toEqual(['0', '1', '2']);
    process.kill(pid, 'SIGKILL');
  });

  test('--env adds and overrides, PATH stays; --cwd; the container\'s env is the base', () => {
    const r = exec(c.b, ['--env', 'FOO=bar', '--env', 'TERM=dumb', '--cwd', '/etc', c.id, 'sh', '-c', 'echo $FOO $TERM; echo $PATH; pwd']);
    expect(r.status).toBe(0);
    const [a, p, cwd] = r.stdout.trim().split('\n');
    expect(a).toBe('bar dumb');
    expect(p).toBe(c.b.config.process.env.find((e: string) => e.startsWith('PATH=')).slice(5));
    expect(cwd).toBe('/etc');
    expect(exec(c.b, ['--env', 'NOEQUALS', c.id, 'true']).stderr).toMatch(/--env NOEQUALS: must be NAME=VALUE/);
  });

  test('--user, --additional-gids, names from the container\'s /etc/passwd; stdio is never chowned', () => {
    const r = run(['sh', '-c', `${OCI_TS} --root ${c.b.root} exec --user 1000:1000 --additional-gids 10 --additional-gids 20 ${c.id} sh -c 'id -u; id -g; grep Groups /proc/self/status; stat -c %u /proc/self/fd/0' </dev/null`]);
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n').map((l) => l.replace(/\s+/g, ' ').trim())).toEqual(['1000', '1000', 'Groups: 10 20', '1000']);
    expect(fs.statSync('/dev/null').uid).toBe(0);
    const named = exec(c.b, ['--user', 'alice:staff', c.id, 'sh', '-c', 'id -u; id -g; echo $HOME']);
    expect(named.stdout.trim().split('\n')).toEqual(['1500', '1700', '/home/alice']);
    expect(exec(c.b, ['--user', 'alice', c.id, 'id', '-g']).stdout.trim()).toBe('1600');
  });

  test('--cap adds to bounding, effective and permitted; --no-new-privs', () => {
    const r = exec(c.b, ['--cap', 'CAP_SYS_ADMIN', '--no-new-privs', c.id, 'grep', '-E', '^(CapEff|CapBnd|NoNewPrivs)', '/proc/self/status']);
    expect(r.status).toBe(0);
    const f = Object.fromEntries(r.stdout.trim().split('\n').map((l) => l.split(/:\s+/)));
    expect(BigInt('0x' + f.CapEff) & (1n << 21n)).toBe(1n << 21n);
    expect(BigInt('0x' + f.CapBnd) & (1n << 21n)).toBe(1n << 21n);
    expect(f.NoNewPrivs).toBe('1');
    const plain = exec(c.b, [c.id, 'grep', '-E', '^(CapEff|NoNewPrivs)', '/proc/self/status']).stdout;
    expect(plain).toMatch(/NoNewPrivs:\s+0/);
    expect(BigInt('0x' + /CapEff:\s+(\w+)/.exec(plain)![1]) & (1n << 21n)).toBe(0n);
    expect(exec(c.b, ['--cap', 'CAP_NOPE', c.id, 'true']).stderr).toMatch(/--cap CAP_NOPE: not a known capability/);
  });

  test('--apparmor and --process-label on a host without them: warned, the process runs', () => {
    const r = exec(c.b, ['--apparmor', 'unconfined', '--process-label', 'system_u:system_r:container_t:s0', c.id, 'echo', 'ran']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('ran\n');
    if (!fs.existsSync('/sys/module/apparmor/parameters/enabled')) expect(r.stderr).toMatch(/--apparmor: AppArmor is not enabled/);
    if (!fs.existsSync('/sys/fs/selinux/enforce')) expect(r.stderr).toMatch(/--process-label: SELinux is not enabled/);
  });

  test('--preserve-fds: fd 3 reaches the process, nothing else does', () => {
    const f = path.join(c.b.dir, 'preserved');
    fs.writeFileSync(f, 'from-fd-3\n');
    const fd = fs.openSync(f, 'r');
    const r = exec(c.b, ['--preserve-fds', '1', c.id, 'sh', '-c', 'cat <&3; ls /proc/self/fd | sort -n | tr "\\n" " "'], { fds: [fd] });
    fs.closeSync(fd);
    expect(r.status).toBe(0);
    // 0-2, 3 and the fd ls itself opens for /proc/self/fd
    expect(r.stdout).toBe('from-fd-3\n0 1 2 3 4 ');
  });

  test('--process: a process.json validated like config.json, errors name its fields', () => {
    const p = path.join(c.b.dir, 'process.json');
    fs.writeFileSync(p, JSON.stringify({ args: ['sh', '-c', 'id -u; pwd; echo $X'], cwd: '/tmp', env: ['X=y', 'PATH=/bin'], user: { uid: 7, gid: 8 } }));
    const r = exec(c.b, ['--process', p, c.id]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('7\n/tmp\ny\n');
    fs.writeFileSync(p, JSON.stringify({ args: ['true'], cwd: '/', user: { uid: 'x', gid: 0 } }));
    const bad = exec(c.b, ['--process', p, c.id]);
    expect(bad.status).toBe(255);
    expect(bad.stderr).toMatch(/process\.json \/user\/uid: must be an integer/);
    fs.writeFileSync(p, JSON.stringify({ args: ['true'], cwd: 'relative', user: { uid: 0, gid: 0 } }));
    expect(exec(c.b, ['--process', p, c.id]).stderr).toMatch(/process\.json \/cwd: "relative" must be an absolute path/);
    fs.writeFileSync(p, '{"args": [');
    expect(exec(c.b, ['--process', p, c.id]).stderr).toMatch(/parse process\.json: invalid JSON/);
    expect(exec(c.b, ['--process', path.join(c.b.dir, 'none.json'), c.id]).stderr).toMatch(/--process .*none\.json: no such file or directory/);
  });

  test('--process from a pipe (`exec -p <(...)`, runc tty.bats): read to its end, even when the writer is slow; no user is root', () => {
    // no user: root, as runc (its tty.bats process.json has none)
    const doc = JSON.stringify({ args: ['sh', '-c', 'echo from-pipe; id -u'], cwd: '/', env: ['PATH=/bin:/usr/bin'] });
    const r = run(['bash', '-c', `"$0" --root "$1" exec -p <(sleep 0.3; echo '${doc}') "$2"`, OCI_TS, c.b.root, c.id], { cwd: c.b.dir });
    expect([r.status, r.stdout, r.stderr]).toEqual([0, 'from-pipe\n0\n', '']);
  });

  test('--cgroup: an existing sub-cgroup of the container, nothing outside it', () => {
    const dirs = fs.readdirSync('/sys/fs/cgroup').map((h) => `/sys/fs/cgroup/${h}/oci-ts/${c.id}`).filter((d) => fs.existsSync(d));
    const v2 = fs.existsSync(`/sys/fs/cgroup/oci-ts/${c.id}/cgroup.procs`) ? [`/sys/fs/cgroup/oci-ts/${c.id}`] : [];
    for (const d of [...dirs, ...v2]) {
      fs.mkdirSync(path.join(d, 'sub'), { recursive: true });
      // a new v1 cpuset cgroup has no cpus or mems: nothing can join it until they are set
      for (const f of ['cpuset.cpus', 'cpuset.mems']) {
        if (d.includes('/cpuset/')) fs.writeFileSync(path.join(d, 'sub', f), fs.readFileSync(path.join(d, f), 'utf8').trim());
      }
    }
    try {
      const r = exec(c.b, ['--cgroup', 'sub', c.id, 'cat', '/proc/self/cgroup']);
      expect([r.status, r.stderr]).toEqual([0, '']);
      const lines = r.stdout.trim().split('\n');
      expect(lines.every((l) => l.endsWith(`/oci-ts/${c.id}/sub`))).toBe(true);
      if (dirs.some((d) => d.includes('/pids/'))) {
        const only = exec(c.b, ['--cgroup', 'pids:sub', c.id, 'cat', '/proc/self/cgroup']).stdout.trim().split('\n');
        expect(only.find((l) => /:pids:/.test(l))).toMatch(/\/sub$/);
        expect(only.find((l) => /:memory:/.test(l))).toMatch(new RegExp(`/oci-ts/${c.id}$`));
      }
      // as runc, the path is joined to the container's cgroup: "/sub" is "sub", "/" the cgroup itself
      const abs = exec(c.b, ['--cgroup', '/sub', c.id, 'cat', '/proc/self/cgroup']);
      expect([abs.status, abs.stdout]).toEqual([0, r.stdout]);
      const top = exec(c.b, ['--cgroup', '/', c.id, 'cat', '/proc/self/cgroup']);
      expect([top.status, top.stdout, top.stderr]).toEqual([0, exec(c.b, [c.id, 'cat', '/proc/self/cgroup']).stdout, '']);
      expect(exec(c.b, ['--cgroup', 'whaaat:/', c.id, 'true']).stderr).toMatch(/--cgroup whaaat:\/: unknown controller whaaat/);
      for (const bad of ['../other', 'sub/../..', '/..']) {
        const e = exec(c.b, ['--cgroup', bad, c.id, 'true']);
        expect([e.status, e.stderr]).toEqual([255, expect.stringMatching(/--cgroup .*: must be a path inside the container's cgroup/)]);
      }
      // runc's words, which its own tests and scripts match
      expect(exec(c.b, ['--cgroup', '..', c.id, 'true']).stderr).toMatch(/ \.\. is not a sub cgroup path/);
      expect(exec(c.b, ['--cgroup', 'missing', c.id, 'true']).stderr).toMatch(/--cgroup missing: cannot join it: adding pid to .*\/missing\/cgroup.procs: no such file or directory\n$/);
    } finally {
      for (const d of [...dirs, ...v2]) fs.rmdirSync(path.join(d, 'sub'));
    }
  });

  test('--tty without a console socket: the runtime proxies the pty (CRI-O streaming exec)', () => {
    const r = exec(c.b, ['--tty', c.id, 'sh', '-c', 'tty; test -t 0 && echo stdin-is-tty'], { input: '' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^\/dev\/pts\/\d+\r?\nstdin-is-tty/);
    // without --tty nothing is a terminal
    expect(exec(c.b, [c.id, 'sh', '-c', 'tty || true']).stdout.trim()).toBe('not a tty');
  });

  test('foreground: signals to oci-ts reach the process; its status is returned', async () => {
    const p = ociSpawn(c.b, ['exec', c.id, 'sh', '-c', 'trap "echo got-term; exit 9" TERM; echo ready; while true; do sleep 0.1; done'], { name: 'sig' });
    waitFor(() => p.stdout().includes('ready'));
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(9);
    expect(p.stdout()).toBe('ready\ngot-term\n');
  });

  test('--tty in the foreground under a terminal: its window size, and changes to it, reach the process', () => {
    const r = require('child_process').spawnSync('python3', ['-c', PTY_HARNESS, OCI_TS, '--root', c.b.root, 'exec', '--tty', c.id, 'sh', '-c', 'stty size; echo first; sleep 1; stty size; exit 5'], { encoding: 'utf8', timeout: 20000 });
    expect(r.stderr).toBe('');
    const lines = r.stdout.split(/\r?\n/).map((l: string) => l.trim()).filter(Boolean);
    expect(lines).toEqual(['33 99', 'first', '40 120', 'status 5']);
  });

  test('--tty --detach --console-socket sends the pty master; runc\'s terminal rules', async () => {
    const sock = path.join(c.b.dir, 'console.sock');
    const rec = await receiver(sock, 'pty');
    const r = exec(c.b, ['--tty', '--detach', '--console-socket', sock, '--user', '1000', c.id, 'sh', '-c', 'tty; stat -c %u $(tty); echo done']);
    expect(r.status).toBe(0);
    const out = await rec.done;
    expect(out).toMatch(/^name: \/dev\/pts\/\d+ fds: 1 link: \/dev\/(pts\/)?ptmx$/m);
    expect(out).toMatch(/\/dev\/pts\/\d+\r?\n1000\r?\ndone/);
    expect(exec(c.b, ['--tty', '--detach', c.id, 'true']).stderr).toMatch(/cannot allocate tty if oci-ts will detach without setting console socket/);
    expect(exec(c.b, ['--detach', '--console-socket', sock, c.id, 'true']).stderr).toMatch(/cannot use console socket/);
  });

  test('--pidfd-socket receives a pidfd of the process', async () => {
    const sock = path.join(c.b.dir, 'pidfd.sock');
    const rec = await receiver(sock, 'pidfd');
    const r = exec(c.b, ['--detach', '--pidfd-socket', sock, c.id, 'sleep', '1']);
    expect(r.status).toBe(0);
    expect(await rec.done).toMatch(/^name: pidfd fds: 1 link: anon_inode:\[pidfd\]$/m);
  });

  test('a cwd of /proc/self/fd/N reaches nothing of the host', () => {
    for (let n = 3; n < 12; n++) {
      const r = exec(c.b, ['--cwd', `/proc/self/fd/${n}`, c.id, 'sh', '-c', 'pwd; ls ../../../ | head -50']);
      if (r.status === 0) expect(r.stdout).not.toMatch(/oci-ts-test-|exec\.pid|config\.json/);
      expect(r.stdout + r.stderr).not.toMatch(new RegExp(path.basename(c.b.dir)));
    }
  });

  test('failures: missing program (127 wording), not executable (126 wording), missing user, missing cwd, missing container, no command', () => {
    const before = cgroupProcs(c.id);
    const pidFile = path.join(c.b.dir, 'fail.pid');
    const cases: [string[], RegExp][] = [
      [[c.id, 'nosuch'], /exec failed: COMMAND: exec: "nosuch": executable file not found in \$PATH/],
      [[c.id, '/etc/passwd'], /exec failed: COMMAND: exec: "\/etc\/passwd": permission denied/],
      [['--user', 'nobody', c.id, 'true'], /exec failed: --user nobody: no user "nobody" in the container's \/etc\/passwd/],
      [['--cwd', '/nope', c.id, 'true'], /exec failed: --cwd: .*\/nope.*no such file or directory/],
      [['nosuch-container', 'true'], /exec failed: container nosuch-container does not exist/],
      [[c.id], /exec failed: exec: no command given/],
      // the process had started: it is killed, the caller is told
      [['--pidfd-socket', '/nonexistent/sock', c.id, 'sleep', '100'], /exec failed: --pidfd-socket \/nonexistent\/sock: .*no such file or directory/i],
    ];
    for (const [args, msg] of cases) {
      const fg = exec(c.b, args);
      expect([args, fg.status, fg.stderr.trim()]).toEqual([args, 255, expect.stringMatching(msg)]);
      expect(fg.stderr.trim().split('\n')).toHaveLength(1);
      const bg = exec(c.b, ['--detach', '--pid-file', pidFile, ...args]);
      expect([args, bg.status, bg.stderr]).toEqual([args, 1, expect.stringMatching(msg)]);
      expect(fs.existsSync(pidFile)).toBe(false);
    }
    // nothing new in the container (processes of earlier tests may have ended meanwhile)
    const added = () => cgroupProcs(c.id).filter((p) => !before.includes(p));
    waitFor(() => added().length === 0);
    expect(added()).toEqual([]);
  });
});

describeRoot('exec into containers of other kinds', () => {
  const bundles: Bundle[] = [];
  afterEach(() => {
    while (bundles.length) cleanup(bundles.pop()!);
  });
  const start = (edit?: (c: any) => void) => {
    const s = startContainer(edit);
    bundles.push(s.b);
    return s;
  };

  test('stopped and paused containers are refused; --ignore-paused runs once thawed', async () => {
    const s = start();
    const freezer = path.join(cgroupDir('freezer', s.id), fs.existsSync(path.join(cgroupDir('freezer', s.id), 'freezer.state')) ? 'freezer.state' : 'cgroup.freeze');
    const frozen = freezer.endsWith('freezer.state') ? 'FROZEN' : '1';
    const thawed = freezer.endsWith('freezer.state') ? 'THAWED' : '0';
    fs.writeFileSync(freezer, frozen);
    waitFor(() => JSON.parse(ociOk(s.b, ['state', s.id])).status === 'paused');
    const r = exec(s.b, [s.id, 'true']);
    expect([r.status, r.stderr.trim()]).toEqual([255, `exec failed: cannot exec in a paused container: ${s.id} (use --ignore-paused to override)`]);
    const pidFile = path.join(s.b.dir, 'ip.pid');
    const p = ociSpawn(s.b, ['exec', '--ignore-paused', '--detach', '--pid-file', pidFile, s.id, 'sleep', '100']);
    sleepMs(300);
    fs.writeFileSync(freezer, thawed);
    expect(await p.exited).toBe(0);
    expect(cgroupProcs(s.id)).toContain(Number(fs.readFileSync(pidFile, 'utf8')));
    ociOk(s.b, ['kill', s.id, 'KILL']);
    waitFor(() => JSON.parse(ociOk(s.b, ['state', s.id])).status === 'stopped');
    const st = exec(s.b, [s.id, 'true']);
    expect([st.status, st.stderr.trim()]).toEqual([255, `exec failed: cannot exec in a stopped container: ${s.id}`]);
  });

  test('exec --ignore-paused in the foreground waits for `resume` from another process, then runs (runc cgroups.bats)', async () => {
    const s = start();
    ociOk(s.b, ['pause', s.id]);
    const p = ociSpawn(s.b, ['exec', '--ignore-paused', s.id, 'echo', 'ok'], { name: 'paused-exec' });
    sleepMs(500);
    // the exec waits in the frozen cgroup holding its lock shared: resume must not wait for it
    const r = oci(s.b, ['resume', s.id]);
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(await p.exited).toBe(0);
    expect([p.stdout(), p.stderr()]).toEqual(['ok\n', '']);
    expect(JSON.parse(ociOk(s.b, ['state', s.id])).status).toBe('running');
  });

  test('an exec\'d process dies with the container\'s pid namespace; delete leaves nothing', () => {
    const s = start();
    const pidFile = path.join(s.b.dir, 'x.pid');
    ociOk(s.b, ['exec', '--detach', '--pid-file', pidFile, s.id, 'sleep', '300']);
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    process.kill(s.pid, 'SIGKILL');
    waitFor(() => {
      try {
        return /\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
      } catch {
        return true;
      }
    });
    waitFor(() => JSON.parse(ociOk(s.b, ['state', s.id])).status === 'stopped');
    ociOk(s.b, ['delete', s.id]);
    expect(fs.existsSync(path.join(s.b.root, s.id))).toBe(false);
    expect(fs.existsSync(cgroupDir('pids', s.id))).toBe(false);
  });

  test('exec racing the init\'s exit: the process is killed with the namespace or the exec fails; delete cleans up', async () => {
    for (let i = 0; i < 3; i++) {
      const s = start();
      const p = ociSpawn(s.b, ['exec', '--detach', s.id, 'sleep', '300'], { name: `race${i}` });
      sleepMs(i * 15);
      process.kill(s.pid, 'SIGKILL');
      const code = await p.exited;
      expect([0, 1]).toContain(code);
      waitFor(() => cgroupProcs(s.id).length === 0);
      ociOk(s.b, ['delete', '--force', s.id]);
      expect(fs.existsSync(cgroupDir('pids', s.id))).toBe(false);
    }
  });

  test('a container with a user namespace: the process is mapped root in it', () => {
    const s = start((cfg) => {
      cfg.linux.namespaces.push({ type: 'user' });
      cfg.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      cfg.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    });
    const r = exec(s.b, ['--user', '1000:1000', s.id, 'sh', '-c', 'readlink /proc/self/ns/user; cat /proc/self/uid_map; id -u; echo $$ > /tmp/p; sleep 0.3']);
    expect(r.status).toBe(0);
    const [ns, map, uid] = r.stdout.trim().split('\n');
    expect(ns).toBe(fs.readlinkSync(`/proc/${s.pid}/ns/user`));
    expect(map.trim().split(/\s+/)).toEqual(['0', '100000', '65536']);
    expect(uid).toBe('1000');
    const pidFile = path.join(s.b.dir, 'u.pid');
    ociOk(s.b, ['exec', '--detach', '--pid-file', pidFile, s.id, 'sleep', '100']);
    const status = fs.readFileSync(`/proc/${fs.readFileSync(pidFile, 'utf8')}/status`, 'utf8');
    expect(/^Uid:\s+(\d+)/m.exec(status)![1]).toBe('100000');
  });

  test('a container with a seccomp profile: the exec\'d process gets the filter', () => {
    const s = start((cfg) => {
      cfg.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'], syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }] };
    });
    const r = exec(s.b, [s.id, 'sh', '-c', 'mkdir /tmp/x 2>&1; echo rc=$?; grep -E "^Seccomp:" /proc/self/status']);
    expect(r.stdout).toMatch(/Operation not permitted/);
    expect(r.stdout).toMatch(/rc=1/);
    expect(r.stdout).toMatch(/Seccomp:\s+2/);
    expect(fs.existsSync(path.join(s.b.rootfs, 'tmp/x'))).toBe(false);
  });

  test('execCPUAffinity: initial before joining (may be outside the container\'s cpuset), final for the program', () => {
    let cpus = '0';
    try {
      cpus = fs.readFileSync('/sys/fs/cgroup/cpuset/cpuset.cpus', 'utf8').trim();
    } catch {
      /* no v1 cpuset hierarchy: the container keeps every CPU */
    }
    const s = start((cfg) => {
      // the container gets CPU 1 only: an initial affinity of CPU 0 is valid only before joining
      if (cpus !== '0') cfg.linux.resources = { ...cfg.linux.resources, cpu: { cpus: '1' } };
    });
    const p = path.join(s.b.dir, 'process.json');
    fs.writeFileSync(p, JSON.stringify({ args: ['grep', 'Cpus_allowed_list', '/proc/self/status'], cwd: '/', user: { uid: 0, gid: 0 }, env: ['PATH=/bin'], execCPUAffinity: { initial: '0', final: '1' } }));
    const r = exec(s.b, ['--process', p, s.id]);
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split(/\s+/)[1]).toBe('1');
  });
});
