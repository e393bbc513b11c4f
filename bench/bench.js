#!/usr/bin/env node
'use strict';
/**
 * oci-ts vs runc vs crun on the same busybox bundle (`npm run bench`; needs root).
 *
 *   node bench/bench.js [-n RUNS] [--keep] [--only oci-ts,runc,crun]
 *
 * Rows: `node -e 0`, `--version`, `state` of a missing and of a created container, `run` of
 * /bin/true, create alone, the create-start-state-kill-delete lifecycle, `exec ID true` into a running
 * container, the RSS of a created (not started) container's init (VmRSS from /proc/PID/status), and
 * per detached exec'd `sleep`: its VmRSS and what the container's memory cgroup grows by. Times are medians of RUNS (default 20) wall-clock
 * runs; every command gets the near-empty environment engines give (PATH only: no
 * NODE_EXTRA_CA_CERTS, which alone triples Node's start-up here).
 *
 * crun 1.8.1 refuses hybrid cgroup hosts ("cgroups in hybrid mode not supported"), even with
 * --cgroup-manager=disabled. If a direct probe fails that way, crun is measured in a worker run
 * under `unshare -m` with a private cgroup2 mount on /sys/fs/cgroup and --cgroup-manager=disabled
 * (so its numbers include no cgroup work at all); if that fails too, its column shows the error.
 * A runtime whose command fails shows `error: ...` in its column; the other rows go on.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const ROOT = path.resolve(__dirname, '..');
const ENV = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' };
const NODE = process.execPath;

const RUNTIMES = {
  'oci-ts': { bin: path.join(ROOT, 'bin', 'oci-ts'), pre: [] },
  runc: { bin: '/usr/sbin/runc', pre: [] },
  crun: { bin: '/usr/bin/crun', pre: [] },
};

function parseCli(argv) {
  const o = { n: 20, keep: false, only: Object.keys(RUNTIMES), worker: null, dir: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-n' || a === '--runs') o.n = Number(argv[++i]);
    else if (a.startsWith('--runs=')) o.n = Number(a.slice(7));
    else if (a === '--keep') o.keep = true;
    else if (a === '--only') o.only = argv[++i].split(',');
    else if (a === '--worker') o.worker = argv[++i];
    else if (a === '--dir') o.dir = argv[++i];
    else if (a === '-h' || a === '--help') { console.log('usage: node bench/bench.js [-n RUNS] [--keep] [--only oci-ts,runc,crun]'); process.exit(0); }
    else throw new Error(`unknown argument ${a}`);
  }
  if (!(o.n > 0)) throw new Error('-n needs a positive number');
  return o;
}

const median = (a) => { const s = [...a].sort((x, y) => x - y); return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };

let outFile = null;
let errFile = null;

/**
 * Runs one command; returns {ms, status, out, err}. stdout/stderr go to files, not pipes: a
 * container's init inherits them, and spawnSync would wait for a pipe's EOF until the container dies.
 */
function exec(bin, args) {
  if (!outFile) {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-ts-bench-io-'));
    outFile = path.join(d, 'out');
    errFile = path.join(d, 'err');
    process.on('exit', () => fs.rmSync(d, { recursive: true, force: true }));
  }
  const o = fs.openSync(outFile, 'w+');
  const e = fs.openSync(errFile, 'w+');
  const t = process.hrtime.bigint();
  const r = spawnSync(bin, args, { env: ENV, stdio: ['ignore', o, e], timeout: 30000 });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  fs.closeSync(o);
  fs.closeSync(e);
  const err = r.error ? r.error.message : fs.readFileSync(errFile, 'utf8').trim();
  return { ms, status: r.status, out: fs.readFileSync(outFile, 'utf8'), err };
}

class Failed extends Error {}

function must(r, what) {
  if (r.status !== 0) throw new Failed(`${what}: ${(r.err.split('\n').pop() || `exit ${r.status}`).slice(0, 120)}`);
  return r;
}

/** A busybox rootfs (static /bin/busybox plus applet symlinks) and runc-spec style configs. */
function makeBundles(dir) {
  const rootfs = path.join(dir, 'rootfs');
  for (const d of ['bin', 'proc', 'sys', 'dev', 'tmp', 'etc', 'root']) fs.mkdirSync(path.join(rootfs, d), { recursive: true });
  fs.copyFileSync('/bin/busybox', path.join(rootfs, 'bin', 'busybox'));
  fs.chmodSync(path.join(rootfs, 'bin', 'busybox'), 0o755);
  for (const applet of ['sh', 'true', 'false', 'sleep', 'cat', 'ls', 'echo', 'ps', 'id', 'env']) {
    fs.symlinkSync('busybox', path.join(rootfs, 'bin', applet));
  }
  fs.writeFileSync(path.join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  fs.writeFileSync(path.join(rootfs, 'etc', 'group'), 'root:x:0:\n');
  // The config comes from `runc spec` (or our own spec if runc is missing), then adjusted.
  const tmpl = path.join(dir, 'tmpl');
  fs.mkdirSync(tmpl);
  let r = exec('/usr/sbin/runc', ['spec', '--bundle', tmpl]);
  if (r.status !== 0) r = exec(RUNTIMES['oci-ts'].bin, ['spec', '--bundle', tmpl]);
  must(r, 'spec');
  const base = JSON.parse(fs.readFileSync(path.join(tmpl, 'config.json'), 'utf8'));
  const bundles = {};
  for (const [name, args] of Object.entries({ true: ['/bin/true'], sleep: ['/bin/sleep', '1000'] })) {
    const b = path.join(dir, `bundle-${name}`);
    fs.mkdirSync(b);
    const cfg = JSON.parse(JSON.stringify(base));
    cfg.process.terminal = false;
    cfg.process.args = args;
    cfg.root = { path: rootfs, readonly: true }; // one shared read-only rootfs, by absolute path
    fs.writeFileSync(path.join(b, 'config.json'), JSON.stringify(cfg, null, '\t'));
    bundles[name] = b;
  }
  return bundles;
}

/** The rows for one runtime: { row: ms | {error} }. */
function measure(name, rt, bundles, dir, n) {
  const root = path.join(dir, `root-${name}`);
  const g = [...rt.pre, '--root', root];
  const run = (args) => exec(rt.bin, [...g, ...args]);
  const res = {};
  let seq = 0;
  const id = () => `b${process.pid}-${seq++}`;
  // Each run is paired with a `node -e 0` just before it: the machine's load drifts, so the
  // ratio to Node's start is the median of per-pair ratios, kept under `label ÷node`.
  const row = (label, fn, paired = false) => {
    try {
      const times = [];
      const ratios = [];
      for (let i = 0; i < n; i++) {
        const base = paired ? exec(NODE, ['-e', '0']).ms : 0;
        const ms = fn();
        times.push(ms);
        if (paired) ratios.push(ms / base);
      }
      res[label] = median(times);
      if (paired) res[`${label} ÷node`] = median(ratios);
    } catch (e) {
      res[label] = { error: e instanceof Failed ? e.message : String(e.message || e) };
    }
  };
  const cleanup = (cid) => run(['delete', '--force', cid]);

  row('--version', () => must(exec(rt.bin, [...rt.pre, '--version']), '--version').ms, true);
  row('state (missing)', () => run(['state', 'nonexistent']).ms, true);
  {
    const cid = id();
    const c = run(['create', '--bundle', bundles.sleep, cid]);
    if (c.status !== 0) res['state (created)'] = { error: `create: ${c.err.split('\n').pop().slice(0, 120)}` };
    else row('state (created)', () => must(run(['state', cid]), 'state').ms, true);
    cleanup(cid);
  }
  row('create', () => {
    const cid = id();
    const r = run(['create', '--bundle', bundles.sleep, cid]);
    cleanup(cid);
    return must(r, 'create').ms;
  }, true);
  row('run /bin/true', () => {
    const cid = id();
    const r = run(['run', '--bundle', bundles.true, cid]);
    if (r.status !== 0) { cleanup(cid); must(r, 'run'); }
    return r.ms;
  });
  row('create-start-state-kill-delete', () => {
    const cid = id();
    let total = 0;
    try {
      total += must(run(['create', '--bundle', bundles.sleep, cid]), 'create').ms;
      total += must(run(['start', cid]), 'start').ms;
      total += must(run(['state', cid]), 'state').ms;
      total += must(run(['kill', cid, 'KILL']), 'kill').ms;
      total += must(run(['delete', '--force', cid]), 'delete').ms;
    } catch (e) {
      cleanup(cid);
      throw e;
    }
    return total;
  });
  {
    // exec into one running container; then what each detached exec'd `sleep` adds to it: its
    // VmRSS, and the container's memory cgroup usage per process (nothing of the runtime stays)
    const cid = id();
    try {
      must(run(['run', '--detach', '--bundle', bundles.sleep, cid]), 'run --detach');
      row('exec true', () => must(run(['exec', cid, 'true']), 'exec').ms, true);
      const init = JSON.parse(must(run(['state', cid]), 'state').out).pid;
      const memLine = fs.readFileSync(`/proc/${init}/cgroup`, 'utf8').split('\n').find((l) => /:memory:|^0::/.test(l));
      const memDir = memLine ? path.join(memLine.startsWith('0::') ? '/sys/fs/cgroup' : '/sys/fs/cgroup/memory', memLine.split(':')[2]) : '';
      const usage = () => {
        for (const f of ['memory.usage_in_bytes', 'memory.current']) {
          try { return Number(fs.readFileSync(path.join(memDir, f), 'utf8')); } catch { /* the other version */ }
        }
        return NaN;
      };
      const before = usage();
      const rss = [];
      const k = Math.min(n, 10);
      for (let i = 0; i < k; i++) {
        const pidFile = path.join(dir, `${cid}-x${i}.pid`);
        must(run(['exec', '--detach', '--pid-file', pidFile, cid, 'sleep', '1000']), 'exec --detach');
        const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${fs.readFileSync(pidFile, 'utf8').trim()}/status`, 'utf8'));
        rss.push(m ? Number(m[1]) / 1024 : NaN);
      }
      res['exec\'d process RSS (MiB)'] = median(rss);
      res['container memory per exec (MiB)'] = (usage() - before) / k / 1048576;
    } catch (e) {
      res['exec true'] = { error: e instanceof Failed ? e.message : String(e.message || e) };
    } finally {
      cleanup(cid);
    }
  }
  {
    const rss = [];
    try {
      for (let i = 0; i < Math.min(n, 5); i++) {
        const cid = id();
        const pidFile = path.join(dir, `${cid}.pid`);
        try {
          must(run(['create', '--bundle', bundles.sleep, '--pid-file', pidFile, cid]), 'create');
          const pid = fs.readFileSync(pidFile, 'utf8').trim();
          const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
          if (!m) throw new Failed(`no VmRSS for pid ${pid}`);
          rss.push(Number(m[1]) / 1024);
        } finally {
          cleanup(cid);
        }
      }
      res['init RSS (MiB)'] = median(rss);
    } catch (e) {
      res['init RSS (MiB)'] = { error: e instanceof Failed ? e.message : String(e.message || e) };
    }
  }
  return res;
}

/** crun on a hybrid host: measure inside a private mount namespace with a pure cgroup2 mount. */
function measureCrunIsolated(bundles, dir, n) {
  const script = 'umount -l /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup && exec "$0" "$@"';
  const r = spawnSync('unshare', ['-m', 'sh', '-c', script, NODE, __filename, '--worker', 'crun', '--dir', dir, '-n', String(n)],
    { env: ENV, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error((r.stderr || '').toString().trim().split('\n').pop() || `unshare: exit ${r.status}`);
  return JSON.parse(r.stdout.toString());
}

function fmt(v, unit = 'ms') {
  if (v === undefined) return '-';
  if (typeof v === 'object') return `error: ${v.error}`;
  return unit === 'MiB' ? `${v.toFixed(2)} MiB` : `${v.toFixed(1)} ms`;
}

function ratio(a, b) {
  return typeof a === 'number' && typeof b === 'number' && b > 0 ? `${(a / b).toFixed(2)}×` : '-';
}

function table(rows) {
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows.map((r) => r.map((c, i) => String(c).padEnd(w[i])).join('  ').trimEnd()).join('\n');
}

function main() {
  const o = parseCli(process.argv.slice(2));
  if (o.worker) {
    // Inside unshare: same bundles, own state root.
    const bundles = { true: path.join(o.dir, 'bundle-true'), sleep: path.join(o.dir, 'bundle-sleep') };
    const rt = { ...RUNTIMES[o.worker], pre: ['--cgroup-manager=disabled'] };
    process.stdout.write(JSON.stringify(measure(o.worker, rt, bundles, o.dir, o.n)));
    return;
  }
  if (process.getuid() !== 0) console.error('warning: not root; create/run rows will fail');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-ts-bench-'));
  const results = {};
  const notes = [];
  try {
    const bundles = makeBundles(dir);
    const nodeTimes = [];
    for (let i = 0; i < o.n; i++) nodeTimes.push(exec(NODE, ['-e', '0']).ms);
    const nodeMs = median(nodeTimes);
    for (const name of o.only) {
      const rt = RUNTIMES[name];
      if (!rt) throw new Error(`unknown runtime ${name}`);
      if (!fs.existsSync(rt.bin)) { results[name] = { '--version': { error: `${rt.bin} not installed` } }; continue; }
      if (name === 'crun') {
        const probe = exec(rt.bin, ['--root', path.join(dir, 'probe'), 'run', '--bundle', bundles.true, `probe${process.pid}`]);
        if (probe.status !== 0 && /hybrid/.test(probe.err)) {
          try {
            results[name] = measureCrunIsolated(bundles, dir, o.n);
            notes.push('crun: measured under unshare -m with a private cgroup2 mount and --cgroup-manager=disabled (it refuses hybrid cgroups: "' + probe.err.split('\n').pop() + '")');
          } catch (e) {
            results[name] = { '--version': { error: `unavailable: ${probe.err.split('\n').pop()}; isolated run: ${e.message}` } };
          }
          continue;
        }
      }
      results[name] = measure(name, rt, bundles, dir, o.n);
    }
    const names = o.only;
    const labels = ['--version', 'state (missing)', 'state (created)', 'create', 'run /bin/true', 'create-start-state-kill-delete', 'exec true', 'init RSS (MiB)', 'exec\'d process RSS (MiB)', 'container memory per exec (MiB)'];
    const rows = [['', ...names, 'oci-ts÷node', 'oci-ts÷runc', 'oci-ts÷crun']];
    rows.push(['node -e 0', ...names.map((rt) => (rt === 'oci-ts' ? fmt(nodeMs) : '')), '1.00×', '', '']);
    for (const l of labels) {
      const unit = l.includes('MiB') ? 'MiB' : 'ms';
      const v = (rt) => results[rt] && results[rt][l];
      const oci = v('oci-ts');
      const pairedRatio = v('oci-ts') !== undefined && results['oci-ts'][`${l} ÷node`];
      const toNode = typeof pairedRatio === 'number' ? `${pairedRatio.toFixed(2)}× (paired)` : unit === 'ms' ? ratio(oci, nodeMs) : '';
      rows.push([l, ...names.map((rt) => fmt(v(rt), unit)), toNode, ratio(oci, v('runc')), ratio(oci, v('crun'))]);
    }
    console.log(`median of ${o.n} runs (RSS: median of ${Math.min(o.n, 5)}), node ${process.version}, ${os.cpus().length} CPUs`);
    console.log(table(rows));
    for (const n of notes) console.log(`note: ${n}`);
  } finally {
    if (o.keep) console.log(`kept ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
}

main();
