/** The OCI lifecycle through bin/oci-ts: create, start, state, kill, delete, run, list (issue 2). */
import * as fs from 'fs';
import { sleepMs, waitFor } from './probe';
import { describeRoot, makeBundle, oci, ociOk, ociAsync, cleanup, uniqueId, Bundle, leftovers, OCI_TS as OCI_TS_BIN } from './helpers';


describeRoot('lifecycle', () => {
  let b: Bundle;
  afterEach(() => cleanup(b));

  test('create, state created, start, running, kill, stopped, delete', () => {
    b = makeBundle(['sleep', '60']);
    const id = uniqueId('life');
    const pidFile = `${b.dir}/init.pid`;
    ociOk(b, ['create', '--bundle', b.dir, '--pid-file', pidFile, id]);
    const pidText = fs.readFileSync(pidFile, 'utf8');
    expect(pidText).toMatch(/^\d+$/); // no newline: go-runc Atoi's the raw bytes
    let st = JSON.parse(ociOk(b, ['state', id]));
    expect(st).toMatchObject({ id, status: 'created', pid: Number(pidText), bundle: b.dir, ociVersion: '1.3.0' });
    expect(st.created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    // the user's program has not run yet: the init is still oci-ts-init
    expect(fs.readFileSync(`/proc/${st.pid}/cmdline`, 'utf8')).toMatch(/^oci-ts-init/);
    expect(oci(b, ['start', id]).status).toBe(0);
    st = JSON.parse(ociOk(b, ['state', id]));
    expect(st.status).toBe('running');
    expect(fs.readFileSync(`/proc/${st.pid}/cmdline`, 'utf8')).toBe('sleep\x0060\x00');
    const again = oci(b, ['start', id]);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/cannot start an already running container/);
    const del = oci(b, ['delete', id]);
    expect(del.status).toBe(1);
    expect(del.stderr).toMatch(/cannot delete container .* that is not stopped: running/);
    ociOk(b, ['kill', id, 'KILL']);
    waitFor(() => JSON.parse(ociOk(b, ['state', id])).status === 'stopped');
    expect(JSON.parse(ociOk(b, ['state', id])).pid).toBe(0);
    const k = oci(b, ['kill', id, 'TERM']);
    expect(k.status).toBe(1);
    expect(k.stderr).toMatch(/container not running/);
    ociOk(b, ['delete', id]);
    const gone = oci(b, ['state', id]);
    expect(gone.status).toBe(1);
    expect(gone.stderr).toMatch(/does not exist/);
    expect(leftovers(b, id)).toEqual([]);
  });

  test('kill delivers the named signal; SIG prefix, number and lower case are accepted', () => {
    b = makeBundle(['sh', '-c', 'trap "echo got-usr1 > /tmp/sig; exit 7" USR1; while true; do sleep 0.1; done']);
    const id = uniqueId('sig');
    ociOk(b, ['create', id]);
    ociOk(b, ['start', id]);
    ociOk(b, ['kill', id, 'sigusr1']);
    waitFor(() => JSON.parse(ociOk(b, ['state', id])).status === 'stopped');
    expect(fs.readFileSync(`${b.rootfs}/tmp/sig`, 'utf8').trim()).toBe('got-usr1');
    ociOk(b, ['delete', id]);
  });

  test('delete of a created container kills and removes it, as runc does', () => {
    b = makeBundle(['sleep', '60']);
    const id = uniqueId('delc');
    ociOk(b, ['create', id]);
    const pid = JSON.parse(ociOk(b, ['state', id])).pid;
    ociOk(b, ['delete', id]);
    expect(leftovers(b, id)).toEqual([]);
    const stat = fs.existsSync(`/proc/${pid}/stat`) ? fs.readFileSync(`/proc/${pid}/stat`, 'utf8') : '';
    expect(stat === '' || stat.includes(') Z ')).toBe(true);
  });

  test('delete --force of a running container, and of a missing one, succeeds', () => {
    b = makeBundle(['sleep', '60']);
    const id = uniqueId('force');
    ociOk(b, ['create', id]);
    ociOk(b, ['start', id]);
    ociOk(b, ['delete', '--force', id]);
    expect(leftovers(b, id)).toEqual([]);
    expect(oci(b, ['delete', '--force', id]).status).toBe(0);
    expect(oci(b, ['delete', id]).stderr).toMatch(/does not exist/);
  });

  test('a second create with the same id fails and leaves the first intact', () => {
    b = makeBundle(['sleep', '60']);
    const id = uniqueId('dup');
    ociOk(b, ['create', id]);
    const r = oci(b, ['create', id]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/container with given ID already exists/);
    expect(JSON.parse(ociOk(b, ['state', id])).status).toBe('created');
  });

  test('run exits with the program status, and 128+n for a signal', () => {
    b = makeBundle(['sh', '-c', 'exit 3']);
    expect(oci(b, ['run', uniqueId('rc')]).status).toBe(3);
    expect(fs.readdirSync(b.root)).toEqual([]); // run deletes the container afterwards
  });

  test('run in the foreground: killed by a signal exits 128+n', async () => {
    b = makeBundle(['sleep', '60']);
    const id = uniqueId('sigrc');
    const r = ociAsync(b, ['run', id]);
    waitFor(() => fs.existsSync(`${b.root}/${id}/state.json`) && JSON.parse(ociOk(b, ['state', id])).status === 'running');
    ociOk(b, ['kill', id, '9']);
    expect(await r.exited).toBe(137);
    expect(leftovers(b, id)).toEqual([]);
  });

  test('run in the foreground forwards SIGTERM to the container', async () => {
    b = makeBundle(['sh', '-c', 'trap "exit 42" TERM; while true; do sleep 0.1; done']);
    const id = uniqueId('fwd');
    const r = ociAsync(b, ['run', id]);
    waitFor(() => fs.existsSync(`${b.root}/${id}/state.json`) && JSON.parse(ociOk(b, ['state', id])).status === 'running');
    sleepMs(200); // let the trap be set
    r.child.kill('SIGTERM');
    expect(await r.exited).toBe(42);
  });

  test('run --detach returns while the program runs; list shows it', () => {
    b = makeBundle(['sleep', '60']);
    const id = uniqueId('det');
    ociOk(b, ['run', '--detach', id]);
    expect(JSON.parse(ociOk(b, ['state', id])).status).toBe('running');
    const listed = JSON.parse(ociOk(b, ['list', '--format', 'json']));
    expect(listed.map((c: any) => [c.id, c.status])).toEqual([[id, 'running']]);
    expect(ociOk(b, ['list', '-q']).trim()).toBe(id);
  });

  test('list prints null when there are no containers (runc)', () => {
    b = makeBundle();
    expect(ociOk(b, ['list', '--format', 'json']).trim()).toBe('null');
  });
});

describeRoot('parallel load', () => {
  test('eight runs of a short program at once all succeed and leave nothing behind', async () => {
    const b = makeBundle(['sh', '-c', 'echo ok']);
    try {
      const ids = Array.from({ length: 8 }, () => uniqueId('par'));
      const runs = ids.map((id) => ociAsyncTo(b, ['run', id], `${b.dir}/${id}.out`));
      const codes = await Promise.all(runs);
      expect(codes).toEqual(ids.map(() => 0));
      for (const id of ids) {
        expect(fs.readFileSync(`${b.dir}/${id}.out`, 'utf8')).toMatch(/^ok$/m);
        expect(leftovers(b, id)).toEqual([]);
      }
    } finally {
      cleanup(b);
    }
  });
});

function ociAsyncTo(b: Bundle, args: string[], outFile: string): Promise<number | null> {
  const out = fs.openSync(outFile, 'w');
  const child = require('child_process').spawn(OCI_TS_BIN, ['--root', b.root, ...args], { cwd: b.dir, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  return new Promise((r) => child.on('exit', (code: number | null) => r(code)));
}
