/**
 * Every failure point of `create` cleans up: after the failed create there is no state dir, no
 * cgroup dir, no oci-ts-init process, no mount under the bundle and no new host mount; the exit
 * status is 1 and stderr names the config field (JSON pointer) or flag that was wrong.
 */
import * as fs from 'fs';
import * as path from 'path';
import { describeRoot, makeBundle, oci, ociOk, cleanup, uniqueId, Bundle } from './helpers';
import { ownLeftovers, mountPoints, newMounts, processesWith, ociSpawn, script, waitFor, sleep, removeCgroupDirs } from './cleanup-helpers';

/** create must fail with status 1, `message` on stderr, and leave nothing behind. */
function expectCleanFailure(b: Bundle, id: string, message: RegExp, extra: string[] = []): string {
  const before = mountPoints();
  const r = oci(b, ['create', ...extra, id]);
  expect(r.stderr).toMatch(message);
  expect(r.status).toBe(1);
  expect(ownLeftovers(b, id)).toEqual([]);
  expect(newMounts(before, b)).toEqual([]);
  return r.stderr;
}

/** A hook script in the bundle dir that reads its state, says why on stderr and exits 1. */
function failingHook(b: Bundle, kind: string, body = ''): string {
  return script(path.join(b.dir, `fail-${kind}.sh`), `#!/bin/sh\ncat >/dev/null\n${body}\necho "hook ${kind} failing" >&2\nexit 1\n`);
}

describeRoot('create failures clean up', () => {
  let b: Bundle;
  let id: string;
  beforeEach(() => {
    id = uniqueId('cf');
  });
  afterEach(() => {
    cleanup(b);
    removeCgroupDirs(id);
  });

  test('invalid config: relative process.cwd names /process/cwd', () => {
    b = makeBundle(['true'], (c) => (c.process.cwd = 'relative/dir'));
    expectCleanFailure(b, id, /\/process\/cwd\b.*absolute/);
  });

  test('invalid config: unknown namespace type names /linux/namespaces/N/type', () => {
    let n = 0;
    b = makeBundle(['true'], (c) => {
      n = c.linux.namespaces.length;
      c.linux.namespaces.push({ type: 'bogus' });
    });
    expectCleanFailure(b, id, new RegExp(`/linux/namespaces/${n}/type\\b`));
  });

  test('config.json that is not JSON', () => {
    b = makeBundle();
    fs.writeFileSync(path.join(b.dir, 'config.json'), '{"ociVersion": ');
    expectCleanFailure(b, id, /config\.json.*(invalid JSON|Unexpected end)/i);
  });

  test('missing bundle directory names the bundle', () => {
    b = makeBundle();
    const missing = path.join(b.dir, 'no-such-bundle');
    expectCleanFailure(b, id, new RegExp(`bundle ${missing}: no such file or directory`), ['--bundle', missing]);
  });

  test('bundle without config.json', () => {
    b = makeBundle();
    fs.unlinkSync(path.join(b.dir, 'config.json'));
    expectCleanFailure(b, id, /config\.json: no such file or directory/);
  });

  test('root.path missing names /root/path', () => {
    b = makeBundle(['true'], (c) => (c.root.path = 'no-rootfs-here'));
    expectCleanFailure(b, id, /\/root\/path\b.*no-rootfs-here.*no such file or directory/);
  });

  test('bind mount whose source does not exist names /mounts/N', () => {
    let n = 0;
    b = makeBundle(['true'], (c) => {
      n = c.mounts.length;
      c.mounts.push({ destination: '/mnt', type: 'bind', source: '/nonexistent-oci-ts-src', options: ['bind'] });
    });
    expectCleanFailure(b, id, new RegExp(`/mounts/${n}(/source)?\\b.*nonexistent-oci-ts-src`));
  });

  test('mount of an unknown filesystem type names /mounts/N', () => {
    let n = 0;
    b = makeBundle(['true'], (c) => {
      n = c.mounts.length;
      c.mounts.push({ destination: '/mnt', type: 'nosuchfs', source: 'none' });
    });
    // the earlier mounts (proc, tmpfs /dev, ...) were made in the container's mount namespace
    expectCleanFailure(b, id, new RegExp(`/mounts/${n}\\b.*no such device`));
  });

  test('namespace path that does not exist names /linux/namespaces/N/path', () => {
    let n = 0;
    b = makeBundle(['true'], (c) => {
      n = c.linux.namespaces.findIndex((x: any) => x.type === 'network');
      c.linux.namespaces[n].path = '/proc/999999999/ns/net';
    });
    expectCleanFailure(b, id, new RegExp(`/linux/namespaces/${n}/path\\b.*no such file or directory`));
  });

  test('namespace path of the wrong type names /linux/namespaces/N/path', () => {
    let n = 0;
    b = makeBundle(['true'], (c) => {
      n = c.linux.namespaces.findIndex((x: any) => x.type === 'network');
      c.linux.namespaces[n].path = '/proc/self/ns/ipc';
    });
    expectCleanFailure(b, id, new RegExp(`/linux/namespaces/${n}/path\\b.*not a network namespace`));
  });

  for (const kind of ['createRuntime', 'prestart']) {
    test(`a ${kind} hook that exits 1 names /hooks/${kind}/0`, () => {
      b = makeBundle(['true']);
      const hook = failingHook(b, kind);
      b.config.hooks = { [kind]: [{ path: hook }] };
      b.write();
      expectCleanFailure(b, id, new RegExp(`/hooks/${kind}/0\\b.*exit status 1.*hook ${kind} failing`));
      expect(processesWith(hook)).toEqual([]);
    });
  }

  test('a createContainer hook that exits 1 names /hooks/createContainer/0; what it started inside is killed', () => {
    b = makeBundle(['true']);
    const marker = `${1000 + Math.floor(Math.random() * 8000)}.${process.pid}`;
    // the hook runs in the container's namespaces and cgroup: its background child must not survive
    const hook = failingHook(b, 'createContainer', `sleep ${marker} </dev/null >/dev/null 2>&1 &`);
    b.config.hooks = { createContainer: [{ path: hook }] };
    b.write();
    expectCleanFailure(b, id, /\/hooks\/createContainer\/0\b.*(exit status|exited with status) 1/);
    expect(processesWith(hook)).toEqual([]);
    const left = processesWith(`sleep ${marker}`);
    for (const p of left) process.kill(Number(p.split(' ')[0]), 'SIGKILL');
    expect(left).toEqual([]);
  });

  describe('a failing startContainer hook', () => {
    function createWithFailingStartHook(): ReturnType<typeof ociSpawn> {
      b = makeBundle(['sleep', '60']);
      // startContainer hooks are resolved inside the container: the script lives in the rootfs
      script(path.join(b.rootfs, 'fail-start.sh'), '#!/bin/sh\ncat >/dev/null\necho "hook startContainer failing" >&2\nexit 1\n');
      b.config.hooks = { startContainer: [{ path: '/fail-start.sh' }] };
      b.write();
      return ociSpawn(b, ['create', id], { name: 'create' });
    }

    test('create succeeds; after start the container is stopped and the hook failure is reported', async () => {
      const c = createWithFailingStartHook();
      expect(await c.exited).toBe(0);
      expect(JSON.parse(ociOk(b, ['state', id])).status).toBe('created');
      const start = oci(b, ['--log', path.join(b.dir, 'start.log'), 'start', id]);
      // as runc: start returns once the init has read the fifo byte; the hook runs after that
      expect(start.status).toBe(0);
      waitFor(() => JSON.parse(ociOk(b, ['state', id])).status === 'stopped');
      // the program never ran: its sleep would keep the container running for a minute
      expect(JSON.parse(ociOk(b, ['state', id])).pid).toBe(0);
      // the error goes to the container's stderr, which the init inherited from create
      waitFor(() => /status 1/.test(c.stderr()));
      expect(c.stderr()).toMatch(/hook .*fail-start\.sh.* status 1/);
      ociOk(b, ['delete', id]);
      expect(ownLeftovers(b, id)).toEqual([]);
    });

    // After start nobody reads the sync socket: the init says it on the container's stderr, and
    // the message names the config field, not a plan step number or an errno text.
    test('the reported startContainer failure names /hooks/startContainer/0', async () => {
      const c = createWithFailingStartHook();
      expect(await c.exited).toBe(0);
      const start = oci(b, ['start', id]);
      waitFor(() => JSON.parse(ociOk(b, ['state', id])).status === 'stopped');
      waitFor(() => /status 1/.test(c.stderr()), 2000);
      expect(start.stderr + c.stderr()).toMatch(/\/hooks\/startContainer\/0\b/);
      expect(c.stderr()).not.toMatch(/Operation canceled/);
    });
  });

  test('process.cwd under a regular file names /process/cwd (a missing cwd is made, as runc does)', () => {
    b = makeBundle(['true'], (c) => (c.process.cwd = '/etc/passwd/dir'));
    expectCleanFailure(b, id, /\/process\/cwd\b.*\/etc\/passwd\/dir.*not a directory/);
  });

  test('args[0] not found: executable file not found in $PATH', () => {
    b = makeBundle(['no-such-program-xyz']);
    expectCleanFailure(b, id, /\/process\/args\/0\b.*"no-such-program-xyz": executable file not found in \$PATH/);
  });

  test('--console-socket that does not exist names the flag', () => {
    b = makeBundle(['true'], (c) => (c.process.terminal = true));
    const sock = path.join(b.dir, 'no-such.sock');
    expectCleanFailure(b, id, new RegExp(`--console-socket ${sock}: no such file or directory`), ['--console-socket', sock]);
  });

  test('terminal: true without --console-socket does not hang', () => {
    b = makeBundle(['sleep', '60'], (c) => (c.process.terminal = true));
    const t0 = Date.now();
    const r = oci(b, ['create', id], { timeout: 15000 });
    expect(Date.now() - t0).toBeLessThan(10000);
    expect([0, 1]).toContain(r.status);
    if (r.status === 0) ociOk(b, ['delete', '--force', id]);
    expect(ownLeftovers(b, id)).toEqual([]);
  });

  // runc refuses this too ("cannot allocate tty if runc will detach without setting console
  // socket"): a pty whose master nobody holds is useless.
  test('terminal: true without --console-socket fails as runc does, naming --console-socket', () => {
    b = makeBundle(['sleep', '60'], (c) => (c.process.terminal = true));
    expectCleanFailure(b, id, /console.socket/);
  });

  test('a duplicate id fails and leaves the first container untouched', () => {
    b = makeBundle(['sleep', '60']);
    const pidFile = path.join(b.dir, 'first.pid');
    ociOk(b, ['create', '--pid-file', pidFile, id]);
    const stateFile = path.join(b.root, id, 'state.json');
    const savedBefore = fs.readFileSync(stateFile, 'utf8');
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    const cgroupsBefore = ownLeftovers(b, id).filter((l) => l.startsWith('cgroup'));
    expect(cgroupsBefore.length).toBeGreaterThan(0);
    const r = oci(b, ['create', '--pid-file', path.join(b.dir, 'second.pid'), id]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/container with given ID already exists/);
    expect(fs.existsSync(path.join(b.dir, 'second.pid'))).toBe(false);
    expect(fs.readFileSync(stateFile, 'utf8')).toBe(savedBefore);
    expect(fs.existsSync(path.join(b.root, id, 'exec.fifo'))).toBe(true);
    expect(ownLeftovers(b, id).filter((l) => l.startsWith('cgroup'))).toEqual(cgroupsBefore);
    const st = JSON.parse(ociOk(b, ['state', id]));
    expect(st).toMatchObject({ status: 'created', pid });
    expect(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8')).toMatch(/^oci-ts-init/);
    ociOk(b, ['start', id]);
    expect(JSON.parse(ociOk(b, ['state', id])).status).toBe('running');
    expect(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8')).toBe('sleep\x0060\x00');
  });

  test('an invalid id ("../x") is rejected before anything is made', () => {
    b = makeBundle(['sleep', '60']);
    const before = mountPoints();
    const r = oci(b, ['create', '../x']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/invalid container id format: \.\.\/x/);
    expect(fs.existsSync(path.join(b.dir, 'x'))).toBe(false);
    expect(fs.existsSync(b.root) ? fs.readdirSync(b.root) : []).toEqual([]);
    for (const h of fs.readdirSync('/sys/fs/cgroup')) expect(fs.existsSync(path.join('/sys/fs/cgroup', h, 'x'))).toBe(false);
    expect(ownLeftovers(b, '../x')).toEqual([]);
    expect(newMounts(before, b)).toEqual([]);
  });

  test('a sysctl that is not namespaced names /linux/sysctl/KEY', () => {
    b = makeBundle(['true'], (c) => (c.linux.sysctl = { 'vm.swappiness': '10' }));
    expectCleanFailure(b, id, /\/linux\/sysctl\/vm\.swappiness\b.*not in a separate kernel namespace/);
  });

  describe('create killed with SIGKILL while a createRuntime hook runs', () => {
    let marker: string;
    afterEach(() => {
      for (const p of processesWith(`sleep ${marker}`)) process.kill(Number(p.split(' ')[0]), 'SIGKILL');
    });

    async function killMidway(): Promise<void> {
      b = makeBundle(['sleep', '60']);
      marker = `30.${process.pid}${Math.floor(Math.random() * 1000)}`;
      const started = path.join(b.dir, 'hook-started');
      const hook = script(path.join(b.dir, 'slow.sh'), `#!/bin/sh\ncat >/dev/null\ntouch ${started}\nexec sleep ${marker}\n`);
      b.config.hooks = { createRuntime: [{ path: hook }] };
      b.write();
      const c = ociSpawn(b, ['create', id], { name: 'create' });
      waitFor(() => fs.existsSync(started), 10000);
      c.child.kill('SIGKILL');
      expect(await c.exited).toBe(null);
      // let the orphaned init notice that its parent is gone
      sleep(300);
    }

    test('what remains: a state dir whose state.json says stopped, cgroups, the hook; no init, no mount', async () => {
      await killMidway();
      const left = ownLeftovers(b, id);
      // the runtime cannot clean up after SIGKILL: these are what `delete --force` must remove
      expect(left).toContain(`state dir ${path.join(b.root, id)}`);
      // create writes a first state.json (with the cgroups it made) before it launches anything
      expect(fs.existsSync(path.join(b.root, id, 'state.json'))).toBe(true);
      expect(left.some((l) => l.startsWith('cgroup '))).toBe(true);
      // the init dies with its parent (no orphaned oci-ts-init), and its mounts with its namespace
      expect(left.filter((l) => l.startsWith('process ') || l.startsWith('mount '))).toEqual([]);
      // the createRuntime hook runs in the runtime's namespaces, outside the container's cgroup: orphaned
      expect(processesWith(`sleep ${marker}`)).toHaveLength(1);
      // the creating process is gone, so the container is stopped (never "creating" forever)
      expect(JSON.parse(oci(b, ['state', id]).stdout)).toMatchObject({ id, status: 'stopped', pid: 0 });
    });

    // the first state.json names the cgroups create made, so delete --force removes them too
    test('delete --force afterwards removes everything', async () => {
      await killMidway();
      const d = oci(b, ['delete', '--force', id]);
      expect(d.status).toBe(0);
      expect(ownLeftovers(b, id)).toEqual([]);
    });
  });
});
