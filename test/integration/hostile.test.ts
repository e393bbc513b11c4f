/**
 * Hostile input (issue 11): each case from the mutation run that broke the runtime. Every refusal
 * is exit status 1 and exactly one line naming the JSON pointer or the flag, with no internal text
 * (no TypeError, no Node error codes, no stack), and nothing is left behind.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { execFileSync } from 'child_process';
import { describeRoot, makeBundle, oci, run, OCI_TS, cleanup, uniqueId, Bundle } from './helpers';
import { ownLeftovers, mountPoints, newMounts, removeCgroupDirs } from './cleanup-helpers';

const INTERNAL = /TypeError|RangeError|is not a function|Cannot read prop|Maximum call stack|ERR_[A-Z_]+|node:internal|\n\s+at /;

/** stderr without log lines (time="…" level=…) */
function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l !== '' && !l.startsWith('time="'));
}

/** create fails: status 1, one line matching `message`, no internal text, nothing left. */
function refused(b: Bundle, id: string, message: RegExp, extra: string[] = [], globals: string[] = []): string {
  const before = mountPoints();
  const r = run([OCI_TS, '--root', b.root, ...globals, 'create', ...extra, id], { cwd: b.dir });
  const lines = errorLines(r.stderr);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(message);
  expect(lines[0]).not.toMatch(INTERNAL);
  expect(r.status).toBe(1);
  expect(ownLeftovers(b, id)).toEqual([]);
  expect(newMounts(before, b)).toEqual([]);
  return lines[0];
}

describeRoot('hostile input', () => {
  let b: Bundle;
  let id: string;
  const extra: (() => void)[] = [];
  beforeEach(() => {
    id = uniqueId('hz');
  });
  afterEach(() => {
    while (extra.length) extra.pop()!();
    cleanup(b);
    removeCgroupDirs(id);
  });

  test('a NUL byte in cgroupsPath names /linux/cgroupsPath (was Node\'s raw TypeError)', () => {
    b = makeBundle(['true'], (c) => (c.linux.cgroupsPath = '/oci-ts/a\u0000b'));
    refused(b, id, /^config\.json \/linux\/cgroupsPath: must not contain a NUL byte$/);
  });

  test('a NUL byte anywhere (an env entry, a key) is refused with its pointer', () => {
    b = makeBundle(['true'], (c) => c.process.env.push('A=x\u0000y'));
    const n = b.config.process.env.length - 1;
    refused(b, id, new RegExp(`^config\\.json /process/env/${n}: must not contain a NUL byte$`));
    b.config.process.env.pop();
    b.config.linux.sysctl = { 'net.ipv4.ip_\u0000forward': '1' };
    b.write();
    refused(b, id, /^config\.json \/linux\/sysctl\/net\.ipv4\.ip_\\x00forward: the key must not contain a NUL byte$/);
  });

  test('a 2 MiB cgroupsPath is refused at once with its pointer (took minutes of path arithmetic)', () => {
    b = makeBundle(['true'], (c) => (c.linux.cgroupsPath = '/x'.repeat(1 << 20)));
    const t0 = Date.now();
    refused(b, id, /^config\.json \/linux\/cgroupsPath: is 2097152 characters long: at most 1048576 \(1 MiB\)$/);
    expect(Date.now() - t0).toBeLessThan(10000);
  });

  test('a memory limit of 1 byte names /linux/resources/memory/limit (was "exited before it was ready")', () => {
    b = makeBundle(['true'], (c) => (c.linux.resources = { memory: { limit: 1 } }));
    refused(b, id, /^config\.json \/linux\/resources\/memory\/limit: the container init was killed by the OOM killer before it was ready: 1 bytes is too low$/);
  });

  test('a seccomp argument index of 9 names the index (was libseccomp\'s bare "Invalid argument")', () => {
    b = makeBundle(['true'], (c) => {
      c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ERRNO', args: [{ index: 9, value: 1, op: 'SCMP_CMP_EQ' }] }] };
    });
    refused(b, id, /^config\.json \/linux\/seccomp\/syscalls\/0\/args\/0\/index: 9 is out of range: a system call argument index is 0 to 5$/);
  });

  test('unknown fields nested 12,000 deep are refused with the pointer (was "Maximum call stack size exceeded")', () => {
    b = makeBundle();
    const text = JSON.stringify(b.config);
    fs.writeFileSync(path.join(b.dir, 'config.json'), text.slice(0, -1) + ',"x":' + '{"a":'.repeat(12000) + '1' + '}'.repeat(12000) + '}');
    refused(b, id, /^config\.json \/x(\/a){63}: nested more than 64 levels deep$/);
  });

  test('unknown keys under process.capabilities and hooks are ignored like other unknown fields (was "(list2 ?? []).forEach is not a function")', () => {
    b = makeBundle(['sh', '-c', 'grep CapEff /proc/self/status'], (c) => {
      c.process.capabilities.bogus = 'x';
      c.process.capabilities.effective = ['CAP_KILL'];
      c.process.capabilities.permitted = ['CAP_KILL'];
      c.hooks = { bogus: 'y' };
    });
    const r = oci(b, ['run', id]);
    expect(r.stderr).not.toMatch(INTERNAL);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^CapEff:\s+0000000000000020$/m);
  });

  test('an unknown capability name is warned about and skipped (runtime-spec: SHOULD NOT fail)', () => {
    b = makeBundle(['sh', '-c', 'grep CapEff /proc/self/status'], (c) => {
      c.process.capabilities.effective = ['CAP_KILL', 'CAP_NOT_A_THING'];
      c.process.capabilities.permitted = ['CAP_KILL'];
    });
    const r = oci(b, ['run', id]);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/level=warning msg="\/process\/capabilities\/effective\/1: \\"CAP_NOT_A_THING\\" is not a known capability/);
    expect(r.stdout).toMatch(/^CapEff:\s+0000000000000020$/m);
  });

  test('--preserve-fds -1 names the flag (was "sendmsg: Broken pipe"); more fds than were passed too', () => {
    b = makeBundle();
    refused(b, id, /^invalid value "-1" for flag -preserve-fds: must be a count of file descriptors \(0 or more\)$/, ['--preserve-fds', '-1']);
    refused(b, id, /^--preserve-fds 3: file descriptor 3 is not open \(0 passed from 3 up\)$/, ['--preserve-fds', '3']);
  });

  test('a read-only --root says "read-only file system" (was ENOENT)', () => {
    b = makeBundle();
    // outside the bundle: a mount under it would count as a leftover
    const ro = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-ts-ro-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=16k', 'tmpfs', ro]);
    extra.push(() => {
      execFileSync('umount', [ro]);
      fs.rmdirSync(ro);
    });
    const r1 = run([OCI_TS, '--root', path.join(ro, 'state'), 'create', id], { cwd: b.dir });
    expect(errorLines(r1.stderr)).toEqual([`--root ${ro}/state: mkdir ${ro}/state: read-only file system`]);
    expect(r1.status).toBe(1);
    const r2 = run([OCI_TS, '--root', ro, 'create', id], { cwd: b.dir });
    expect(errorLines(r2.stderr)).toHaveLength(1);
    expect(r2.stderr).toMatch(new RegExp(`^--root ${ro}: mkdir ${ro}/\\S+: read-only file system$`, 'm'));
    expect(r2.status).toBe(1);
    expect(ownLeftovers(b, id)).toEqual([]);
  });

  test('linux.sysctl kernel.hostname / kernel.domainname are refused with the pointer (runc)', () => {
    b = makeBundle(['true'], (c) => (c.linux.sysctl = { 'kernel.hostname': 'x' }));
    refused(b, id, /^config\.json \/linux\/sysctl\/kernel\.hostname: "kernel\.hostname" is not allowed: set \/hostname instead$/);
    b.config.linux.sysctl = { 'kernel.domainname': 'x' };
    b.write();
    refused(b, id, /^config\.json \/linux\/sysctl\/kernel\.domainname: .* set \/domainname instead$/);
  });

  test('--log naming a path that cannot be written is an error, not silently ignored (issue 15)', () => {
    b = makeBundle();
    refused(b, id, /^--log \/nonexistent-oci-ts-dir\/x\.log: no such file or directory$/, [], ['--log', '/nonexistent-oci-ts-dir/x.log']);
    refused(b, id, new RegExp(`^--log ${b.dir}: is a directory$`), [], ['--log', b.dir]);
    // a --log that does not exist yet is created on the first line, as before
    const log = path.join(b.dir, 'new.log');
    const r = run([OCI_TS, '--log', log, '--root', b.root, 'state', 'nonexistent-' + id], { cwd: b.dir });
    expect(r.status).toBe(1);
    expect(fs.readFileSync(log, 'utf8')).toMatch(/level=error msg="container nonexistent-\S+ does not exist"/);
  });

  test('a config without process names /process', () => {
    b = makeBundle(['true'], (c) => delete c.process);
    refused(b, id, /^config\.json \/process: is required to create a container$/);
  });

  test('errors stay on one line when the config carries a newline', () => {
    b = makeBundle(['true'], (c) => (c.linux.sysctl = { 'vm.x\ny': '1' }));
    refused(b, id, /^config\.json \/linux\/sysctl\/vm\.x\\ny: "vm\.x\\ny" is not in a separate kernel namespace/);
  });

  test('hostile ids and signals: one line naming the argument', () => {
    b = makeBundle();
    for (const bad of ['a/b', '..', 'x'.repeat(1024), '']) {
      const r = oci(b, ['create', bad]);
      expect(errorLines(r.stderr)).toHaveLength(1);
      expect(r.stderr).toMatch(/container id/);
      expect(r.status).toBe(1);
    }
    const r = oci(b, ['kill', id, 'SIGFOO']);
    expect(r.status).toBe(1);
    expect(errorLines(r.stderr)).toHaveLength(1);
    expect(r.stderr).not.toMatch(INTERNAL);
  });

  test('--pid-file in a missing directory: one line naming the flag, the container removed', () => {
    b = makeBundle();
    refused(b, id, /^--pid-file \/nonexistent-oci-ts-dir\/pid: writing \/nonexistent-oci-ts-dir\/pid: no such file or directory$/, ['--pid-file', '/nonexistent-oci-ts-dir/pid']);
  });
});
