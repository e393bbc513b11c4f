/**
 * The launcher's native fast path (addon/launcher/fastpath.c): `state`, `start`, `kill`, `delete`
 * and `--version` answered without Node must be byte-identical to Node's answer (stdout, stderr,
 * exit status, --log file), and everything it cannot decide alone must reach Node. Every case runs
 * twice, with the fast path and with OCI_TS_FASTPATH=0 (a command that changes a container runs on
 * two containers in the same state, one each way).
 *
 * Which cases the launcher served itself is checked too: with NODE_OPTIONS naming a module that
 * does not exist, Node cannot start, so a case that still succeeds never ran Node.
 */
import * as fs from 'fs';
import * as path from 'path';
import { spawn } from 'child_process';
import { describeRoot, makeBundle, run, cleanup, uniqueId, Bundle, OCI_TS, leftovers } from './helpers';
import { waitFor } from './probe';

const NO_NODE = { NODE_OPTIONS: '--require=/nonexistent/oci-ts-no-node.js' };

interface Outcome { status: number | null; stdout: string; stderr: string; log: string }

describeRoot('native fast path', () => {
  let b: Bundle;
  let logFile: string;
  afterAll(() => cleanup(b));

  /** One command line, in one mode; the --log file (if the words name LOG) is read and reset. */
  function once(argv: string[], fast: boolean, extraEnv: NodeJS.ProcessEnv = {}): Outcome {
    if (fs.existsSync(logFile)) fs.writeFileSync(logFile, 'previous line\n');
    const words = argv.map((w) => w.replace('ROOT', b.root).replace('LOG', logFile));
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.OCI_TS_TRACE;
    delete env.OCI_TS_TEST_KILL_AT;
    delete env.NODE_EXTRA_CA_CERTS; // slows Node 2-3x and changes nothing here
    Object.assign(env, extraEnv, { OCI_TS_FASTPATH: fast ? '1' : '0' });
    const r = run([OCI_TS, ...words], { cwd: b.dir, env });
    const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '';
    // the log lines carry the time of the call
    const norm = (s: string) => s.replace(/time="[^"]*"/g, 'time=T').replace(/"time":"[^"]*"/g, '"time":"T"');
    return { status: r.status, stdout: r.stdout, stderr: norm(r.stderr), log: norm(log) };
  }

  function same(argv: string[]): Outcome {
    const fast = once(argv, true);
    const slow = once(argv, false);
    expect({ argv, ...fast }).toEqual({ argv, ...slow });
    return fast;
  }

  /** The launcher answered by itself (Node could not have started). */
  function native(argv: string[]): Outcome {
    const r = once(argv, true, NO_NODE);
    expect({ argv, status: r.status, stderr: r.stderr }).toEqual({ argv, status: 0, stderr: '' });
    return r;
  }

  /** Node answered (it could not start, so the command failed). */
  function handedOver(argv: string[]): void {
    const r = once(argv, true, NO_NODE);
    expect({ argv, stderr: r.stderr }).toEqual({ argv, stderr: expect.stringMatching(/oci-ts-no-node|Cannot find module/) });
  }

  function writeState(id: string, text: string): void {
    fs.mkdirSync(path.join(b.root, id), { recursive: true });
    fs.writeFileSync(path.join(b.root, id, 'state.json'), text);
  }

  test('state, start, kill, list and --version over the matrix give the same bytes with and without the fast path', () => {
    b = makeBundle(['sleep', '60'], (c) => {
      c.annotations = { 'a"b': 'x\\y\nz', é: '😀\u2028', empty: '' };
    });
    logFile = path.join(b.dir, 'oci.log');
    const created = uniqueId('fp-created');
    const running = uniqueId('fp-running');
    const paused = uniqueId('fp-paused');
    for (const id of [created, running, paused]) expect(run([OCI_TS, '--root', b.root, 'create', '--bundle', b.dir, id]).status).toBe(0);
    expect(run([OCI_TS, '--root', b.root, 'start', running]).status).toBe(0);
    expect(run([OCI_TS, '--root', b.root, 'start', paused]).status).toBe(0);
    expect(run([OCI_TS, '--root', b.root, 'pause', paused]).status).toBe(0);

    // containers made by hand: a stopped one, one whose create still runs (this process), one
    // whose create died, state files Node must word the error for
    const saved = JSON.parse(fs.readFileSync(path.join(b.root, created, 'state.json'), 'utf8'));
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    const myStart = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    const synth = (id: string, extra: object) => writeState(id, JSON.stringify({ ...saved, id, pid: 0, startTime: '', cgroupPaths: [], cgroupCreated: [], ...extra }));
    synth('fp-stopped', {});
    synth('fp-creating', { creator: { pid: process.pid, startTime: myStart } });
    synth('fp-creator-died', { creator: { pid: process.pid, startTime: '1' } });
    synth('fp-escapes', { annotations: { '\u0000nul': '\u001b[31m', 'tab\t': '"\\/' } });
    synth('fp-index-key', { annotations: { b: '1', 7: '2' } });
    synth('fp-other-id', { id: 'fp-someone-else' });
    synth('fp-bad-pid', { pid: -4 });
    writeState('fp-unreadable', '{"ociVersion": ');
    writeState('fp-empty', '');
    fs.mkdirSync(path.join(b.root, 'fp-no-state-file'));
    fs.writeFileSync(logFile, '');

    const ids = [created, running, paused, 'fp-stopped', 'fp-creating', 'fp-creator-died', 'fp-escapes', 'fp-index-key', 'fp-other-id',
      'fp-bad-pid', 'fp-unreadable', 'fp-empty', 'fp-no-state-file', 'fp-missing', '..', 'a/b', 'x'.repeat(256)];
    for (const id of ids) {
      same(['--root', 'ROOT', 'state', id]);
      same(['--root', 'ROOT', 'kill', id, '0']);
      same(['--root', 'ROOT', '--log', 'LOG', '--log-format', 'json', 'state', id]);
    }
    for (const id of [running, 'fp-stopped', 'fp-missing']) {
      same(['--root', 'ROOT', 'kill', id, 'FOO']);
      same(['--root', 'ROOT', 'kill', id, '99']);
      same(['--root', 'ROOT', '--log', 'LOG', 'kill', id, 'sigfoo']);
    }
    // start of containers that are not created (the created one is started below)
    for (const id of [running, paused, 'fp-stopped', 'fp-creating', 'fp-unreadable', 'fp-missing']) {
      same(['--root', 'ROOT', 'start', id]);
      same(['--root', 'ROOT', '--log', 'LOG', '--log-format', 'json', 'start', id]);
    }
    const flagCases: string[][] = [
      ['--version'], ['-v'], ['--version=false'], ['-h'], ['--help'], ['--root', 'ROOT', 'state', '-h'], ['help', 'state'],
      ['--root', 'ROOT', 'state'], ['--root', 'ROOT', 'state', running, 'extra'], ['--root', 'ROOT', 'kill'],
      ['--root', 'ROOT', 'kill', running, '0', 'extra'], ['--root', 'ROOT', '--bogus', 'state', running], ['--root', 'ROOT', 'state', '--bogus', running],
      ['--root', 'ROOT', '--debug', 'state', running], ['--root', 'ROOT', '--debug=false', 'state', running], ['--root', 'ROOT', '--debug=maybe', 'state', running],
      ['--root', 'ROOT', '--log-format', 'xml', 'state', running], ['--root', 'ROOT', '--log-format=json', 'state', running],
      ['--root', 'ROOT', '--rootless=maybe', 'state', running], ['--root', 'ROOT', '--rootless', 'true', 'state', running],
      ['--root', 'ROOT', '--systemd-cgroup', '--criu', '/x', 'state', running], ['-root=ROOT', 'state', running], ['--root', 'ROOT', '--', 'state', running],
      ['--root', 'ROOT', 'state', '--', running], ['--root', 'ROOT', '--log', '/nonexistent/dir/oci.log', 'state', running],
      ['--root', 'ROOT', '--log', 'LOG', 'state', running], ['--root', 'ROOT', '--log', 'LOG', '--log-format', 'json', 'kill', running, 'FOO'],
      ['--root', '/nonexistent/oci-ts-root', 'state', running], ['--root', 'ROOT/../' + path.basename(b.root), 'state', running],
      ['--root', 'ROOT', 'kill', '--all', paused, '0'], ['--root', 'ROOT', 'kill', '-a=false', running, '0'], ['--root', 'ROOT', 'kill', running, 'sigrtmin+3'],
      ['--root', 'ROOT', 'kill', running, 'SIG'], ['--root', 'ROOT', 'kill', running, '99999999999'], ['--root', 'ROOT', 'kill', running, '-9'],
      ['--root', 'ROOT', 'list'], ['--root', 'ROOT', 'list', '-q'], ['--root', 'ROOT', 'list', '--format', 'json'], ['--root', 'ROOT', 'stat', running],
      ['--root'], ['--log'], [''], ['--root', 'ROOT', 'state', ''], ['--root', 'ROOT', 'kill', 'fp-stopped', ''], ['--root', 'ROOT', '', 'state', running],
    ];
    for (const argv of flagCases) same(argv);

    // what the launcher serves itself ...
    for (const id of [created, running, paused, 'fp-stopped', 'fp-creating', 'fp-creator-died', 'fp-escapes']) {
      expect(native(['--root', 'ROOT', 'state', id]).stdout).toBe(once(['--root', 'ROOT', 'state', id], false).stdout);
    }
    native(['--root', 'ROOT', 'kill', running, '0']);
    native(['--root', 'ROOT', '--log', 'LOG', '--log-format', 'json', 'kill', paused, 'SIGCONT']);
    expect(native(['--version']).stdout).toBe(once(['--version'], false).stdout);
    native(['--root', 'ROOT', '--log', 'LOG', '--log-format', 'json', '--systemd-cgroup', 'state', running]);
    // ... and what it leaves to Node
    for (const argv of [['--root', 'ROOT', 'state', 'fp-index-key'], ['--root', 'ROOT', 'state', 'fp-other-id'], ['--root', 'ROOT', 'state', 'fp-missing'],
      ['--root', 'ROOT', '--debug', 'state', running], ['--root', 'ROOT', 'kill', '--all', running, '0'], ['--root', 'ROOT', 'kill', 'fp-stopped'],
      ['--root', 'ROOT', 'start', running], ['--root', 'ROOT', 'list'], ['-h']]) handedOver(argv);
    expect(once(['--root', 'ROOT', 'state', running], true, { ...NO_NODE, OCI_TS_TRACE: '1' }).status).not.toBe(0);

    for (const id of [created, running, paused]) {
      expect(run([OCI_TS, '--root', b.root, 'delete', '--force', id]).status).toBe(0);
      expect(leftovers(b, id)).toEqual([]);
    }
  });

  test('start and kill: the same effect and output with and without the fast path', () => {
    const pairs = [uniqueId('fp-a'), uniqueId('fp-b')];
    for (const id of pairs) expect(run([OCI_TS, '--root', b.root, 'create', '--bundle', b.dir, id]).status).toBe(0);
    const outs = pairs.map((id, i) => once(['--root', 'ROOT', '--log', 'LOG', '--log-format', 'json', 'start', id], i === 0));
    expect(outs[0]).toEqual(outs[1]);
    expect(outs[0].status).toBe(0);
    for (const id of pairs) {
      const st = JSON.parse(once(['--root', 'ROOT', 'state', id], true).stdout);
      expect(st.status).toBe('running');
      expect(fs.readFileSync(`/proc/${st.pid}/cmdline`, 'utf8')).toBe('sleep\x0060\x00');
      expect(fs.existsSync(path.join(b.root, id, 'exec.fifo'))).toBe(false);
    }
    const kills = pairs.map((id, i) => once(['--root', 'ROOT', 'kill', id, 'KILL'], i === 0));
    expect(kills[0]).toEqual(kills[1]);
    expect(kills[0].status).toBe(0);
    for (const id of pairs) waitFor(() => JSON.parse(once(['--root', 'ROOT', 'state', id], true).stdout).status === 'stopped');
    // a second kill: Node words the error either way
    const again = pairs.map((id, i) => once(['--root', 'ROOT', 'kill', id, 'KILL'], i === 0));
    expect(again[0]).toEqual(again[1]);
    expect(again[0].stderr).toBe('container not running\n');
    for (const id of pairs) expect(run([OCI_TS, '--root', b.root, 'delete', id]).status).toBe(0);

    // a start the launcher serves itself, and one with a poststart hook, which it leaves to Node
    const id = uniqueId('fp-native-start');
    expect(run([OCI_TS, '--root', b.root, 'create', '--bundle', b.dir, id]).status).toBe(0);
    native(['--root', 'ROOT', 'start', id]);
    expect(JSON.parse(once(['--root', 'ROOT', 'state', id], true).stdout).status).toBe('running');
    native(['--root', 'ROOT', 'kill', id, 'KILL']);
    waitFor(() => JSON.parse(once(['--root', 'ROOT', 'state', id], true).stdout).status === 'stopped');
    expect(run([OCI_TS, '--root', b.root, 'delete', id]).status).toBe(0);

    const marker = path.join(b.dir, 'poststart-ran');
    const config = JSON.parse(fs.readFileSync(path.join(b.dir, 'config.json'), 'utf8'));
    config.hooks = { poststart: [{ path: '/bin/sh', args: ['sh', '-c', `echo ran > ${marker}`] }] };
    fs.writeFileSync(path.join(b.dir, 'config.json'), JSON.stringify(config));
    const hooked = uniqueId('fp-hooked');
    expect(run([OCI_TS, '--root', b.root, 'create', '--bundle', b.dir, hooked]).status).toBe(0);
    handedOver(['--root', 'ROOT', 'start', hooked]);
    expect(JSON.parse(once(['--root', 'ROOT', 'state', hooked], true).stdout).status).toBe('created');
    expect(once(['--root', 'ROOT', 'start', hooked], true).status).toBe(0);
    expect(fs.readFileSync(marker, 'utf8')).toBe('ran\n');
    expect(run([OCI_TS, '--root', b.root, 'delete', '--force', hooked]).status).toBe(0);
    for (const i of [...pairs, id, hooked]) expect(leftovers(b, i)).toEqual([]);
  });

  test('a start whose init dies before taking its byte: the same error, printed and logged, with and without the fast path', async () => {
    const results: Outcome[] = [];
    for (const fast of [true, false]) {
      const id = uniqueId('fp-dies');
      expect(run([OCI_TS, '--root', b.root, 'create', '--bundle', b.dir, id]).status).toBe(0);
      const pid = JSON.parse(once(['--root', 'ROOT', 'state', id], true).stdout).pid as number;
      // stopped, the init cannot take the byte: start waits on the fifo until it sees the init die
      process.kill(pid, 'SIGSTOP');
      fs.writeFileSync(logFile, '');
      const out = fs.openSync(path.join(b.dir, 'dies.out'), 'w');
      const err = fs.openSync(path.join(b.dir, 'dies.err'), 'w');
      const env: NodeJS.ProcessEnv = { ...process.env, OCI_TS_FASTPATH: fast ? '1' : '0' };
      delete env.NODE_EXTRA_CA_CERTS;
      const child = spawn(OCI_TS, ['--root', b.root, '--log', logFile, '--log-format', 'json', 'start', id], { env, stdio: ['ignore', out, err] });
      fs.closeSync(out);
      fs.closeSync(err);
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      const holdsFifo = () => {
        try {
          return fs.readdirSync(`/proc/${child.pid}/fd`).some((fd) => {
            try { return fs.readlinkSync(`/proc/${child.pid}/fd/${fd}`).endsWith(`${id}/exec.fifo`); } catch { return false; }
          });
        } catch {
          return false;
        }
      };
      for (let i = 0; i < 400 && !holdsFifo(); i++) await new Promise((r) => setTimeout(r, 25));
      expect(holdsFifo()).toBe(true);
      process.kill(pid, 'SIGKILL');
      const status = await exited;
      const norm = (t: string) => t.split(id).join('ID').replace(/"time":"[^"]*"/g, '"time":"T"');
      results.push({ status, stdout: fs.readFileSync(path.join(b.dir, 'dies.out'), 'utf8'), stderr: norm(fs.readFileSync(path.join(b.dir, 'dies.err'), 'utf8')), log: norm(fs.readFileSync(logFile, 'utf8')) });
      expect(run([OCI_TS, '--root', b.root, 'delete', '--force', id]).status).toBe(0);
      expect(leftovers(b, id)).toEqual([]);
    }
    expect(results[0]).toEqual(results[1]);
    expect(results[0]).toEqual({ status: 1, stdout: '', stderr: 'container ID: the init exited before start\n', log: '{"level":"error","msg":"container ID: the init exited before start","time":"T"}\n' });
    // the launcher's verdict reaches Node only from the launcher: an inherited one is dropped
    const r = run([OCI_TS, '--root', b.root, 'start', 'fp-missing'], { env: { ...process.env, OCI_TS_FAST_VERDICT: 'not from the launcher' } });
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 1, stderr: 'container fp-missing does not exist\n' });
  });
  test('delete: a stopped container is removed natively, everything else reaches Node, with the same result either way', () => {
    const stateOf = (id: string) => JSON.parse(once(['--root', 'ROOT', 'state', id], true).stdout);
    const saved = (id: string) => JSON.parse(fs.readFileSync(path.join(b.root, id, 'state.json'), 'utf8'));
    const create = (bundle: Bundle, id: string) => expect(run([OCI_TS, '--root', b.root, 'create', '--bundle', bundle.dir, id]).status).toBe(0);
    const start = (id: string) => expect(run([OCI_TS, '--root', b.root, 'start', id]).status).toBe(0);
    const stopped = (bundle: Bundle, id: string) => {
      create(bundle, id);
      start(id);
      expect(run([OCI_TS, '--root', b.root, 'kill', id, 'KILL']).status).toBe(0);
      waitFor(() => stateOf(id).status === 'stopped');
    };
    /** `argv` (ID: the container) on two containers in the same state: with the fast path (or only
     * natively: Node cannot start) and without; the outcomes with the id written ID. */
    const pair = (argv: string[], ids: string[], mode: 'fast' | 'native'): Outcome[] => {
      const outs = ids.map((id, i) => {
        const words = argv.map((w) => (w === 'ID' ? id : w));
        const o = i === 1 ? once(words, false) : mode === 'native' ? native(words) : once(words, true);
        const norm = (t: string) => t.split(id).join('ID');
        return { status: o.status, stdout: norm(o.stdout), stderr: norm(o.stderr), log: norm(o.log) };
      });
      expect(outs[0]).toEqual(outs[1]);
      return outs;
    };
    const gone = (ids: string[]) => {
      for (const id of ids) {
        expect(leftovers(b, id)).toEqual([]);
        expect(fs.readdirSync(b.root).filter((n) => n.startsWith('~'))).toEqual([]);
      }
    };
    fs.writeFileSync(logFile, '');

    // stopped: served natively (Node cannot start), plain, --force, -f with --log
    for (const argv of [['--root', 'ROOT', 'delete', 'ID'], ['--root', 'ROOT', 'delete', '--force', 'ID'], ['--root', 'ROOT', '--log', 'LOG', '--log-format', 'json', 'delete', '-f', 'ID']]) {
      const ids = [uniqueId('fp-del'), uniqueId('fp-del')];
      for (const id of ids) stopped(b, id);
      expect(pair(argv, ids, 'native')[0]).toEqual({ status: 0, stdout: '', stderr: '', log: 'previous line\n' });
      gone(ids);
    }

    // a child cgroup made inside the container's cgroups (every hierarchy): removed with them, natively
    const nested = [uniqueId('fp-del-nested'), uniqueId('fp-del-nested')];
    for (const id of nested) {
      stopped(b, id);
      for (const d of saved(id).cgroupPaths as string[]) fs.mkdirSync(path.join(d, 'sub', 'deeper'), { recursive: true });
    }
    pair(['--root', 'ROOT', 'delete', 'ID'], nested, 'native');
    gone(nested);

    // what the launcher leaves to Node, with no side effect of its own (the container is still there)
    const stillThere = (id: string, status: string) => expect(stateOf(id).status).toBe(status);
    for (const id of ['fp-creator-died', 'fp-unreadable', 'fp-other-id']) handedOver(['--root', 'ROOT', 'delete', '--force', id]);
    // `delete --force` of a container that is not there (engines call it after every container):
    // the launcher says nothing and exits 0, as Node does; without --force Node words the error
    native(['--root', 'ROOT', 'delete', '--force', 'fp-missing']);
    native(['--root', 'ROOT', '--log', 'LOG', 'delete', '-f', 'fp-missing']);
    handedOver(['--root', 'ROOT', 'delete', 'fp-missing']);
    handedOver(['--root', 'ROOT', 'delete', '--force=false', 'fp-missing']);
    stillThere('fp-creator-died', 'stopped');
    // state files of stopped containers that delete would have to judge: a resctrl group, a
    // cgroupCreated entry that is not an absolute normal path; the same file without them is served
    const base = saved('fp-stopped');
    const synth = (id: string, extra: object) => {
      fs.mkdirSync(path.join(b.root, id));
      fs.writeFileSync(path.join(b.root, id, 'state.json'), JSON.stringify({ ...base, id, ...extra }));
    };
    synth('fp-del-rdt', { spec: { ...base.spec, linux: { ...base.spec.linux, intelRdt: { closID: 'oci-ts-fp-test' } } } });
    synth('fp-del-odd-cgroup', { cgroupCreated: ['relative/oci-ts-fp-test'] });
    synth('fp-del-plain', {});
    for (const id of ['fp-del-rdt', 'fp-del-odd-cgroup']) {
      handedOver(['--root', 'ROOT', 'delete', id]);
      stillThere(id, 'stopped');
    }
    native(['--root', 'ROOT', 'delete', 'fp-del-plain']);
    expect(fs.existsSync(path.join(b.root, 'fp-del-plain'))).toBe(false);
    handedOver(['--root', 'ROOT', '--debug', 'delete', 'fp-stopped']);
    expect(once(['--root', 'ROOT', 'delete', 'fp-stopped'], true, { ...NO_NODE, OCI_TS_TRACE: '1' }).status).not.toBe(0);
    stillThere('fp-stopped', 'stopped');
    // a `~` directory of a process that is gone: Node sweeps it
    const stale = path.join(b.root, '~999999999.1.1');
    fs.mkdirSync(stale);
    handedOver(['--root', 'ROOT', 'delete', 'fp-stopped']);
    stillThere('fp-stopped', 'stopped');
    expect(once(['--root', 'ROOT', 'delete', 'fp-stopped'], true).status).toBe(0);
    expect(fs.existsSync(stale) || fs.existsSync(path.join(b.root, 'fp-stopped'))).toBe(false);

    // poststop hooks: Node runs them
    const hooksRan = path.join(b.dir, 'poststop-ran');
    const hooked = makeBundle(['sleep', '60'], (c) => {
      c.hooks = { poststop: [{ path: '/bin/sh', args: ['sh', '-c', `cat >> ${hooksRan}; echo >> ${hooksRan}`] }] };
    });
    try {
      const ids = [uniqueId('fp-del-hook'), uniqueId('fp-del-hook')];
      for (const id of ids) stopped(hooked, id);
      handedOver(['--root', 'ROOT', 'delete', ids[0]]);
      stillThere(ids[0], 'stopped');
      pair(['--root', 'ROOT', 'delete', 'ID'], ids, 'fast');
      for (const id of ids) expect(fs.readFileSync(hooksRan, 'utf8')).toContain(`"id":"${id}"`);
      gone(ids);
    } finally {
      cleanup(hooked);
    }

    // created (runc: delete kills it and removes it), running without and with --force
    const created = [uniqueId('fp-del-created'), uniqueId('fp-del-created')];
    for (const id of created) create(b, id);
    handedOver(['--root', 'ROOT', 'delete', created[0]]);
    stillThere(created[0], 'created');
    expect(pair(['--root', 'ROOT', 'delete', 'ID'], created, 'fast')[0].status).toBe(0);
    gone(created);
    const running = [uniqueId('fp-del-running'), uniqueId('fp-del-running')];
    for (const id of running) {
      create(b, id);
      start(id);
    }
    handedOver(['--root', 'ROOT', 'delete', '--force', running[0]]);
    expect(pair(['--root', 'ROOT', '--log', 'LOG', 'delete', 'ID'], running, 'fast')[0].stderr).toBe('cannot delete container ID that is not stopped: running\n');
    for (const id of running) stillThere(id, 'running');
    expect(pair(['--root', 'ROOT', 'delete', '--force', 'ID'], running, 'fast')[0].status).toBe(0);
    gone(running);
    // missing
    expect(same(['--root', 'ROOT', 'delete', 'fp-missing']).status).toBe(1);
    expect(same(['--root', 'ROOT', 'delete', '--force', 'fp-missing']).status).toBe(0);
    expect(same(['--root', 'ROOT/no-such-root', 'delete', '--force', 'fp-missing']).status).toBe(0);
    expect(same(['--root', 'ROOT', 'delete', '--force', 'fp-missing/..']).status).not.toBe(0);

    // a stopped container whose cgroup still holds a process (not the container's): Node decides
    // (it leaves that cgroup in place and says so)
    const held = [uniqueId('fp-del-held'), uniqueId('fp-del-held')];
    const intruders = held.map((id) => {
      stopped(b, id);
      const p = spawn('sleep', ['60'], { stdio: 'ignore' });
      for (const d of saved(id).cgroupPaths as string[]) fs.writeFileSync(path.join(d, 'cgroup.procs'), String(p.pid));
      return { p, dirs: saved(id).cgroupPaths as string[] };
    });
    try {
      handedOver(['--root', 'ROOT', 'delete', held[0]]);
      stillThere(held[0], 'stopped');
      const out = pair(['--root', 'ROOT', 'delete', 'ID'], held, 'fast')[0];
      expect(out.status).toBe(0);
      expect(out.stderr).toMatch(/left in place: it holds 1 process\(es\) that are not this container's/);
      for (const id of held) expect(fs.existsSync(path.join(b.root, id))).toBe(false);
    } finally {
      for (const { p, dirs } of intruders) {
        p.kill('SIGKILL');
        waitFor(() => dirs.every((d) => !fs.existsSync(d) || fs.readFileSync(path.join(d, 'cgroup.procs'), 'utf8') === ''));
        for (const d of dirs) if (fs.existsSync(d)) fs.rmdirSync(d);
      }
    }
    gone(held);
  });
});
