/**
 * containerd (1.6, its runc v2 shim and ctr) with oci-ts as the runtime, the way a user of
 * containerd would have it: a private daemon (own config, root, state directory and sockets under
 * a temp directory), a busybox image built here from busybox-static and imported (no pull), and
 * every runtime call going through a logging wrapper around bin/oci-ts. After each test nothing of
 * its container is left: no container or task record, state directory, mount, cgroup or process.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  SERVICE_ENV, Sh, cgroupsNaming, describeEngine, makeImageTar, makeRootfs, makeWrapper, mountsNaming, onTty,
  checkEngineCalls, processesNaming, readInvocations, sh, sleep, unmountUnder, until,
} from './engines-helpers';
import { Cri, criClient } from './cri/client';

jest.setTimeout(180000);

const IMAGE = 'docker.io/library/busybox:oci-ts-test';
/** The CRI sandbox ("pause") image: busybox waiting for a signal */
const PAUSE = 'registry.k8s.io/pause:oci-ts-test';

describeEngine('containerd', ['containerd', 'ctr', 'containerd-shim-runc-v2', 'script'])('containerd through ctr', () => {
  let tmp: string;
  let daemon: ChildProcess | undefined;
  let wrapper: string;
  let invocations: string;
  let runtimeRoot: string;
  let sock: string;
  const ns = `oci-ts-test-${process.pid}`;
  let n = 0;
  let hadRunContainerd = true;
  const newId = () => `oci-ts-eng-${process.pid}-${++n}`;

  const ctr = (args: string[], timeout?: number): Sh => sh(['ctr', '-a', sock, '-n', ns, ...args], { timeout });
  const ctrLine = (args: string) => `ctr -a ${sock} -n ${ns} ${args}`;
  const runArgs = () => ['--runc-binary', wrapper, '--runc-root', runtimeRoot];
  const taskStatus = (id: string) => {
    const line = ctr(['task', 'ls']).stdout.split('\n').find((l) => l.split(/\s+/)[0] === id);
    return line ? line.trim().split(/\s+/)[2] : undefined;
  };

  /** What is left of container `id`: records, oci-ts state, mounts, cgroups, processes (the shim too). */
  const leftovers = (id: string): string[] => [
    ...ctr(['container', 'ls', '-q']).stdout.split('\n').filter((l) => l.trim() === id).map((l) => `container ${l}`),
    ...(taskStatus(id) ? [`task ${id} ${taskStatus(id)}`] : []),
    ...(fs.existsSync(path.join(runtimeRoot, ns, id)) ? [`state ${path.join(runtimeRoot, ns, id)}`] : []),
    ...mountsNaming(id),
    ...cgroupsNaming(id),
    ...processesNaming(id),
  ];
  // the shim exits and unmounts asynchronously after `task delete`
  const expectNothingLeft = async (id: string) => {
    let left: string[] = [];
    try {
      await until('the container to be gone', () => (left = leftovers(id)).length === 0, 20000);
    } catch {
      /* reported below */
    }
    expect(left).toEqual([]);
  };
  const removeAll = (id: string) => {
    ctr(['task', 'kill', '-a', '-s', 'KILL', id]);
    ctr(['task', 'delete', '-f', id]);
    ctr(['container', 'delete', id]);
  };

  beforeAll(async () => {
    hadRunContainerd = fs.existsSync('/run/containerd');
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-ts-containerd-'));
    runtimeRoot = path.join(tmp, 'runtime-root');
    invocations = path.join(tmp, 'invocations.log');
    wrapper = makeWrapper(tmp, invocations);
    sock = path.join(tmp, 'containerd.sock');
    fs.writeFileSync(path.join(tmp, 'config.toml'), `version = 2
root = "${tmp}/root"
state = "${tmp}/state"
disabled_plugins = ["io.containerd.internal.v1.opt", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs"]
[grpc]
  address = "${sock}"
[ttrpc]
  address = "${sock}.ttrpc"
[debug]
  address = "${tmp}/debug.sock"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${PAUSE}"
  disable_tcp_service = true
  # the sandbox's oom_score_adj -998 needs CAP_SYS_RESOURCE, which a test machine may lack
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
[plugins."io.containerd.grpc.v1.cri".cni]
  bin_dir = "${tmp}/cni-bin"
  conf_dir = "${tmp}/cni-conf"
[plugins."io.containerd.grpc.v1.cri".containerd]
  default_runtime_name = "oci-ts"
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.oci-ts]
  runtime_type = "io.containerd.runc.v2"
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.oci-ts.options]
  BinaryName = "${wrapper}"
  Root = "${runtimeRoot}"
`);
    const log = fs.openSync(path.join(tmp, 'containerd.log'), 'w');
    daemon = spawn('containerd', ['--config', path.join(tmp, 'config.toml')], { stdio: ['ignore', log, log], env: SERVICE_ENV });
    fs.closeSync(log);
    await until('containerd to answer', () => {
      if (daemon?.exitCode !== null) throw new Error(`containerd exited: ${fs.readFileSync(path.join(tmp, 'containerd.log'), 'utf8').slice(-2000)}`);
      return ctr(['version'], 10000).status === 0;
    }, 60000);
    const rootfs = makeRootfs(tmp);
    const tar = makeImageTar(rootfs, tmp, IMAGE);
    const pause = makeImageTar(rootfs, tmp, PAUSE, ['sh', '-c', "trap 'exit 0' TERM INT; sleep 2147483647 & wait"]);
    // ctr's namespace, and k8s.io, where the CRI plugin looks for images
    for (const [n, t, ref] of [[ns, tar, IMAGE], ['k8s.io', tar, IMAGE], ['k8s.io', pause, PAUSE]]) {
      const imp = sh(['ctr', '-a', sock, '-n', n, 'images', 'import', t]);
      expect(imp.all).toContain(ref);
      expect(imp.status).toBe(0);
    }
  });

  afterAll(async () => {
    if (daemon && daemon.exitCode === null) {
      for (const id of ctr(['container', 'ls', '-q']).stdout.split('\n').filter(Boolean)) removeAll(id);
      ctr(['images', 'rm', IMAGE]);
      daemon.kill('SIGTERM');
      try {
        await until('containerd to stop', () => daemon?.exitCode !== null || daemon?.signalCode !== null, 20000);
      } catch {
        daemon.kill('SIGKILL');
      }
    }
    if (tmp) {
      unmountUnder(tmp);
      fs.rmSync(tmp, { recursive: true, force: true });
    }
    // the shims put their sockets under /run/containerd whatever the daemon's config says
    if (!hadRunContainerd) {
      for (const d of ['/run/containerd/s', '/run/containerd/fifo', `/run/containerd/runc/${ns}`, '/run/containerd/runc', '/run/containerd']) {
        try { fs.rmdirSync(d); } catch { /* not empty: someone else's */ }
      }
    }
  });

  test('ctr run: a container runs to completion with its stdout and exit code', async () => {
    const id = newId();
    const r = ctr(['run', '--rm', ...runArgs(), IMAGE, id, 'sh', '-c', 'echo out-$((6*7)); echo err >&2; exit 3']);
    expect(r.stdout).toBe('out-42\n');
    expect(r.stderr).toContain('err');
    expect(r.status).toBe(3);
    await expectNothingLeft(id);
  });

  test('ctr run -d, task ps, task exec with and without a tty, task kill, task delete', async () => {
    const id = newId();
    try {
      // a pid 1 without a handler ignores SIGTERM: this one exits 9 on it
      const d = ctr(['run', '-d', ...runArgs(), IMAGE, id, 'sh', '-c', 'trap "exit 9" TERM; sleep 1000 & wait']);
      expect(d.all).toBe('');
      expect(d.status).toBe(0);
      await until('task RUNNING', () => taskStatus(id) === 'RUNNING');

      const e = ctr(['task', 'exec', '--exec-id', 'e1', id, 'sh', '-c', 'echo hi $(id -u); exit 7']);
      expect(e.stdout).toBe('hi 0\n');
      expect(e.status).toBe(7);
      const u = ctr(['task', 'exec', '--exec-id', 'e2', '--user', '1000', id, 'id', '-u']);
      expect([u.status, u.stdout]).toEqual([0, '1000\n']);

      const t = onTty(`${ctrLine(`task exec -t --exec-id e3 ${id} sh -c 'test -t 0 && echo is-a-tty; exit 5'`)}; echo rc=$?`);
      expect(t.all).toMatch(/^is-a-tty$/m);
      expect(t.all).toMatch(/^rc=5$/m);

      const ps = ctr(['task', 'ps', id]);
      expect(ps.status).toBe(0);
      const pids = ps.stdout.trim().split('\n').slice(1).map((l) => Number(l.trim().split(/\s+/)[0]));
      expect(pids.length).toBe(2);
      expect(pids.map((p) => fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0')[0]).sort()).toEqual(['sh', 'sleep']);

      const missing = ctr(['task', 'exec', '--exec-id', 'e4', id, 'nosuch']);
      expect(missing.status).not.toBe(0);
      expect(missing.all).toContain('executable file not found in $PATH');

      const k = ctr(['task', 'kill', id]); // SIGTERM
      expect(k.status).toBe(0);
      await until('task STOPPED after kill', () => taskStatus(id) === 'STOPPED');
      const del = ctr(['task', 'delete', id]);
      expect(del.status).toBe(0);
      expect(taskStatus(id)).toBeUndefined();
      expect(ctr(['container', 'delete', id]).status).toBe(0);
      await expectNothingLeft(id);
    } finally {
      removeAll(id);
    }
  });

  test('task pause/resume freeze the container; task metrics; a memory limit is visible inside', async () => {
    const id = newId();
    try {
      const limit = 64 * 1024 * 1024;
      // ctr's default spec has no /sys/fs/cgroup mount (CRI adds one): add it as CRI does
      const d = ctr(['run', '-d', '--memory-limit', String(limit),
        '--mount', 'type=cgroup,src=cgroup,dst=/sys/fs/cgroup,options=ro:nosuid:noexec:nodev', ...runArgs(), IMAGE, id,
        'sh', '-c', 'i=0; while true; do i=$((i+1)); echo $i >/tmp/count; usleep 50000; done']);
      expect(d.status).toBe(0);
      await until('task RUNNING', () => taskStatus(id) === 'RUNNING');
      const count = () => Number(ctr(['task', 'exec', '--exec-id', `c${++n}`, id, 'cat', '/tmp/count']).stdout.trim());
      await until('the counter to run', () => count() > 0);

      const mem = ctr(['task', 'exec', '--exec-id', 'm1', id, 'sh', '-c',
        'cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max']);
      expect([mem.status, mem.stdout.trim()]).toEqual([0, String(limit)]);

      const metrics = ctr(['task', 'metrics', id]);
      expect(metrics.status).toBe(0);
      expect(metrics.stdout).toMatch(/memory\.limit_in_bytes\s+67108864|memory\.max\s+67108864/);
      expect(metrics.stdout).toMatch(/pids\.current\s+[1-9]/);

      expect(ctr(['task', 'pause', id]).status).toBe(0);
      expect(taskStatus(id)).toBe('PAUSED');
      // a paused container cannot run an exec'd cat: read the counter through the rootfs
      const rootfs = path.join(tmp, 'state', 'io.containerd.runtime.v2.task', ns, id, 'rootfs');
      const read = () => fs.readFileSync(path.join(rootfs, 'tmp', 'count'), 'utf8');
      const a = read();
      await sleep(1000);
      expect(read()).toBe(a);
      expect(ctr(['task', 'resume', id]).status).toBe(0);
      expect(taskStatus(id)).toBe('RUNNING');
      await until('the counter to move after resume', () => read() !== a, 10000);

      expect(ctr(['task', 'kill', '-s', 'KILL', id]).status).toBe(0);
      await until('task STOPPED', () => taskStatus(id) === 'STOPPED');
      expect(ctr(['task', 'delete', id]).status).toBe(0);
      expect(ctr(['container', 'delete', id]).status).toBe(0);
      await expectNothingLeft(id);
    } finally {
      removeAll(id);
    }
  });

  test("a broken bundle (a missing program) shows oci-ts's own message in ctr's error", async () => {
    const id = newId();
    try {
      const r = ctr(['run', '--rm', ...runArgs(), IMAGE, id, '/no/such/program']);
      expect(r.status).not.toBe(0);
      // containerd reads it from oci-ts's --log (json): the JSON pointer is oci-ts's wording
      expect(r.all).toContain('/process/args/0');
      expect(r.all).toContain('/no/such/program');
      ctr(['container', 'delete', id]);
      await expectNothingLeft(id);
    } finally {
      removeAll(id);
    }
  });

  describe('the CRI path (containerd CRI plugin, runtime handler oci-ts, driven as the kubelet does)', () => {
    let client: { cri: Cri; close(): void };
    let cri: Cri;
    beforeAll(async () => {
      client = criClient(sock);
      cri = client.cri;
      const v = await until('the CRI plugin to answer', () => cri.Version({ version: 'v1' }, 10000).catch(() => undefined), 60000);
      expect(v.runtime_api_version).toBe('v1');
    });
    afterAll(() => client?.close());

    test('a pod: RunPodSandbox, containers, ContainerStatus, logs, ExecSync, Exec, UpdateContainerResources, ContainerStats, Stop/Remove', async () => {
      const uid = `${process.pid}-${++n}`;
      const logDir = path.join(tmp, 'pods', `default_pod-${uid}`);
      const sandboxConfig = {
        metadata: { name: `pod-${uid}`, uid, namespace: 'default', attempt: 0 },
        hostname: '',
        log_directory: logDir,
        labels: { test: 'oci-ts' },
        // host network: no CNI, nothing sent anywhere
        linux: { cgroup_parent: '', security_context: { namespace_options: { network: 'NODE', pid: 'CONTAINER', ipc: 'POD' } } },
      };
      const { pod_sandbox_id: pod } = await cri.RunPodSandbox({ config: sandboxConfig, runtime_handler: 'oci-ts' });
      expect(pod).toMatch(/^[0-9a-f]{64}$/);
      // the sandbox itself ran under oci-ts (the handler's BinaryName)
      const createdByOciTs = (id: string) => readInvocations(invocations).some((i) => i.argv.includes('create') && i.argv[i.argv.length - 1] === id);
      expect(createdByOciTs(pod)).toBe(true);
      const ids: string[] = [pod];
      try {
        const container = async (name: string, args: string[], memory = 0, command = ['sh', '-c']) => {
          const { container_id: id } = await cri.CreateContainer({
            pod_sandbox_id: pod,
            sandbox_config: sandboxConfig,
            config: {
              metadata: { name, attempt: 0 },
              image: { image: IMAGE },
              command,
              args,
              log_path: `${name}/0.log`,
              linux: { resources: { memory_limit_in_bytes: memory }, security_context: { namespace_options: { network: 'NODE', pid: 'CONTAINER', ipc: 'POD' } } },
            },
          });
          ids.push(id);
          await cri.StartContainer({ container_id: id });
          return id;
        };

        // runs to completion: its exit code in ContainerStatus, its output in the log CRI names
        const done = await container('done', ['echo hello-cri; echo to-stderr >&2; exit 3']);
        const st = await until('the container to exit', async () => {
          const r = await cri.ContainerStatus({ container_id: done });
          return r.status.state === 'CONTAINER_EXITED' ? r.status : undefined;
        });
        expect(st.exit_code).toBe(3);
        expect(createdByOciTs(done)).toBe(true);
        expect(st.log_path).toBe(path.join(logDir, 'done', '0.log'));
        const log = fs.readFileSync(st.log_path, 'utf8');
        expect(log).toMatch(/^\S+ stdout F hello-cri$/m);
        expect(log).toMatch(/^\S+ stderr F to-stderr$/m);

        // long-running: exec, update, stats
        const app = await container('app', ['trap "exit 0" TERM; sleep 1000 & wait'], 64 * 1024 * 1024);
        const ex = await cri.ExecSync({ container_id: app, cmd: ['sh', '-c', 'echo out-$((6*7)); echo err >&2; exit 7'], timeout: 60 });
        expect([ex.exit_code, ex.stdout.toString(), ex.stderr.toString()]).toEqual([7, 'out-42\n', 'err\n']);
        const memFile = 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max';
        const mem = await cri.ExecSync({ container_id: app, cmd: ['sh', '-c', memFile], timeout: 60 });
        expect(mem.stdout.toString().trim()).toBe(String(64 * 1024 * 1024));

        const t0 = Date.now();
        await expect(cri.ExecSync({ container_id: app, cmd: ['sleep', '60'], timeout: 1 })).rejects.toThrow(/timeout|deadline/i);
        expect(Date.now() - t0).toBeLessThan(30000);

        const url = (await cri.Exec({ container_id: app, cmd: ['sh'], stdout: true, stderr: true })).url;
        expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/exec\/\S+$/);

        await cri.UpdateContainerResources({ container_id: app, linux: { memory_limit_in_bytes: 128 * 1024 * 1024 } });
        const mem2 = await cri.ExecSync({ container_id: app, cmd: ['sh', '-c', memFile], timeout: 60 });
        expect(mem2.stdout.toString().trim()).toBe(String(128 * 1024 * 1024));

        const stats = (await cri.ContainerStats({ container_id: app })).stats;
        expect(stats.attributes.id).toBe(app);
        expect(stats.memory.working_set_bytes.value).toBeGreaterThan(0);
        expect(stats.cpu.usage_core_nano_seconds.value).toBeGreaterThan(0);

        // a missing program: StartContainer fails with oci-ts's own message
        await expect(container('broken', [], 0, ['/no/such/program'])).rejects.toThrow(/\/process\/args\/0: .*\/no\/such\/program/);

        await cri.StopContainer({ container_id: app, timeout: 30 });
        const stopped = (await cri.ContainerStatus({ container_id: app })).status;
        expect([stopped.state, stopped.exit_code]).toEqual(['CONTAINER_EXITED', 0]);
        for (const id of ids.slice(1)) await cri.RemoveContainer({ container_id: id });
        await cri.StopPodSandbox({ pod_sandbox_id: pod });
        await cri.RemovePodSandbox({ pod_sandbox_id: pod });
      } finally {
        await cri.StopPodSandbox({ pod_sandbox_id: pod }).catch(() => undefined);
        await cri.RemovePodSandbox({ pod_sandbox_id: pod }).catch(() => undefined);
      }
      for (const id of ids) {
        let left: string[] = [];
        try {
          await until('the pod to be gone', () => (left = [
            ...(fs.existsSync(path.join(runtimeRoot, 'k8s.io', id)) ? [`state ${id}`] : []),
            ...mountsNaming(id), ...cgroupsNaming(id), ...processesNaming(id),
          ]).length === 0, 20000);
        } catch { /* reported below */ }
        expect(left).toEqual([]);
      }
    });
  });

  test('every runtime command and flag containerd sent is one oci-ts implements', () => {
    checkEngineCalls(invocations, 'containerd', ['create', 'start', 'delete', 'exec', 'kill', 'pause', 'resume', 'ps']);
  });
});
