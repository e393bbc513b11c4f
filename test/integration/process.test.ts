/** process: user, umask, rlimits, capabilities, noNewPrivileges, oomScoreAdj, cwd, env, exec, fds: seen from inside. */
import * as fs from 'fs';
import * as path from 'path';
import { describeRoot, makeBundle, oci, cleanup, uniqueId, Bundle } from './helpers';
import { outOf, sh, section, hostDir, ociWithFds, newLeftovers, leftoversBefore } from './probe';

/** `Name:\tvalue` lines of /proc/self/status (as printed by the container) → name → value. */
function statusFields(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of text.split('\n')) {
    const m = /^(\w+):\s*(.*)$/.exec(l);
    if (m) out[m[1]] = m[2].trim().replace(/\s+/g, ' ');
  }
  return out;
}

/** /proc/self/limits line → [soft, hard] of a resource, e.g. "Max open files". */
function limitOf(text: string, name: string): [string, string] {
  const l = text.split('\n').find((x) => x.startsWith(name));
  if (!l) throw new Error(`no ${name} in ${text}`);
  const f = l.slice(name.length).trim().split(/\s+/);
  return [f[0], f[1]];
}

/** A 64-bit capability mask as /proc/PID/status prints it, from bit numbers. */
function mask(bits: number[]): string {
  return bits.reduce((m, b) => m | (1n << BigInt(b)), 0n).toString(16).padStart(16, '0');
}

const CAP = { CHOWN: 0, KILL: 5, NET_BIND_SERVICE: 10, SYS_ADMIN: 21, AUDIT_WRITE: 29 };

describeRoot('process', () => {
  let b: Bundle;
  const extra: (() => void)[] = [];
  afterEach(() => {
    cleanup(b);
    while (extra.length) extra.pop()!();
  });

  test('user uid, gid and additionalGids', () => {
    b = makeBundle(sh('id -u; id -g; grep -E "^(Uid|Gid|Groups):" /proc/self/status'), (c) => {
      c.process.user = { uid: 1000, gid: 1001, additionalGids: [5, 1002] };
    });
    const out = outOf(b);
    expect(out.split('\n').slice(0, 2)).toEqual(['1000', '1001']);
    const st = statusFields(out);
    expect(st.Uid).toBe('1000 1000 1000 1000');
    expect(st.Gid).toBe('1001 1001 1001 1001');
    expect(st.Groups).toBe('5 1002');
  });

  test('root without additionalGids has no supplementary groups (not the runtime\'s)', () => {
    b = makeBundle(['grep', '-E', '^(Uid|Gid|Groups):', '/proc/self/status']);
    const st = statusFields(outOf(b));
    expect(st.Uid).toBe('0 0 0 0');
    expect(st.Gid).toBe('0 0 0 0');
    expect(st.Groups).toBe('');
  });

  test('umask from the config, 0022 when absent', () => {
    b = makeBundle(sh('umask; rm -f /tmp/f; touch /tmp/f; stat -c %a /tmp/f'), (c) => {
      c.process.user.umask = 0o027;
    });
    expect(outOf(b)).toBe('0027\n640\n');
    delete b.config.process.user.umask;
    b.write();
    expect(outOf(b)).toBe('0022\n644\n');
  });

  test('rlimits: soft and hard values as configured', () => {
    b = makeBundle(sh('ulimit -n; ulimit -Hn; echo ==limits==; cat /proc/self/limits'), (c) => {
      c.process.rlimits = [
        { type: 'RLIMIT_NOFILE', soft: 512, hard: 4096 },
        { type: 'RLIMIT_CORE', soft: 1024, hard: 2048 },
        { type: 'RLIMIT_NPROC', soft: 300, hard: 400 },
        { type: 'RLIMIT_MSGQUEUE', soft: 8192, hard: 16384 },
      ];
    });
    const out = outOf(b);
    expect(out.split('\n').slice(0, 2)).toEqual(['512', '4096']);
    const limits = section(out, 'limits');
    expect(limitOf(limits, 'Max open files')).toEqual(['512', '4096']);
    expect(limitOf(limits, 'Max core file size')).toEqual(['1024', '2048']);
    expect(limitOf(limits, 'Max processes')).toEqual(['300', '400']);
    expect(limitOf(limits, 'Max msgqueue size')).toEqual(['8192', '16384']);
  });

  test('an rlimit above the runtime\'s hard limit fails create with its pointer', () => {
    const hard = Number(fs.readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'))!.trim().split(/\s+/)[4]);
    b = makeBundle(['true'], (c) => {
      c.process.rlimits = [
        { type: 'RLIMIT_CORE', soft: 0, hard: 0 },
        { type: 'RLIMIT_NOFILE', soft: 1024, hard: hard + 1000 },
      ];
    });
    const id = uniqueId('rlim');
    const before = leftoversBefore(b);
    const r = oci(b, ['create', id]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('/process/rlimits/1');
    expect(newLeftovers(b, id, before)).toEqual([]);
  });

  test('capabilities of a non-root user: bounding, inheritable, ambient (raised into permitted/effective)', () => {
    b = makeBundle(sh('grep ^Cap /proc/self/status; touch /dev/shm/f; chown 0 /dev/shm/f && echo chown-ok'), (c) => {
      c.process.user = { uid: 1000, gid: 1000 };
      c.process.capabilities = {
        bounding: ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_ADMIN'],
        effective: ['CAP_CHOWN', 'CAP_KILL'],
        permitted: ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
        inheritable: ['CAP_CHOWN', 'CAP_KILL'],
        ambient: ['CAP_CHOWN'],
      };
    });
    const out = outOf(b);
    const st = statusFields(out);
    // execve by a non-root user without file capabilities: P' = E' = ambient
    expect(st).toMatchObject({
      CapBnd: mask([CAP.CHOWN, CAP.KILL, CAP.NET_BIND_SERVICE, CAP.SYS_ADMIN]),
      CapInh: mask([CAP.CHOWN, CAP.KILL]),
      CapAmb: mask([CAP.CHOWN]),
      CapPrm: mask([CAP.CHOWN]),
      CapEff: mask([CAP.CHOWN]),
    });
    expect(out).toContain('chown-ok\n');
  });

  test('capabilities of root: bounding as configured, permitted = bounding | inheritable after exec', () => {
    b = makeBundle(sh('grep ^Cap /proc/self/status; touch /tmp/f; chown 1000 /tmp/f 2>/dev/null && echo chown-ok || echo chown-denied'), (c) => {
      c.process.noNewPrivileges = false;
      c.process.capabilities = {
        bounding: ['CAP_KILL', 'CAP_NET_BIND_SERVICE', 'CAP_AUDIT_WRITE'],
        effective: ['CAP_KILL'],
        permitted: ['CAP_KILL', 'CAP_AUDIT_WRITE'],
        inheritable: ['CAP_KILL'],
        ambient: ['CAP_KILL'],
      };
    });
    let out = outOf(b);
    const bnd = mask([CAP.KILL, CAP.NET_BIND_SERVICE, CAP.AUDIT_WRITE]);
    expect(statusFields(out)).toMatchObject({ CapBnd: bnd, CapInh: mask([CAP.KILL]), CapAmb: mask([CAP.KILL]), CapPrm: bnd, CapEff: bnd });
    // CAP_CHOWN is not in the bounding set: even root cannot chown
    expect(out).toContain('chown-denied\n');
    // with no_new_privs the kernel keeps execve from gaining more than the configured permitted set
    b.config.process.noNewPrivileges = true;
    b.write();
    out = outOf(b);
    const prm = mask([CAP.KILL, CAP.AUDIT_WRITE]);
    expect(statusFields(out)).toMatchObject({ CapBnd: bnd, CapInh: mask([CAP.KILL]), CapAmb: mask([CAP.KILL]), CapPrm: prm, CapEff: prm });
  });

  test('no capabilities at all', () => {
    b = makeBundle(['grep', '^Cap', '/proc/self/status'], (c) => {
      c.process.capabilities = {};
    });
    const st = statusFields(outOf(b));
    for (const k of ['CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb']) expect([k, st[k]]).toEqual([k, '0000000000000000']);
  });

  test('noNewPrivileges true and false', () => {
    b = makeBundle(['grep', '^NoNewPrivs', '/proc/self/status'], (c) => {
      c.process.noNewPrivileges = true;
    });
    expect(outOf(b).trim()).toBe('NoNewPrivs:\t1');
    b.config.process.noNewPrivileges = false;
    b.write();
    expect(outOf(b).trim()).toBe('NoNewPrivs:\t0');
  });

  test('oomScoreAdj from the config; the runtime\'s own when absent', () => {
    b = makeBundle(['cat', '/proc/self/oom_score_adj'], (c) => {
      c.process.oomScoreAdj = 500;
    });
    expect(outOf(b).trim()).toBe('500');
    delete b.config.process.oomScoreAdj;
    b.write();
    expect(outOf(b).trim()).toBe(fs.readFileSync('/proc/self/oom_score_adj', 'utf8').trim());
  });

  test('cwd is the configured directory', () => {
    b = makeBundle(sh('pwd; ls'), (c) => {
      c.process.cwd = '/srv/work';
    });
    fs.mkdirSync(path.join(b.rootfs, 'srv/work'), { recursive: true });
    fs.writeFileSync(path.join(b.rootfs, 'srv/work/marker'), '');
    expect(outOf(b)).toBe('/srv/work\nmarker\n');
  });

  test('env is exactly the config env (and HOME from /etc/passwd when it has none, as runc), nothing of the runtime\'s environment', () => {
    const env = ['PATH=/bin:/usr/bin', 'FOO=bar', 'EMPTY=', 'WITH_EQ=a=b=c', 'SPACES=two words', 'HOME=/from-config'];
    b = makeBundle(['env'], (c) => {
      c.process.env = env;
    });
    const out = outOf(b, [], { env: { ...process.env, SECRET_TOKEN: 'x-secret-x', NOTIFY_SOCKET: '' } });
    expect(out).not.toContain('x-secret-x');
    expect(out.trimEnd().split('\n')).toEqual(env);
  });

  test('exec of a missing program fails create with "executable file not found in $PATH", nothing left', () => {
    b = makeBundle(['no-such-program', 'arg']);
    const id = uniqueId('noexec');
    const before = leftoversBefore(b);
    const r = oci(b, ['create', id]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('executable file not found in $PATH');
    expect(r.stderr).toContain('no-such-program');
    expect(newLeftovers(b, id, before)).toEqual([]);
  });

  test('exec of a program found on the config PATH, not the runtime\'s', () => {
    b = makeBundle(['only-here'], (c) => {
      c.process.env = ['PATH=/opt/tools'];
    });
    fs.mkdirSync(path.join(b.rootfs, 'opt/tools'), { recursive: true });
    fs.writeFileSync(path.join(b.rootfs, 'opt/tools/only-here'), '#!/bin/sh\necho found on PATH\n', { mode: 0o755 });
    expect(outOf(b)).toBe('found on PATH\n');
  });

  test('descriptors open in the runtime do not reach the container', () => {
    b = makeBundle(['ls', '/proc/self/fd']);
    const dir = hostDir('fds');
    extra.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const a = fs.openSync(path.join(dir, 'a'), 'w');
    const c = fs.openSync(path.join(dir, 'c'), 'w');
    try {
      const r = ociWithFds(b, ['run', uniqueId('fds')], [a, c]);
      // 0-2, and the directory ls reads: 3 (it would be 5 if 3 and 4 had leaked)
      expect(r.stdout.trim().split('\n')).toEqual(['0', '1', '2', '3']);
    } finally {
      fs.closeSync(a);
      fs.closeSync(c);
    }
  });

  test('--preserve-fds 1 passes descriptor 3 and only it', () => {
    b = makeBundle(sh('cat <&3; readlink /proc/self/fd/3; ls /proc/self/fd'));
    const dir = hostDir('pfds');
    extra.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    fs.writeFileSync(path.join(dir, 'three'), 'read through fd 3\n');
    const three = fs.openSync(path.join(dir, 'three'), 'r');
    const four = fs.openSync(path.join(dir, 'four'), 'w');
    try {
      const r = ociWithFds(b, ['run', '--preserve-fds', '1', uniqueId('pfds')], [three, four]);
      const lines = r.stdout.split('\n');
      expect(lines.slice(0, 2)).toEqual(['read through fd 3', path.join(dir, 'three')]);
      // ls: 0-2, the preserved 3, and its own directory as 4 (fd 4 of the runtime is not passed)
      expect(lines.slice(2).filter((x) => x)).toEqual(['0', '1', '2', '3', '4']);
    } finally {
      fs.closeSync(three);
      fs.closeSync(four);
    }
  });
});
