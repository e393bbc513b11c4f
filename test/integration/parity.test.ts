/**
 * Behaviour runc has and scripts rely on (issue "runc parity"), seen from inside the container:
 * a quiet default config, --debug steps, HOME, the loopback interface, tmpfs modes, read-only /dev,
 * seccomp rules with several conditions on one argument.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describeRoot, makeBundle, cleanup, Bundle, oci, ociOk, run, uniqueId, OCI_TS } from './helpers';
import { runIn, sh } from './probe';
import { ownLeftovers } from './cleanup-helpers';

describeRoot('runc parity', () => {
  let b: Bundle;
  afterEach(() => cleanup(b));

  test('the default config runs silently: only the program\'s output, nothing on stderr (runc is silent too)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-ts-spec-'));
    try {
      const r = run([OCI_TS, 'spec'], { cwd: dir });
      expect([r.status, r.stderr]).toEqual([0, '']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    b = makeBundle(['echo', 'hello']);
    const r = runIn(b);
    expect([r.status, r.stdout, r.stderr]).toEqual([0, 'hello\n', '']);
    // the fact is still there, at debug level
    const dbg = oci(b, ['--debug', 'run', uniqueId('quiet')]);
    expect(dbg.stderr).toMatch(/level=debug msg=".*\/process\/capabilities\/ambient: .*not raised/);
    expect(dbg.stderr).not.toMatch(/level=warning/);
  });

  test('--debug logs the steps of create, start, exec and delete (text on stderr, json in --log); nothing without it', () => {
    b = makeBundle(['sleep', '60']);
    const id = uniqueId('debug');
    const create = oci(b, ['--debug', 'create', id]);
    expect(create.status).toBe(0);
    const lines = create.stderr.trim().split('\n');
    expect(lines.every((l) => /^time="[^"]+" level=debug msg=/.test(l))).toBe(true);
    expect(create.stderr).toMatch(/msg="step \d+\/\d+: pivot_root \(\/root\/path\)"/);
    expect(create.stderr).toMatch(/msg="init forked: pid \d+"/);
    // runc's names for the same stages, which runc's debug.bats (and scripts) look for
    for (const runcWords of ['nsexec container setup', 'child process in init()', 'init: closing the pipe to signal completion']) {
      expect(create.stderr).toContain(runcWords);
    }
    const log = path.join(b.dir, 'debug.json');
    expect(oci(b, ['--debug', '--log', log, '--log-format', 'json', 'start', id]).stderr).toBe('');
    expect(oci(b, ['--debug', '--log', log, '--log-format', 'json', 'exec', id, 'true']).status).toBe(0);
    const json = fs.readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(json.every((l) => l.level === 'debug' && typeof l.time === 'string')).toBe(true);
    const msgs = json.map((l) => l.msg).join('\n');
    expect(msgs).toMatch(/start: releasing the init/);
    expect(msgs).toMatch(/exec: planned: \d+ steps/);
    expect(msgs).toMatch(/step \d+\/\d+: exec true/);
    // runc's exec.bats looks for its names of the exec stages
    for (const runcWords of ['nsexec container setup', 'child process in init()', 'setns_init: about to exec']) expect(msgs).toContain(runcWords);
    const del = oci(b, ['--debug', 'delete', '--force', id]);
    expect(del.status).toBe(0);
    expect(del.stderr).toMatch(/level=debug msg="delete: killing the processes/);
    expect(del.stderr).toMatch(/level=debug msg="delete: removing the state directory"/);
    // without --debug: not a line
    const quiet = uniqueId('quiet');
    for (const args of [['create', quiet], ['start', quiet], ['exec', quiet, 'true'], ['delete', '--force', quiet]]) {
      const r = oci(b, args);
      expect([args[0], r.status, r.stderr]).toEqual([args[0], 0, '']);
    }
  });

  test('HOME from the container\'s /etc/passwd for the process user, "/" without an entry, the config\'s when set (create and exec)', () => {
    b = makeBundle(['sh', '-c', 'echo "$HOME"; sleep 60'], (c) => {
      c.process.env = c.process.env.filter((e: string) => !e.startsWith('HOME='));
    });
    // an image whose /etc/passwd is an absolute symlink: it resolves inside the rootfs, never on the host
    fs.writeFileSync(path.join(b.rootfs, 'etc', 'passwd-image'), 'root:x:0:0:root:/from-image:/bin/sh\nu:x:1000:1000::/home/u:/bin/sh\n');
    fs.rmSync(path.join(b.rootfs, 'etc', 'passwd'));
    fs.symlinkSync('/../../../../../../../etc/passwd-image', path.join(b.rootfs, 'etc', 'passwd'));
    const id = uniqueId('home');
    ociOk(b, ['create', id]);
    ociOk(b, ['start', id]);
    const out = () => ociOk(b, ['exec', id, 'sh', '-c', 'echo "$HOME"']);
    expect(out()).toBe('/from-image\n');
    expect(ociOk(b, ['exec', '--user', '1000', id, 'sh', '-c', 'echo "$HOME"'])).toBe('/home/u\n');
    expect(ociOk(b, ['exec', '--user', '4242', id, 'sh', '-c', 'echo "$HOME"'])).toBe('/\n');
    expect(ociOk(b, ['exec', '--env', 'HOME=/mine', id, 'sh', '-c', 'echo "$HOME"'])).toBe('/mine\n');
    const pid = JSON.parse(ociOk(b, ['state', id])).pid;
    expect(fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')).toContain('HOME=/from-image');
    ociOk(b, ['delete', '--force', id]);
    // create: a user without an entry gets "/", a config HOME stays
    b.config.process.user = { uid: 4242, gid: 4242 };
    b.config.process.args = ['sh', '-c', 'echo "$HOME"'];
    b.write();
    expect(runIn(b).stdout).toBe('/\n');
    b.config.process.env.push('HOME=/configured');
    b.write();
    expect(runIn(b).stdout).toBe('/configured\n');
  });

  test('the loopback interface of a new network namespace is up (runc brings it up)', () => {
    b = makeBundle(sh('cat /sys/class/net/lo/flags; ip -o link show lo'));
    const r = runIn(b);
    expect(r.status).toBe(0);
    const [flags] = r.stdout.split('\n');
    expect(Number(flags) & 1).toBe(1); // IFF_UP
    expect(r.stdout).toMatch(/\blo: <[^>]*\bUP\b/);
  });

  test('a tmpfs without mode= takes the mode of its mount point; mode= wins; a new mount point keeps the tmpfs default', () => {
    b = makeBundle(sh('stat -c %a /m710 /mset /mnew'), (c) => {
      c.mounts.push(
        { destination: '/m710', type: 'tmpfs', source: 'tmpfs', options: ['nosuid'] },
        { destination: '/mset', type: 'tmpfs', source: 'tmpfs', options: ['mode=750'] },
        { destination: '/mnew', type: 'tmpfs', source: 'tmpfs' },
      );
    });
    fs.mkdirSync(path.join(b.rootfs, 'm710'));
    fs.chmodSync(path.join(b.rootfs, 'm710'), 0o710);
    fs.mkdirSync(path.join(b.rootfs, 'mset'));
    fs.chmodSync(path.join(b.rootfs, 'mset'), 0o700);
    const r = runIn(b);
    expect([r.status, r.stdout]).toEqual([0, '710\n750\n1777\n']);
  });

  test('a read-only tmpfs at /dev with /dev/pts on it: the mount points are made first, then /dev is read-only', () => {
    b = makeBundle(sh('touch /dev/new 2>/dev/null && echo writable || echo read-only; grep -c " /dev/pts " /proc/self/mountinfo; echo x > /dev/null && echo null-ok'), (c) => {
      const dev = c.mounts.find((m: { destination: string }) => m.destination === '/dev');
      dev.options = [...dev.options, 'ro'];
    });
    const r = runIn(b);
    expect([r.status, r.stdout, r.stderr]).toEqual([0, 'read-only\n1\nnull-ok\n', '']);
  });

  test('seccomp: several conditions on the same argument become separate rules (runc), matched as an OR', () => {
    b = makeBundle(sh('sleep 30 & p=$!; for s in USR1 USR2 TERM; do kill -$s $p 2>/dev/null && echo $s-sent || echo $s-refused; done'), (c) => {
      c.linux.seccomp = {
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [{
          names: ['kill'],
          action: 'SCMP_ACT_ERRNO',
          errnoRet: 1,
          args: [{ index: 1, value: 10, op: 'SCMP_CMP_EQ' }, { index: 1, value: 12, op: 'SCMP_CMP_EQ' }],
        }],
      };
    });
    const r = runIn(b);
    expect([r.status, r.stdout, r.stderr]).toEqual([0, 'USR1-refused\nUSR2-refused\nTERM-sent\n', '']);
    expect(ownLeftovers(b, r.id)).toEqual([]);
  });

  test('--no-pivot: the host\'s proc and sysfs are detached, so a new user namespace cannot mount a fresh proc (runc)', () => {
    b = makeBundle(sh('unshare -mrpf true && echo unshare-ok; unshare -mrpf sh -c "mount -t proc none /proc && echo mounted" 2>/dev/null || echo refused; awk \'$4 == "/" && / - (proc|sysfs) /\' /proc/self/mountinfo | wc -l'), (c) => {
      // mapping uid 0 into a new user namespace needs CAP_SETFCAP (runc's own test adds it too)
      for (const set of ['bounding', 'permitted', 'effective']) c.process.capabilities[set].push('CAP_SETFCAP');
    });
    const r = runIn(b, ['--no-pivot']);
    // left: the container's own /proc and /sys (the host's were detached before the move)
    expect([r.status, r.stdout, r.stderr]).toEqual([0, 'unshare-ok\nrefused\n2\n', '']);
    // with pivot_root, the same (the control: unshare and the mount are allowed, only a fresh proc is not)
    const p = runIn(b);
    expect([p.status, p.stdout]).toEqual([0, 'unshare-ok\nrefused\n2\n']);
    expect(ownLeftovers(b, r.id)).toEqual([]);
  });

  test('a bind source inside a directory only host root can enter (0700) is mounted into a container with a user namespace', () => {
    const priv = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-ts-private-')); // 0700, host root's
    try {
      fs.mkdirSync(path.join(priv, 'dir'), { mode: 0o755 });
      fs.writeFileSync(path.join(priv, 'dir', 'file'), 'reached\n', { mode: 0o644 });
      expect(fs.statSync(priv).mode & 0o777).toBe(0o700);
      b = makeBundle(sh('cat /private/file; grep -c " /private " /proc/self/mountinfo; touch /private/x 2>/dev/null || echo read-only'), (c) => {
        c.linux.namespaces.push({ type: 'user' });
        c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
        c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
        c.mounts.push({ destination: '/private', type: 'bind', source: path.join(priv, 'dir'), options: ['rbind', 'ro'] });
      });
      fs.chmodSync(b.dir, 0o755);
      fs.mkdirSync(path.join(b.rootfs, 'private'));
      // the container's root (host uid 100000) cannot enter `priv`: the runtime opened the source
      const r = runIn(b);
      expect([r.status, r.stdout, r.stderr]).toEqual([0, 'reached\n1\nread-only\n', '']);
      expect(fs.readdirSync(path.join(priv, 'dir'))).toEqual(['file']);
    } finally {
      fs.rmSync(priv, { recursive: true, force: true });
    }
  });

  test('refusals keep runc\'s words next to the pointer (a seccomp agent that cannot be reached; proc on a symlink)', () => {
    b = makeBundle(['true'], (c) => {
      c.linux.seccomp = {
        defaultAction: 'SCMP_ACT_ALLOW',
        listenerPath: path.join(os.tmpdir(), `oci-ts-no-agent-${process.pid}.sock`),
        syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }],
      };
    });
    const id = uniqueId('agent');
    const r = oci(b, ['create', id]);
    expect([r.status, r.stderr]).toEqual([1, expect.stringMatching(/^config\.json \/linux\/seccomp\/listenerPath: failed to connect with seccomp agent: /)]);
    expect(ownLeftovers(b, id)).toEqual([]);
    delete b.config.linux.seccomp;
    b.write();
    fs.rmSync(path.join(b.rootfs, 'proc'), { recursive: true });
    fs.symlinkSync('/symlink', path.join(b.rootfs, 'proc'));
    const p = oci(b, ['create', `${id}-proc`]);
    expect([p.status, p.stderr]).toEqual([1, expect.stringMatching(/\/mounts\/\d+.*must be mounted on ordinary directory/)]);
    expect(ownLeftovers(b, `${id}-proc`)).toEqual([]);
  });
  test('checkpoint: runc\'s checks in runc\'s words (state, --parent-path), then a refusal; the container keeps running, no directory is made', () => {
    b = makeBundle(['sleep', '100']);
    const id = uniqueId('ckpt');
    const missing = oci(b, ['checkpoint', id]);
    expect([missing.status, missing.stderr.trim()]).toEqual([1, `container ${id} does not exist`]);
    ociOk(b, ['create', id]);
    const created = oci(b, ['checkpoint', id]);
    expect([created.status, created.stderr.trim()]).toEqual([1, 'Container cannot be checkpointed in created state']);
    ociOk(b, ['start', id]);
    // runc checkpoint.bats "checkpoint --pre-dump (bad --parent-path)": the output names the flag
    const abs = oci(b, ['checkpoint', '--parent-path', path.join(b.dir, 'parent-dir'), '--work-path', './work-dir', '--image-path', './image-dir', id]);
    expect([abs.status, abs.stderr.trim()]).toEqual([1, '--parent-path must be relative']);
    const rel = oci(b, ['checkpoint', '--parent-path', './parent-dir', '--work-path', './work-dir', '--image-path', './image-dir', id]);
    expect([rel.status, rel.stderr.trim()]).toEqual([1, 'invalid --parent-path: image-dir/parent-dir: no such file or directory']);
    const none = oci(b, ['checkpoint', id]);
    expect([none.status, none.stderr.trim()]).toEqual([1, `checkpoint ${id}: not supported: oci-ts has no criu support (the container is left running)`]);
    expect(['image-dir', 'work-dir', 'checkpoint'].filter((d) => fs.existsSync(path.join(b.dir, d)))).toEqual([]);
    expect(JSON.parse(ociOk(b, ['state', id])).status).toBe('running');
  });
  test('seccomp with a denying default: a system call above the profile\'s largest gets ENOSYS, a known one the default errno (runc\'s stub)', () => {
    const cc = run(['sh', '-c', 'command -v gcc']).status === 0;
    if (!cc) return console.log('skipped: no gcc to build the static probe that makes raw system calls');
    b = makeBundle(['/nr']);
    const src = path.join(b.dir, 'nr.c');
    // syscall(1000) is above any system call; kcmp (312) is named as allowed only for pid 0
    fs.writeFileSync(src, '#include <errno.h>\n#include <stdio.h>\n#include <unistd.h>\n#include <sys/syscall.h>\n'
      + 'int main(void) { errno = 0; syscall(1000); int a = errno; errno = 0; syscall(SYS_kcmp, 1, 1, 0, 0, 0); printf("%d %d\\n", a, errno); return 0; }\n');
    const built = run(['gcc', '-static', '-o', path.join(b.rootfs, 'nr'), src]);
    expect([built.status, built.stderr]).toEqual([0, '']);
    const allowed = ['execve', 'brk', 'arch_prctl', 'set_tid_address', 'set_robust_list', 'rseq', 'prlimit64', 'mprotect', 'readlink',
      'readlinkat', 'getrandom', 'write', 'writev', 'exit_group', 'exit', 'newfstatat', 'fstat', 'ioctl', 'uname', 'openat', 'close', 'read',
      'futex', 'rt_sigaction', 'rt_sigprocmask', 'rt_sigreturn', 'mmap', 'munmap', 'getpid', 'fcntl', 'capget', 'capset', 'prctl'];
    const edit = (c: any, extra: Record<string, unknown>) => {
      c.process.noNewPrivileges = true;
      c.linux.seccomp = { defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'], syscalls: [
        { names: allowed, action: 'SCMP_ACT_ALLOW' },
        { names: ['kcmp'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0, op: 'SCMP_CMP_EQ' }] }], ...extra };
    };
    edit(b.config, {});
    b.write();
    const r = runIn(b);
    expect([r.status, r.stdout, r.stderr]).toEqual([0, '38 1\n', '']);
    // defaultErrnoRet ENOSYS already: no stub, both get the default's ENOSYS
    edit(b.config, { defaultErrnoRet: 38 });
    b.write();
    expect(runIn(b).stdout).toBe('38 38\n');
  });
  test('a startContainer hook killed by a signal: runc\'s words ("error running hook", the signal\'s name), naming the hook', () => {
    b = makeBundle(['true'], (c) => {
      c.hooks = { startContainer: [{ path: '/bin/sh', args: ['sh', '-c', 'kill -SYS $$'] }] };
    });
    const r = runIn(b);
    expect([r.status, r.stderr.trim()]).toEqual([1, expect.stringMatching(/\/hooks\/startContainer\/0: error running hook \/bin\/sh: signal: bad system call \(signal 31\)$/)]);
  });
});
