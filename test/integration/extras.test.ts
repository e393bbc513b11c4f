/**
 * Config fields beyond the basics, observed inside real containers: idmapped and recursive-option
 * mounts, seccomp, personality, ioPriority, scheduler, execCPUAffinity, the console socket and the
 * foreground terminal.
 */
import * as fs from 'fs';
import * as path from 'path';
import { spawn } from 'child_process';
import { describeRoot, makeBundle, oci, ociOk, cleanup, uniqueId, Bundle, leftovers, OCI_TS as OCI_TS_PATH } from './helpers';
import { FD_RECEIVER } from './probe';

function runIn(b: Bundle, script: string, edit?: (c: any) => void): { out: string; err: string; status: number | null } {
  b.config.process.args = ['sh', '-c', script];
  edit?.(b.config);
  b.write();
  const r = oci(b, ['run', uniqueId('x')]);
  return { out: r.stdout, err: r.stderr, status: r.status };
}

describeRoot('extras', () => {
  let b: Bundle;
  beforeEach(() => {
    b = makeBundle();
  });
  afterEach(() => cleanup(b));

  test('idmapped bind mount: files show the mapped owner inside, the host files are untouched', () => {
    // uidMappings on a mount map the source file system's ids (containerID) to what the mount
    // shows (hostID): a file owned by 0 on disk appears owned by 1000 through the mount.
    const src = fs.mkdtempSync(path.join(b.dir, 'src-'));
    fs.chmodSync(src, 0o755); // the container's root holds no CAP_DAC_OVERRIDE in the default spec
    fs.writeFileSync(path.join(src, 'f'), 'x');
    const r = runIn(b, 'stat -c "%u %g" /data/f 2>&1; grep " /data " /proc/self/mountinfo', (c) => {
      c.mounts.push({ destination: '/data', type: 'bind', source: src, options: ['bind'], uidMappings: [{ containerID: 0, hostID: 1000, size: 1 }], gidMappings: [{ containerID: 0, hostID: 1000, size: 1 }] });
    });
    expect(r.status).toBe(0);
    const [owner, mount] = r.out.trim().split('\n');
    expect(owner).toBe('1000 1000');
    expect(mount).toMatch(/idmapped/);
    expect(fs.statSync(path.join(src, 'f')).uid).toBe(0);
  });

  test('recursive options apply to submounts (rro, rnosuid)', () => {
    const src = fs.mkdtempSync(path.join(b.dir, 'tree-'));
    fs.mkdirSync(path.join(src, 'sub'));
    spawnSyncOk('mount', ['-t', 'tmpfs', 'tmpfs', path.join(src, 'sub')]);
    try {
      const r = runIn(b, 'touch /t/a 2>/dev/null && echo top-rw || echo top-ro; touch /t/sub/b 2>/dev/null && echo sub-rw || echo sub-ro; grep " /t/sub " /proc/self/mountinfo | cut -d" " -f6', (c) => {
        c.mounts.push({ destination: '/t', type: 'bind', source: src, options: ['rbind', 'rro', 'rnosuid'] });
      });
      expect(r.out.trim().split('\n')).toEqual(['top-ro', 'sub-ro', expect.stringMatching(/^ro,nosuid/)]);
    } finally {
      spawnSyncOk('umount', [path.join(src, 'sub')]);
    }
  });

  test('seccomp: a denied syscall fails with the configured errno, others work', () => {
    const r = runIn(b, 'mkdir /tmp/x 2>&1; echo rc=$?; grep -E "^Seccomp:" /proc/self/status', (c) => {
      c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'], syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }] };
    });
    expect(r.out).toMatch(/Permission denied/);
    expect(r.out).toMatch(/rc=1/);
    expect(r.out).toMatch(/Seccomp:\s+2/);
    // the compiled filter is cached under --root, and the cached copy works the same
    const cache = path.join(b.root, '.seccomp-cache');
    expect(fs.readdirSync(cache).filter((f) => f.endsWith('.json'))).toHaveLength(1);
    const again = runIn(b, 'mkdir /tmp/y 2>&1; echo rc=$?');
    expect(again.out).toMatch(/Permission denied[\s\S]*rc=1/);
    expect(fs.readdirSync(cache)).toHaveLength(1);
  });

  test('seccomp with a default errno action still runs the program (clone3 gets ENOSYS)', () => {
    const r = runIn(b, 'echo ok; ls / >/dev/null && echo ls-ok', (c) => {
      const allow = ['read', 'write', 'openat', 'open', 'close', 'fstat', 'newfstatat', 'stat', 'lstat', 'execve', 'exit_group', 'exit', 'brk', 'mmap', 'munmap', 'mprotect', 'rt_sigaction', 'rt_sigprocmask', 'rt_sigreturn', 'getpid', 'getppid', 'getuid', 'geteuid', 'getgid', 'getegid', 'ioctl', 'fcntl', 'dup2', 'dup3', 'clone', 'wait4', 'getdents64', 'arch_prctl', 'set_tid_address', 'uname', 'getcwd', 'chdir', 'prctl', 'capget', 'capset', 'setresuid', 'setresgid', 'setgroups', 'umask', 'access', 'faccessat', 'faccessat2', 'statx', 'readlink', 'readlinkat', 'sched_getaffinity', 'getrandom', 'prlimit64', 'set_robust_list', 'rseq', 'futex', 'pipe', 'pipe2', 'vfork', 'fork', 'lseek', 'getpgrp', 'setpgid', 'getpgid', 'getsid', 'pread64', 'writev', 'readv', 'sysinfo', 'poll', 'ppoll', 'select', 'pselect6', 'sigaltstack', 'kill', 'tgkill', 'gettid', 'nanosleep', 'clock_nanosleep', 'clock_gettime', 'gettimeofday', 'time'];
      c.linux.seccomp = { defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X86_64'], syscalls: [{ names: allow, action: 'SCMP_ACT_ALLOW' }] };
      c.process.noNewPrivileges = true;
    });
    expect(r.err).not.toMatch(/seccomp/i);
    expect(r.out.trim().split('\n')).toEqual(['ok', 'ls-ok']);
  });

  test('personality LINUX32 makes uname -m report a 32-bit machine', () => {
    const r = runIn(b, 'uname -m', (c) => {
      c.linux.personality = { domain: 'LINUX32' };
    });
    expect(r.out.trim()).toBe('i686');
  });

  test('scheduler, ioPriority and execCPUAffinity reach the process', () => {
    const r = runIn(b, 'grep -E "^(Cpus_allowed_list)" /proc/self/status; cut -d" " -f19,41 /proc/self/stat', (c) => {
      c.process.scheduler = { policy: 'SCHED_BATCH', nice: 7 };
      c.process.ioPriority = { class: 'IOPRIO_CLASS_IDLE', priority: 0 };
      c.process.execCPUAffinity = { final: '0' };
    });
    const lines = r.out.trim().split('\n');
    expect(lines[0]).toMatch(/Cpus_allowed_list:\s+0$/);
    expect(lines[1]).toBe('7 3'); // nice 7, policy SCHED_BATCH (3)
  });

  test('an invalid scheduler request fails create naming /process/scheduler and leaves nothing', () => {
    b.config.process.scheduler = { policy: 'SCHED_DEADLINE', runtime: 1, deadline: 0, period: 0 };
    b.write();
    const id = uniqueId('sched');
    const r = oci(b, ['create', id]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/\/process\/scheduler/);
    expect(leftovers(b, id)).toEqual([]);
  });

  test('netDevices: a host interface moves into the container, renamed', () => {
    const host = `octs${process.pid % 10000}`;
    spawnSyncOk('ip', ['link', 'add', host, 'type', 'veth', 'peer', 'name', `${host}p`]);
    try {
      const r = runIn(b, 'ip -o link show | cut -d: -f2 | tr -d " "', (c) => {
        c.linux.netDevices = { [host]: { name: 'eth7' } };
      });
      expect(r.out.split('\n').map((l) => l.split('@')[0])).toContain('eth7');
      const missing = runIn(b, 'true', (c) => {
        c.linux.netDevices = { nosuchdev0: {} };
      });
      expect(missing.status).toBe(1);
      expect(missing.err).toMatch(/\/linux\/netDevices\/nosuchdev0: moving nosuchdev0/);
    } finally {
      require('child_process').spawnSync('ip', ['link', 'del', host]);
      require('child_process').spawnSync('ip', ['link', 'del', `${host}p`]);
    }
  });

  test('--systemd-cgroup: slice:prefix:name becomes the scope path systemd would use, removed after', () => {
    const id = uniqueId('sd');
    b.config.process.args = ['sh', '-c', 'grep -E ":(memory|pids):" /proc/self/cgroup'];
    b.config.linux.cgroupsPath = `octs-test.slice:ocits:${id}`;
    b.write();
    const r = oci(b, ['--systemd-cgroup', 'run', id]);
    expect(r.status).toBe(0);
    for (const line of r.stdout.trim().split('\n')) expect(line).toMatch(new RegExp(`:/octs.slice/octs-test.slice/ocits-${id}.scope$`));
    expect(fs.existsSync(`/sys/fs/cgroup/memory/octs.slice`)).toBe(false);
    b.config.linux.cgroupsPath = '/plain/path';
    b.write();
    const badId = uniqueId('sd');
    const bad = oci(b, ['--systemd-cgroup', 'create', badId]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/\/linux\/cgroupsPath: "\/plain\/path" is not in the form slice:prefix:name/);
    expect(leftovers(b, badId)).toEqual([]);
  });

  test('LISTEN_FDS: socket-activated fds are passed on at 3.., with LISTEN_FDS/LISTEN_PID=1 inside', () => {
    const id = uniqueId('sa');
    b.config.process.args = ['sh', '-c', 'echo "$LISTEN_FDS $LISTEN_PID"; cat <&3; readlink /proc/self/fd/4 || echo no-fd4'];
    b.write();
    const f = path.join(b.dir, 'activated');
    fs.writeFileSync(f, 'from-fd-3\n');
    const out = path.join(b.dir, 'sa.out');
    // `exec` keeps the shell's pid, so LISTEN_PID=$$ names the runtime process, as systemd sets it
    const r = require('child_process').spawnSync('sh', ['-c', `export LISTEN_FDS=1 LISTEN_PID=$$; exec ${OCI_TS_PATH} --root ${b.root} run --bundle ${b.dir} ${id} 3<${f} >${out} 2>&1`], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(fs.readFileSync(out, 'utf8').split('\n').filter((l: string) => !l.includes('level=warning')).join('\n').trim()).toBe('1 1\nfrom-fd-3\nno-fd4');
  });

  test('--console-socket receives the pty master, named like runc does, with consoleSize applied', async () => {
    b.config.process.terminal = true;
    b.config.process.consoleSize = { height: 33, width: 99 };
    b.config.process.args = ['sh', '-c', 'tty; stty size; stat -c "%u %G" $(tty); echo done'];
    b.config.process.user = { uid: 1000, gid: 1000 };
    b.write();
    const sock = path.join(b.dir, 'console.sock');
    const py = spawn('python3', ['-c', FD_RECEIVER, sock, 'pty'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    py.stdout.on('data', (d) => (out += d));
    for (let i = 0; i < 100 && !fs.existsSync(sock); i++) await new Promise((r) => setTimeout(r, 20));
    const id = uniqueId('tty');
    ociOk(b, ['run', '--detach', '--console-socket', sock, id]);
    await new Promise((r) => py.on('exit', r));
    expect(out).toMatch(/^name: \/dev\/pts\/\d+ fds: 1 link: /m);
    expect(out).toMatch(/\/dev\/pts\/\d+\r?\n33 99\r?\n1000 \S+\r?\ndone/); // the tty belongs to the process user
  });
});


function spawnSyncOk(cmd: string, args: string[]): void {
  const r = require('child_process').spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
}
