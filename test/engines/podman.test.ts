/**
 * podman (4.3) with conmon, oci-ts as the runtime (`--runtime`, through a logging wrapper around
 * bin/oci-ts), everything private: --root/--runroot/--tmpdir and containers.conf under a temp
 * directory, the cgroupfs manager, the file events logger, no network, and `--rootfs` from a
 * busybox-static tree made here. After each test nothing of its container is left.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  SERVICE_ENV, Sh, cgroupsNaming, describeEngine, makeRootfs, makeWrapper, mountsNaming, onTty, processesNaming,
  checkEngineCalls, sh, sleep, unmountUnder, until,
} from './engines-helpers';

jest.setTimeout(180000);

describeEngine('podman', ['podman', 'conmon', 'script'])('podman with conmon', () => {
  let tmp: string;
  let rootfs: string;
  let wrapper: string;
  let invocations: string;
  let env: NodeJS.ProcessEnv;
  let base: string[];
  let n = 0;
  const newName = () => `oci-ts-pm-${process.pid}-${++n}`;

  const pm = (args: string[], timeout?: number): Sh => sh(['podman', ...base, ...args], { env, timeout });
  const pmLine = (args: string) => `podman ${base.join(' ')} ${args}`;
  const run = (args: string[]) => ['run', '--network', 'none', ...args];
  const fullId = (name: string) => pm(['inspect', '--format', '{{.Id}}', name]).stdout.trim();
  /** `--cidfile` for a `run --rm` container, and the full id podman wrote there */
  const cidfile = (name: string) => path.join(tmp, `${name}.cid`);
  const cid = (name: string) => fs.readFileSync(cidfile(name), 'utf8').trim();
  const status = (name: string) => pm(['inspect', '--format', '{{.State.Status}}', name]).stdout.trim();

  const leftovers = (name: string, id: string): string[] => [
    ...pm(['ps', '-a', '--format', '{{.Names}}']).stdout.split('\n').filter((l) => l.trim() === name).map((l) => `container ${l}`),
    ...(id && fs.existsSync(`/run/oci-ts/${id}`) ? [`state /run/oci-ts/${id}`] : []),
    ...(id ? [...mountsNaming(id), ...cgroupsNaming(id), ...processesNaming(id)] : []),
  ];
  const expectNothingLeft = async (name: string, id: string) => {
    let left: string[] = [];
    try {
      await until('the container to be gone', () => (left = leftovers(name, id)).length === 0, 20000);
    } catch {
      /* reported below */
    }
    expect(left).toEqual([]);
  };

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-ts-podman-'));
    invocations = path.join(tmp, 'invocations.log');
    wrapper = makeWrapper(tmp, invocations);
    rootfs = makeRootfs(tmp);
    // podman's default nofile/nproc (1048576) cannot be granted where the caller's hard limits are
    // lower: ask for what this process has
    const limits = fs.readFileSync('/proc/self/limits', 'utf8');
    const hard = (re: RegExp, cap: number) => {
      const v = re.exec(limits)?.[1];
      return v === undefined || v === 'unlimited' ? cap : Math.min(Number(v), cap);
    };
    const nofile = hard(/^Max open files\s+\S+\s+(\S+)/m, 1024);
    const nproc = hard(/^Max processes\s+\S+\s+(\S+)/m, 4096);
    fs.writeFileSync(path.join(tmp, 'containers.conf'), `[containers]
default_ulimits = ["nofile=${nofile}:${nofile}", "nproc=${nproc}:${nproc}"]
netns = "none"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "${tmp}/events.log"
runtime_supports_json = ["crun", "runc", "kata", "runsc", "krun", "oci-ts"]
`);
    env = { ...SERVICE_ENV, HOME: '/root', CONTAINERS_CONF: path.join(tmp, 'containers.conf') };
    base = ['--root', `${tmp}/root`, '--runroot', `${tmp}/runroot`, '--tmpdir', `${tmp}/tmp`,
      '--cgroup-manager', 'cgroupfs', '--events-backend', 'file', '--runtime', wrapper];
  });

  afterAll(() => {
    if (!tmp) return;
    pm(['rm', '-af', '-t', '0']);
    unmountUnder(tmp);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('run --rm: output and exit code', async () => {
    const name = newName();
    const r = pm(run(['--rm', '--name', name, '--cidfile', cidfile(name), '--rootfs', rootfs, 'sh', '-c', 'echo out-$((6*7)); exit 3']));
    expect(r.stdout).toBe('out-42\n');
    expect(r.status).toBe(3);
    expect(cid(name)).toMatch(/^[0-9a-f]{64}$/);
    await expectNothingLeft(name, cid(name));
    expect(pm(['ps', '-a', '-q']).stdout.trim()).toBe('');
  });

  test('run -d, exec (plain, -t, --user, statuses 0/7/126/127), stop, rm', async () => {
    const name = newName();
    const d = pm(run(['-d', '--name', name, '--rootfs', rootfs, 'sleep', '1000']));
    expect(d.status).toBe(0);
    const id = fullId(name);
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    try {
      expect(status(name)).toBe('running');
      const e = pm(['exec', name, 'sh', '-c', 'echo hi $(id -u)']);
      expect([e.status, e.stdout]).toEqual([0, 'hi 0\n']);
      const u = pm(['exec', '--user', '1000:1000', name, 'sh', '-c', 'echo $(id -u):$(id -g)']);
      expect([u.status, u.stdout]).toEqual([0, '1000:1000\n']);
      const t = onTty(pmLine(`exec -t ${name} sh -c 'test -t 0 && echo is-a-tty'`), env);
      expect(t.all).toMatch(/^is-a-tty$/m);
      expect(pm(['exec', name, 'sh', '-c', 'exit 7']).status).toBe(7);
      expect(pm(['exec', name, '/etc/passwd']).status).toBe(126);
      expect(pm(['exec', name, 'nosuch']).status).toBe(127);

      const s = pm(['stop', '-t', '1', name]);
      expect(s.status).toBe(0);
      expect(status(name)).toBe('exited');
      expect(pm(['rm', name]).status).toBe(0);
      await expectNothingLeft(name, id);
    } finally {
      pm(['rm', '-f', '-t', '0', name]);
    }
  });

  test('run -t: the process has a terminal', async () => {
    const name = newName();
    const t = onTty(`${pmLine(`run --network none --rm -t --name ${name} --cidfile ${cidfile(name)} --rootfs ${rootfs} sh -c 'test -t 0 && test -t 1 && echo is-a-tty; exit 4'`)}; echo rc=$?`, env);
    expect(t.all).toMatch(/^is-a-tty$/m);
    expect(t.all).toMatch(/^rc=4$/m);
    await expectNothingLeft(name, cid(name));
  });

  test('--memory, --pids-limit, --read-only, --cap-drop ALL, --user are visible inside', async () => {
    const name = newName();
    const r = pm(run(['--rm', '--name', name, '--cidfile', cidfile(name), '--memory', '64m', '--pids-limit', '50', '--read-only', '--cap-drop', 'ALL',
      '--rootfs', rootfs, 'sh', '-c',
      'cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max; ' +
      'cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max; ' +
      'grep CapEff /proc/self/status; touch /ro-probe 2>/dev/null && echo writable || echo read-only']));
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n')).toEqual([String(64 * 1024 * 1024), '50', 'CapEff:\t0000000000000000', 'read-only', '']);
    expect(fs.existsSync(path.join(rootfs, 'ro-probe'))).toBe(false);

    const u = pm(run(['--rm', '--name', `${name}-u`, '--cidfile', cidfile(`${name}-u`), '--user', '1000:1000', '--rootfs', rootfs, 'sh', '-c', 'echo $(id -u):$(id -g)']));
    expect([u.status, u.stdout]).toEqual([0, '1000:1000\n']);
    await expectNothingLeft(name, cid(name));
    await expectNothingLeft(`${name}-u`, cid(`${name}-u`));
  });

  test('pause/unpause freeze the container; update changes its memory limit; top lists its processes', async () => {
    const name = newName();
    const counter = `/tmp/count-${name}`;
    const d = pm(run(['-d', '--name', name, '--memory', '256m', '--rootfs', rootfs, 'sh', '-c',
      `i=0; while true; do i=$((i+1)); echo $i >${counter}; usleep 50000; done`]));
    expect(d.status).toBe(0);
    const id = fullId(name);
    try {
      const read = () => { try { return fs.readFileSync(path.join(rootfs, counter), 'utf8'); } catch { return ''; } };
      await until('the counter to run', () => read() !== '');

      const top = pm(['top', name]);
      expect(top.status).toBe(0);
      expect(top.stdout).toMatch(/\bsh -c i=0/);

      expect(pm(['pause', name]).status).toBe(0);
      expect(status(name)).toBe('paused');
      const a = read();
      await sleep(1000);
      expect(read()).toBe(a);
      expect(pm(['unpause', name]).status).toBe(0);
      expect(status(name)).toBe('running');
      await until('the counter to move after unpause', () => read() !== a, 10000);

      const up = pm(['update', '--memory', '128m', '--memory-swap', '256m', name]);
      expect(up.all).not.toMatch(/error/i);
      expect(up.status).toBe(0);
      const mem = pm(['exec', name, 'sh', '-c', 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max']);
      expect([mem.status, mem.stdout.trim()]).toEqual([0, String(128 * 1024 * 1024)]);

      expect(pm(['rm', '-f', '-t', '0', name]).status).toBe(0);
      await expectNothingLeft(name, id);
    } finally {
      pm(['rm', '-f', '-t', '0', name]);
      fs.rmSync(path.join(rootfs, counter), { force: true });
    }
  });

  test('every runtime command and flag podman and conmon sent is one oci-ts implements', () => {
    checkEngineCalls(invocations, 'podman', ['create', 'start', 'delete', 'exec', 'kill', 'pause', 'resume', 'update']);
  });
});
