#!/usr/bin/env node
'use strict';
/**
 * oci-ts beside runc and crun on the same busybox bundle (`npm run bench`; needs root).
 * docs/performance.md explains each figure and keeps the last published run.
 *
 *   node bench/bench.js [--quick] [-n RUNS] [--section table,throughput,scale,config,peak]
 *                       [--only oci-ts,runc,crun] [--scale N] [--total N] [--keep]
 *
 * Sections:
 *   table       node -e 0, --version, state (missing/created), create, start, kill, run /bin/true,
 *               create-start-state-kill-delete, exec ID true; RSS of a created init and of an
 *               exec'd process. Each run of a row goes to every runtime in turn (rotating the order),
 *               so load drift hits all alike; a time is the median of RUNS, a ratio the median of
 *               the per-round ratios. state/start/kill also with OCI_TS_FASTPATH=0 when the launcher
 *               has the fast path.
 *   throughput  containers/s for create+start+delete of /bin/true, 1, 4 and 16 in flight.
 *   scale       create, state and list with N containers (created, not started) under one --root.
 *   config      create with 200 mounts, a 300-rule seccomp profile (cached, uncached), 1,000 env entries.
 *   peak        peak RSS of the runtime process (wait4's ru_maxrss, via /usr/bin/time) in create, exec.
 *
 * Every command gets the near-empty environment engines give (PATH only: no NODE_EXTRA_CA_CERTS,
 * which alone triples Node's start-up). Everything lives under one fresh /tmp/oci-ts-bench-* dir with
 * its own --root per runtime and container ids with this run's prefix; on exit, failure or a
 * signal every container made is deleted and the leftovers (state, processes, cgroups, mounts) checked.
 *
 * crun 1.8.1 refuses hybrid cgroup hosts ("cgroups in hybrid mode not supported"), even with
 * --cgroup-manager=disabled. If a direct probe fails that way, crun runs in a worker under
 * `unshare -m` with a private cgroup2 mount on /sys/fs/cgroup and --cgroup-manager=disabled (so its
 * figures include no cgroup work); the worker times each command itself, so crun still takes its
 * turn in every round.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn, spawnSync } = require('child_process');

const ROOT = path.resolve(__dirname, '..');
// scale last: the kernel tears down its thousands of namespaces for a while after it
const SECTIONS = ['table', 'throughput', 'config', 'peak', 'scale'];
const ENV = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' };
const NODE = process.execPath;
const TIME = '/usr/bin/time';
const RUNTIMES = {
  'oci-ts': path.join(ROOT, 'bin', 'oci-ts'),
  runc: '/usr/sbin/runc',
  crun: '/usr/bin/crun',
};
/** The issue's goals: oci-ts ÷ runc time at most this. */
const GOALS = {
  create: 1.0,
  'run /bin/true': 1.0,
  'create-start-state-kill-delete': 1.5,
  'state (created)': 1.0,
  start: 1.0,
  kill: 1.0,
  'exec true': 1.0,
};
const INIT_RSS_GOAL_MIB = 600 / 1024;

const USAGE = `usage: node bench/bench.js [options]   (root)
  --quick            few runs, N=100 for scale, 16 containers per throughput run (~2 min)
  -n, --runs N       runs per row (default 20, --quick 5)
  --section LIST     any of ${SECTIONS.join(',')} (default all)
  --only LIST        runtimes, any of ${Object.keys(RUNTIMES).join(',')} (default all)
  --scale N          containers under one --root for the scale section (default 1000, --quick 100)
  --total N          containers per throughput run (default 48, --quick 16)
  --keep             keep the work directory`;

function parseCli(argv) {
  const o = { n: null, quick: false, keep: false, only: Object.keys(RUNTIMES), sections: SECTIONS, scale: null, total: null, worker: null };
  const num = (a, v) => {
    const x = Number(v);
    if (!(Number.isInteger(x) && x > 0)) throw new Error(`${a} needs a positive whole number, not "${v}"`);
    return x;
  };
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    let v;
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) { v = a.slice(eq + 1); a = a.slice(0, eq); }
    const val = () => { if (v === undefined) v = argv[++i]; if (v === undefined) throw new Error(`${a} needs a value`); return v; };
    if (a === '-n' || a === '--runs') o.n = num(a, val());
    else if (a === '--quick') o.quick = true;
    else if (a === '--keep') o.keep = true;
    else if (a === '--only') o.only = val().split(',');
    else if (a === '--section' || a === '--sections') o.sections = val().split(',');
    else if (a === '--scale') o.scale = num(a, val());
    else if (a === '--total') o.total = num(a, val());
    else if (a === '--worker') o.worker = val();
    else if (a === '-h' || a === '--help') { console.log(USAGE); process.exit(0); }
    else throw new Error(`unknown argument ${a} (--help lists them)`);
  }
  for (const s of o.sections) if (!SECTIONS.includes(s)) throw new Error(`--section: unknown section "${s}" (one of ${SECTIONS.join(', ')})`);
  for (const r of o.only) if (!RUNTIMES[r]) throw new Error(`--only: unknown runtime "${r}" (one of ${Object.keys(RUNTIMES).join(', ')})`);
  o.n = o.n ?? (o.quick ? 5 : 20);
  o.scale = o.scale ?? (o.quick ? 100 : 1000);
  o.total = o.total ?? (o.quick ? 16 : 48);
  o.reps = o.quick ? 1 : 3;
  return o;
}

const median = (a) => {
  if (!a.length) return NaN;
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const sleepMs = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
const readOr = (p, d = '') => { try { return fs.readFileSync(p, 'utf8'); } catch { return d; } };
const memAvailableMiB = () => Number((/MemAvailable:\s+(\d+)/.exec(readOr('/proc/meminfo')) || [0, 0])[1]) / 1024;
const lastLine = (s) => (s.trim().split('\n').pop() || '').slice(0, 160);

class Failed extends Error {}
class Interrupted extends Error {}

/** Set by SIGINT/SIGTERM/SIGHUP; checked between runs (the runs themselves are synchronous). */
let interrupted = null;
async function checkpoint() {
  await new Promise((r) => setImmediate(r));
  if (interrupted) throw new Interrupted(interrupted);
}

let ioDir = null;
/**
 * Runs one command; returns {ms, status, signal, out, err}. stdout/stderr go to files, not pipes: a
 * container's init inherits them, and spawnSync would wait for a pipe's EOF until the container dies.
 */
function exec(bin, args, env = ENV) {
  if (!ioDir) {
    ioDir = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-ts-bench-io-'));
    process.on('exit', () => fs.rmSync(ioDir, { recursive: true, force: true }));
  }
  const outFile = path.join(ioDir, 'out');
  const errFile = path.join(ioDir, 'err');
  const o = fs.openSync(outFile, 'w+');
  const e = fs.openSync(errFile, 'w+');
  const t = process.hrtime.bigint();
  const r = spawnSync(bin, args, { env, stdio: ['ignore', o, e], timeout: 60000 });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  fs.closeSync(o);
  fs.closeSync(e);
  const err = r.error ? r.error.message : fs.readFileSync(errFile, 'utf8').trim();
  return { ms, status: r.status, signal: r.signal, out: fs.readFileSync(outFile, 'utf8'), err };
}

/**
 * Runs `seqs` (each a list of argument lists for `bin`, run one after the other) with `k` sequences
 * in flight; returns {ms, done, failed, firstError}. A sequence stops at its first failing command.
 */
async function runPool({ bin, seqs, k, env, detached }) {
  if (!ioDir) exec('/bin/true', []);
  const errPath = path.join(ioDir, `pool-${Date.now()}-${Math.random().toString(16).slice(2)}`);
  const errFd = fs.openSync(errPath, 'a');
  let next = 0;
  let done = 0;
  let failed = 0;
  let firstError = null;
  const one = (args) => new Promise((resolve) => {
    const c = spawn(bin, args, { env, stdio: ['ignore', 'ignore', errFd], detached: !!detached });
    c.on('error', (e) => resolve({ status: -1, err: e.message }));
    c.on('exit', (status, signal) => resolve({ status, signal }));
  });
  const lane = async () => {
    while (next < seqs.length && !(interrupted && !detached)) {
      const seq = seqs[next++];
      let ok = true;
      for (const args of seq) {
        const r = await one(args);
        if (r.status !== 0) {
          ok = false;
          if (!firstError) firstError = `${args.filter((a) => !a.startsWith('-')).slice(-2).join(' ')}: ${r.err || (r.signal ? `killed by ${r.signal}` : `exit ${r.status}`)}`;
          break;
        }
      }
      if (ok) done++; else failed++;
    }
  };
  const t = process.hrtime.bigint();
  await Promise.all(Array.from({ length: Math.max(1, Math.min(k, seqs.length)) }, lane));
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  fs.closeSync(errFd);
  const errText = readOr(errPath);
  fs.rmSync(errPath, { force: true });
  if (firstError && errText.trim()) firstError += ` (${lastLine(errText)})`;
  return { ms, done, failed, firstError };
}

/**
 * crun's worker: a node process of this file inside `unshare -m` with cgroup2 on /sys/fs/cgroup.
 * Requests and replies are JSON lines over two FIFOs, so the (synchronous) bench can wait for a reply
 * without its event loop; the worker times each command itself.
 */
class Remote {
  constructor(dir) {
    this.dir = path.join(dir, 'crun-worker');
    fs.mkdirSync(this.dir);
    for (const f of ['req', 'resp']) {
      const r = spawnSync('mkfifo', ['-m', '600', path.join(this.dir, f)]);
      if (r.status !== 0) throw new Error(`mkfifo: ${r.stderr}`);
    }
    // O_RDWR: never blocks, and the worker sees EOF only when this process is gone
    this.req = fs.openSync(path.join(this.dir, 'req'), fs.constants.O_RDWR);
    this.resp = fs.openSync(path.join(this.dir, 'resp'), fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    this.errPath = path.join(this.dir, 'stderr');
    const errFd = fs.openSync(this.errPath, 'w');
    const script = 'umount -l /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup && exec "$0" "$@"';
    // its own process group: a Ctrl-C of the bench must not kill it before it has cleaned up
    this.child = spawn('unshare', ['-m', 'sh', '-c', script, NODE, __filename, '--worker', this.dir],
      { env: ENV, stdio: ['ignore', 'ignore', errFd], detached: true });
    fs.closeSync(errFd);
    this.child.unref();
    this.buf = '';
    this.dead = null;
  }

  alive() {
    const st = readOr(`/proc/${this.child.pid}/stat`);
    return st !== '' && !/\) [ZX] /.test(st);
  }

  call(msg) {
    if (this.dead) throw new Error(this.dead);
    fs.writeSync(this.req, JSON.stringify(msg) + '\n');
    const chunk = Buffer.alloc(1 << 16);
    for (let spins = 0; ; spins++) {
      const nl = this.buf.indexOf('\n');
      if (nl >= 0) {
        const line = this.buf.slice(0, nl);
        this.buf = this.buf.slice(nl + 1);
        const res = JSON.parse(line);
        if (res.error) throw new Error(res.error);
        return res;
      }
      let n = 0;
      try { n = fs.readSync(this.resp, chunk); } catch (e) { if (e.code !== 'EAGAIN') throw e; }
      if (n > 0) { this.buf += chunk.toString('utf8', 0, n); continue; }
      if (spins % 50 === 49 && !this.alive()) {
        this.dead = `crun worker died: ${lastLine(readOr(this.errPath)) || 'no message'}`;
        throw new Error(this.dead);
      }
      sleepMs(2);
    }
  }

  exec(bin, args, env) {
    const r = this.call({ op: 'exec', bin, args, env });
    if (r.signal === 'SIGINT') throw new Interrupted('SIGINT');
    return r;
  }

  pool(req) { return this.call({ op: 'pool', ...req }); }

  close() {
    try { fs.closeSync(this.req); } catch { /* closed */ }
    try { fs.closeSync(this.resp); } catch { /* closed */ }
  }
}

async function worker(dir) {
  const req = fs.openSync(path.join(dir, 'req'), 'r');
  const resp = fs.openSync(path.join(dir, 'resp'), 'w');
  const chunk = Buffer.alloc(1 << 16);
  let buf = '';
  for (;;) {
    const nl = buf.indexOf('\n');
    if (nl < 0) {
      const n = fs.readSync(req, chunk);
      if (n === 0) return; // the bench is gone
      buf += chunk.toString('utf8', 0, n);
      continue;
    }
    const m = JSON.parse(buf.slice(0, nl));
    buf = buf.slice(nl + 1);
    let res;
    try {
      if (m.op === 'exec') res = exec(m.bin, m.args, m.env);
      else if (m.op === 'pool') res = await runPool(m);
      else throw new Error(`unknown op ${m.op}`);
    } catch (e) {
      res = { error: String(e.message || e) };
    }
    fs.writeSync(resp, JSON.stringify(res) + '\n');
  }
}

/** One runtime (or oci-ts with OCI_TS_FASTPATH=0) with its own --root; remembers the ids it made. */
class Runner {
  constructor({ name, bin, tag, dir, pre = [], env = ENV, remote = null, note = null }) {
    Object.assign(this, { name, bin, tag, pre, env, remote, note });
    this.root = path.join(dir, `root-${tag}`);
    this.ids = new Set();
    this.seq = 0;
  }

  newId() {
    const id = `${PREFIX}${this.tag}-${this.seq++}`;
    this.ids.add(id);
    return id;
  }

  raw(bin, args) {
    if (this.remote) return this.remote.exec(bin, args, this.env);
    const r = exec(bin, args, this.env);
    if (r.signal === 'SIGINT') { interrupted = 'SIGINT'; throw new Interrupted('SIGINT'); }
    return r;
  }

  argv(args) { return [...this.pre, '--root', this.root, ...args]; }

  run(args) { return this.raw(this.bin, this.argv(args)); }

  async pool(seqs, k, detached = false) {
    const req = { bin: this.bin, seqs: seqs.map((s) => s.map((a) => this.argv(a))), k, env: this.env, detached };
    return this.remote ? this.remote.pool(req) : runPool(req);
  }

  /** delete --force, untimed; the id is forgotten once it is gone */
  remove(id) {
    const r = this.run(['delete', '--force', id]);
    if (r.status === 0) this.ids.delete(id);
    return r;
  }
}

const PREFIX = `ob${process.pid.toString(36)}${Math.random().toString(36).slice(2, 5)}`;

function must(r, what) {
  if (r.status !== 0) throw new Failed(`${what}: ${lastLine(r.err) || `exit ${r.status}`}`);
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
  let r = exec(RUNTIMES.runc, ['spec', '--bundle', tmpl]);
  if (r.status !== 0) r = exec(RUNTIMES['oci-ts'], ['spec', '--bundle', tmpl]);
  must(r, 'spec');
  const base = JSON.parse(fs.readFileSync(path.join(tmpl, 'config.json'), 'utf8'));
  base.process.terminal = false;
  base.root = { path: rootfs, readonly: true }; // one shared read-only rootfs, by absolute path
  const bundles = {};
  const bundle = (name, edit) => {
    const b = path.join(dir, `bundle-${name}`);
    fs.mkdirSync(b);
    const cfg = JSON.parse(JSON.stringify(base));
    edit(cfg);
    fs.writeFileSync(path.join(b, 'config.json'), JSON.stringify(cfg, null, '\t'));
    bundles[name] = b;
  };
  bundle('true', (c) => { c.process.args = ['/bin/true']; });
  bundle('sleep', (c) => { c.process.args = ['/bin/sleep', '1000']; });
  // 200 mounts: 100 tmpfs and 100 read-only binds of one directory (mount points made here, so the
  // read-only rootfs needs no mkdir)
  const bindSrc = path.join(dir, 'bind-src');
  fs.mkdirSync(bindSrc);
  fs.writeFileSync(path.join(bindSrc, 'file'), 'x\n');
  for (let i = 0; i < 100; i++) {
    fs.mkdirSync(path.join(rootfs, 'm', `t${i}`), { recursive: true });
    fs.mkdirSync(path.join(rootfs, 'm', `b${i}`), { recursive: true });
  }
  bundle('mounts200', (c) => {
    c.process.args = ['/bin/sleep', '1000'];
    for (let i = 0; i < 100; i++) {
      c.mounts.push({ destination: `/m/t${i}`, type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=755', 'size=64k'] });
      c.mounts.push({ destination: `/m/b${i}`, type: 'bind', source: bindSrc, options: ['rbind', 'ro'] });
    }
  });
  bundle('seccomp300', (c) => {
    c.process.args = ['/bin/sleep', '1000'];
    c.linux.seccomp = seccompProfile(300);
  });
  bundle('env1000', (c) => {
    c.process.args = ['/bin/sleep', '1000'];
    for (let i = 0; i < 1000; i++) c.process.env.push(`BENCH_VAR_${i}=value-of-variable-number-${i}`);
  });
  return bundles;
}

/**
 * A Docker-like allow list of `count` rules, one system call each (the first `count` x86_64 names
 * of the kernel headers), default SCMP_ACT_ERRNO. Without the headers: `count` argument rules on
 * ioctl (default allow), which compile to a filter of the same length.
 */
function seccompProfile(count) {
  const names = [];
  for (const h of ['/usr/include/x86_64-linux-gnu/asm/unistd_64.h', '/usr/include/asm/unistd_64.h']) {
    const text = readOr(h);
    for (const m of text.matchAll(/^#define __NR_(\w+)\s+(\d+)$/gm)) names.push([m[1], Number(m[2])]);
    if (names.length) break;
  }
  const arches = ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'];
  if (process.arch === 'x64' && names.length >= count) {
    names.sort((a, b) => a[1] - b[1]);
    return {
      defaultAction: 'SCMP_ACT_ERRNO',
      architectures: arches,
      syscalls: names.slice(0, count).map(([n]) => ({ names: [n], action: 'SCMP_ACT_ALLOW' })),
    };
  }
  return {
    defaultAction: 'SCMP_ACT_ALLOW',
    syscalls: Array.from({ length: count }, (_, i) => ({ names: ['ioctl'], action: 'SCMP_ACT_ERRNO', args: [{ index: 1, value: 0x7f000000 + i, op: 'SCMP_CMP_EQ' }] })),
  };
}

// ---------------------------------------------------------------- measuring

const errorOf = (e) => ({ error: e instanceof Failed ? e.message : String(e.message || e) });

/**
 * One row, interleaved: in round i every runner runs `fn` once, the order rotating each round.
 * Returns { times: {name: ms[] }, result: {name: median | {error}}, ratio(a, b) }.
 */
async function row(runners, n, fn) {
  const times = Object.fromEntries(runners.map((r) => [r.name, []]));
  const errors = {};
  for (let i = 0; i < n; i++) {
    await checkpoint();
    const live = runners.filter((r) => !errors[r.name]);
    if (!live.length) break;
    for (let j = 0; j < live.length; j++) {
      const r = live[(i + j) % live.length];
      try {
        times[r.name][i] = fn(r);
      } catch (e) {
        if (e instanceof Interrupted) throw e;
        errors[r.name] = errorOf(e);
      }
    }
  }
  const result = {};
  for (const r of runners) result[r.name] = errors[r.name] || median(times[r.name].filter((x) => x !== undefined));
  /** median over rounds of a's time ÷ b's time */
  const ratio = (a, b) => {
    if (!times[a] || !times[b] || errors[a] || errors[b]) return NaN;
    const q = [];
    for (let i = 0; i < n; i++) if (times[a][i] !== undefined && times[b][i] !== undefined) q.push(times[a][i] / times[b][i]);
    return median(q);
  };
  return { times, result, ratio };
}

const fmtMs = (v) => (v === undefined ? '-' : typeof v === 'object' ? `error: ${v.error}` : Number.isNaN(v) ? '-' : `${v.toFixed(1)} ms`);
const fmtMiB = (v) => (v === undefined ? '-' : typeof v === 'object' ? `error: ${v.error}` : Number.isNaN(v) ? '-' : `${v.toFixed(2)} MiB`);
const fmtX = (v) => (typeof v === 'number' && Number.isFinite(v) ? `${v.toFixed(2)}×` : '-');

function table(rows) {
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => String(c ?? '').padEnd(w[i])).join('  ').trimEnd()).join('\n');
}

function goalCell(label, ratio) {
  const g = GOALS[label];
  if (g === undefined) return '';
  if (!Number.isFinite(ratio)) return `≤${g.toFixed(1)}× ?`;
  return `≤${g.toFixed(1)}× ${ratio <= g ? 'met' : 'NOT met'}`;
}

/** Column layout shared by the sections: oci-ts, runc, crun, [oci-ts FASTPATH=0], ratios. */
function layout(ctx) {
  const names = ctx.runners.map((r) => r.name);
  const has = (x) => names.includes(x);
  const head = ['', ...names];
  if (has('oci-ts')) {
    if (has('runc')) head.push('oci-ts÷runc');
    if (has('crun')) head.push('oci-ts÷crun');
  }
  return { names, has, head };
}

function progress(msg) {
  process.stderr.write(`[${((Date.now() - START) / 1000).toFixed(0).padStart(4)} s] ${msg}\n`);
}

async function sectionTable(ctx, bundles) {
  const { runners, n, fp } = ctx;
  const { names, has } = layout(ctx);
  const main = runners; // oci-ts, runc, crun
  const withFp = fp ? [...runners, fp] : runners;
  const head = ['', ...names, ...(fp ? [fp.name] : []), ...(has('oci-ts') && has('runc') ? ['oci-ts÷runc'] : []), ...(has('oci-ts') && has('crun') ? ['oci-ts÷crun'] : []), 'goal (÷runc)'];
  const rows = [head];
  const add = (label, res, fmt = fmtMs) => {
    const line = [label, ...names.map((x) => fmt(res.result[x]))];
    if (fp) {
      const v = res.result[fp.name];
      const rr = res.ratio(fp.name, 'runc');
      line.push(v === undefined ? '' : `${fmt(v)}${Number.isFinite(rr) ? ` (${fmtX(rr)} runc)` : ''}`);
    }
    const toRunc = res.ratio('oci-ts', 'runc');
    if (has('oci-ts') && has('runc')) line.push(fmtX(toRunc));
    if (has('oci-ts') && has('crun')) line.push(fmtX(res.ratio('oci-ts', 'crun')));
    line.push(goalCell(label, toRunc));
    rows.push(line);
    ctx.summary[label] = { ...res.result, ratio: toRunc };
  };
  const step = async (label, rs, fn, fmt) => {
    progress(`table: ${label}`);
    add(label, await row(rs, n, fn), fmt);
  };

  if (has('oci-ts')) {
    const ociOnly = runners.filter((r) => r.name === 'oci-ts');
    progress('table: node -e 0');
    const res = await row(ociOnly, n, () => exec(NODE, ['-e', '0']).ms);
    rows.push(['node -e 0 (Node alone)', ...names.map((x) => (x === 'oci-ts' ? fmtMs(res.result[x]) : ''))]);
    ctx.summary.node = res.result['oci-ts'];
  }
  await step('--version', main, (r) => must(r.raw(r.bin, [...r.pre, '--version']), '--version').ms);
  await step('state (missing)', withFp, (r) => r.run(['state', `${PREFIX}-missing`]).ms);
  {
    const made = new Map();
    try {
      for (const r of withFp) {
        const id = r.newId();
        const c = r.run(['create', '--bundle', bundles.sleep, id]);
        made.set(r, c.status === 0 ? id : null);
        if (c.status !== 0) r.createError = `create: ${lastLine(c.err)}`;
      }
      await step('state (created)', withFp, (r) => {
        if (!made.get(r)) throw new Failed(r.createError);
        return must(r.run(['state', made.get(r)]), 'state').ms;
      });
    } finally {
      for (const [r, id] of made) if (id) r.remove(id);
    }
  }
  await step('create', main, (r) => {
    const id = r.newId();
    const c = r.run(['create', '--bundle', bundles.sleep, id]);
    r.remove(id);
    return must(c, 'create').ms;
  });
  await step('start', withFp, (r) => {
    const id = r.newId();
    try {
      must(r.run(['create', '--bundle', bundles.sleep, id]), 'create');
      return must(r.run(['start', id]), 'start').ms;
    } finally {
      r.remove(id);
    }
  });
  await step('kill', withFp, (r) => {
    const id = r.newId();
    try {
      must(r.run(['create', '--bundle', bundles.sleep, id]), 'create');
      must(r.run(['start', id]), 'start');
      return must(r.run(['kill', id, 'KILL']), 'kill').ms;
    } finally {
      r.remove(id);
    }
  });
  await step('delete (stopped)', main, (r) => {
    const id = r.newId();
    try {
      must(r.run(['create', '--bundle', bundles.sleep, id]), 'create');
      must(r.run(['start', id]), 'start');
      must(r.run(['kill', id, 'KILL']), 'kill');
      for (let i = 0; i < 200 && !/"status":\s*"stopped"/.test(r.run(['state', id]).out); i++) sleepMs(10);
      const d = must(r.run(['delete', id]), 'delete');
      r.ids.delete(id);
      return d.ms;
    } finally {
      if (r.ids.has(id)) r.remove(id);
    }
  });
  await step('run /bin/true', main, (r) => {
    const id = r.newId();
    const c = r.run(['run', '--bundle', bundles.true, id]);
    r.remove(id);
    return must(c, 'run').ms;
  });
  await step('create-start-state-kill-delete', main, (r) => {
    const id = r.newId();
    try {
      let total = 0;
      total += must(r.run(['create', '--bundle', bundles.sleep, id]), 'create').ms;
      total += must(r.run(['start', id]), 'start').ms;
      total += must(r.run(['state', id]), 'state').ms;
      total += must(r.run(['kill', id, 'KILL']), 'kill').ms;
      total += must(r.run(['delete', '--force', id]), 'delete').ms;
      r.ids.delete(id);
      return total;
    } catch (e) {
      r.remove(id);
      throw e;
    }
  });
  {
    // exec into one running container per runtime; then what each detached exec'd `sleep` adds to
    // it: its VmRSS, and the container's memory cgroup per process (nothing of the runtime stays)
    const running = new Map();
    const rss = {};
    const perExec = {};
    try {
      for (const r of main) {
        const id = r.newId();
        const c = r.run(['run', '--detach', '--bundle', bundles.sleep, id]);
        running.set(r, c.status === 0 ? id : null);
        if (c.status !== 0) r.runError = `run --detach: ${lastLine(c.err)}`;
      }
      await step('exec true', main, (r) => {
        if (!running.get(r)) throw new Failed(r.runError);
        return must(r.run(['exec', running.get(r), 'true']), 'exec').ms;
      });
      progress('table: exec\'d process RSS');
      for (const r of main) {
        const id = running.get(r);
        if (!id) { rss[r.name] = perExec[r.name] = { error: r.runError }; continue; }
        try {
          const init = JSON.parse(must(r.run(['state', id]), 'state').out).pid;
          // the container's memory cgroup; crun in its worker has none (--cgroup-manager=disabled)
          const memLine = r.remote ? null : readOr(`/proc/${init}/cgroup`).split('\n').find((l) => /:memory:|^0::/.test(l));
          const memDir = memLine ? path.join(memLine.startsWith('0::') ? '/sys/fs/cgroup' : '/sys/fs/cgroup/memory', memLine.split(':')[2]) : '';
          const usage = () => {
            for (const f of ['memory.usage_in_bytes', 'memory.current']) {
              const v = readOr(path.join(memDir, f));
              if (memDir && v) return Number(v);
            }
            return NaN;
          };
          const before = usage();
          const vals = [];
          const k = Math.min(n, 10);
          for (let i = 0; i < k; i++) {
            const pidFile = path.join(ctx.dir, `${id}-x${i}.pid`);
            must(r.run(['exec', '--detach', '--pid-file', pidFile, id, 'sleep', '1000']), 'exec --detach');
            const m = /VmRSS:\s+(\d+) kB/.exec(readOr(`/proc/${readOr(pidFile).trim()}/status`));
            vals.push(m ? Number(m[1]) / 1024 : NaN);
          }
          rss[r.name] = median(vals);
          perExec[r.name] = (usage() - before) / k / 1048576;
        } catch (e) {
          if (e instanceof Interrupted) throw e;
          rss[r.name] = perExec[r.name] = errorOf(e);
        }
      }
    } finally {
      for (const [r, id] of running) if (id) r.remove(id);
    }
    const none = () => NaN;
    add('exec\'d process RSS (MiB)', { result: rss, ratio: none }, fmtMiB);
    add('container memory per exec (MiB)', { result: perExec, ratio: none }, fmtMiB);
  }
  {
    progress('table: init RSS');
    const rss = {};
    const anon = {};
    for (const r of main) {
      const vals = [];
      const anonVals = [];
      try {
        for (let i = 0; i < Math.min(n, 5); i++) {
          await checkpoint();
          const id = r.newId();
          const pidFile = path.join(ctx.dir, `${id}.pid`);
          try {
            must(r.run(['create', '--bundle', bundles.sleep, '--pid-file', pidFile, id]), 'create');
            const pid = readOr(pidFile).trim();
            const m = /VmRSS:\s+(\d+) kB/.exec(readOr(`/proc/${pid}/status`));
            if (!m) throw new Failed(`no VmRSS for pid ${pid}`);
            vals.push(Number(m[1]) / 1024);
            const a = /RssAnon:\s+(\d+) kB/.exec(readOr(`/proc/${pid}/status`));
            if (a) anonVals.push(Number(a[1]) / 1024);
          } finally {
            r.remove(id);
          }
        }
        rss[r.name] = median(vals);
        anon[r.name] = median(anonVals);
      } catch (e) {
        if (e instanceof Interrupted) throw e;
        rss[r.name] = anon[r.name] = errorOf(e);
      }
    }
    add('init RSS (MiB)', { result: rss, ratio: () => NaN }, fmtMiB);
    const v = rss['oci-ts'];
    const rssRow = rows.length - 1;
    add('init RssAnon, its own (MiB)', { result: anon, ratio: () => NaN }, fmtMiB);
    if (typeof v === 'number') rows[rssRow][rows[0].length - 1] = `oci-ts ≤600 KiB ${v <= INIT_RSS_GOAL_MIB ? 'met' : 'NOT met'} (${Math.round(v * 1024)} KiB)`;
  }
  return [`table: times are medians of ${n} rounds (RSS: of ${Math.min(n, 5)}, exec'd RSS of ${Math.min(n, 10)}); ratios are medians of the per-round ratios`, table(rows)];
}

async function sectionThroughput(ctx, bundles) {
  const { runners, total, reps } = ctx;
  const { names, has } = layout(ctx);
  const head = ['containers/s', ...names, ...(has('oci-ts') && has('runc') ? ['oci-ts÷runc'] : []), ...(has('oci-ts') && has('crun') ? ['oci-ts÷crun'] : [])];
  const rows = [head];
  for (const k of [1, 4, 16]) {
    const cps = Object.fromEntries(runners.map((r) => [r.name, []]));
    const errors = {};
    for (let rep = 0; rep < reps; rep++) {
      for (let j = 0; j < runners.length; j++) {
        await checkpoint();
        const r = runners[(rep + j + k) % runners.length];
        if (errors[r.name]) continue;
        progress(`throughput: ${r.name}, ${k} in flight, run ${rep + 1} of ${reps}`);
        const ids = Array.from({ length: total }, () => r.newId());
        const seqs = ids.map((id) => [['create', '--bundle', bundles.true, id], ['start', id], ['delete', '--force', id]]);
        try {
          const res = await r.pool(seqs, k);
          if (res.failed) errors[r.name] = { error: `${res.failed} of ${total} failed, first: ${res.firstError}` };
          else cps[r.name].push(total / (res.ms / 1000));
        } catch (e) {
          errors[r.name] = errorOf(e);
        }
        // a failed sequence leaves its container: delete whatever is left (untimed)
        for (const id of ids) if (fs.existsSync(path.join(r.root, id))) r.remove(id); else r.ids.delete(id);
        if (interrupted) throw new Interrupted(interrupted);
      }
    }
    const med = Object.fromEntries(runners.map((r) => [r.name, errors[r.name] || median(cps[r.name])]));
    const fmt = (v) => (typeof v === 'object' ? `error: ${v.error}` : `${v.toFixed(1)}/s`);
    const line = [`${k} in flight`, ...names.map((x) => fmt(med[x]))];
    const q = (a, b) => (typeof med[a] === 'number' && typeof med[b] === 'number' ? fmtX(med[a] / med[b]) : '-');
    if (has('oci-ts') && has('runc')) line.push(q('oci-ts', 'runc'));
    if (has('oci-ts') && has('crun')) line.push(q('oci-ts', 'crun'));
    rows.push(line);
    ctx.summary[`throughput ${k}`] = med;
  }
  return [`throughput: create+start+delete --force of /bin/true, ${total} containers per run, median of ${reps} run(s); ratios of containers/s (above 1 = oci-ts faster)`, table(rows)];
}

async function sectionScale(ctx, bundles) {
  const { runners, n } = ctx;
  const notes = [];
  // What a created container holds (measured: runc's `runc init` ~2.3 MiB, oci-ts's init ~0.8 MiB,
  // crun ~1.5 MiB), with room to spare; all runtimes are populated at once so the rounds interleave.
  const perMiB = { 'oci-ts': 1.5, runc: 4, crun: 3 };
  const need = runners.reduce((s, r) => s + perMiB[r.name], 0);
  const avail = memAvailableMiB();
  let N = ctx.scale;
  if (N * need > avail / 2) {
    N = Math.max(10, Math.floor(avail / 2 / need / 10) * 10);
    notes.push(`only ${N} containers per runtime: ${ctx.scale} would need ~${Math.round(ctx.scale * need)} MiB of the ${Math.round(avail)} MiB available`);
  }
  const k = Math.max(5, Math.min(n, 11));
  // The same runtime with a second, nearly empty --root: at N it tells what grows with the
  // containers in the root from what grows with the containers on the host.
  const empty = runners.map((r) => Object.assign(Object.create(Object.getPrototypeOf(r)), r, {
    root: `${r.root}-empty`, ids: new Set(), seq: 0, tag: `${r.tag}e`,
  }));
  ctx.extraRunners.push(...empty);
  const probes = new Map();
  const expected = new Map();
  const measureAt = async (phase, rs) => {
    progress(`scale: create/state/list, ${phase}`);
    const res = {};
    res.create = await row(rs, k, (r) => {
      const id = r.newId();
      const c = r.run(['create', '--bundle', bundles.sleep, id]);
      r.remove(id);
      return must(c, 'create').ms;
    });
    res.state = await row(rs, k, (r) => must(r.run(['state', probes.get(r)]), 'state').ms);
    res.list = await row(rs, k, (r) => {
      const c = must(r.run(['list', '--format', 'json']), 'list');
      const count = (JSON.parse(c.out || 'null') || []).length;
      if (count !== expected.get(r)) throw new Failed(`list shows ${count} containers, ${expected.get(r)} made`);
      return c.ms;
    });
    return res;
  };
  let made = 0;
  try {
    for (const r of [...runners, ...empty]) {
      const id = r.newId();
      must(r.run(['create', '--bundle', bundles.sleep, id]), `${r.name} create`);
      probes.set(r, id);
      expected.set(r, 1);
    }
    const at0 = await measureAt('1 container', runners);
    // populate all runtimes in steps of 100, 4 in flight, watching the free memory
    const t0 = Date.now();
    const createMs = Object.fromEntries(runners.map((r) => [r.name, 0]));
    while (made < N) {
      const step = Math.min(100, N - made);
      for (const r of runners) {
        await checkpoint();
        const ids = Array.from({ length: step }, () => r.newId());
        const res = await r.pool(ids.map((id) => [['create', '--bundle', bundles.sleep, id]]), 4);
        createMs[r.name] += res.ms;
        if (res.failed) throw new Failed(`${r.name}: populating: ${res.failed} creates failed, first: ${res.firstError}`);
        expected.set(r, expected.get(r) + step);
      }
      made += step;
      progress(`scale: ${made} of ${N} containers per runtime (${Math.round(memAvailableMiB())} MiB available)`);
      if (memAvailableMiB() < 2048 && made < N) {
        notes.push(`stopped at ${made} containers per runtime: under 2 GiB of memory left`);
        break;
      }
    }
    progress(`scale: populated in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    const atN = await measureAt(`${made + 1} containers`, runners);
    const atE = await measureAt(`a second --root with 1 container, ${made * runners.length} elsewhere`, empty);
    const total = made * runners.length;
    const rows = [['', '1 in the root', `${made + 1} in the root (growth)`, `1 in another root, ${total} on the host`]];
    for (let i = 0; i < runners.length; i++) {
      const x = runners[i].name;
      for (const key of ['create', 'state', 'list']) {
        const a = at0[key].result[x];
        const b = atN[key].result[x];
        const c = atE[key].result[empty[i].name];
        const growth = typeof a === 'number' && typeof b === 'number' ? ` (${fmtX(b / a)})` : '';
        rows.push([`${x} ${key === 'list' ? 'list --format json' : key}`, fmtMs(a), `${fmtMs(b)}${growth}`, fmtMs(c)]);
      }
      rows.push([`${x} populating, 4 in flight`, '', `${(made / (createMs[x] / 1000)).toFixed(1)} creates/s`, '']);
    }
    const out = [`scale: ${made} containers (created, not started) per runtime beside one probe container, all runtimes' at once; medians of ${k} rounds`, table(rows)];
    const names = runners.map((r) => r.name);
    if (names.includes('oci-ts') && names.includes('runc')) {
      out.push(`at ${made + 1} in the root, oci-ts÷runc: create ${fmtX(atN.create.ratio('oci-ts', 'runc'))}, state ${fmtX(atN.state.ratio('oci-ts', 'runc'))}, list ${fmtX(atN.list.ratio('oci-ts', 'runc'))}`);
    }
    ctx.summary.scale = { made, at0, atN, atE };
    for (const x of notes) out.push(`note: ${x}`);
    return out;
  } finally {
    // delete the population, 4 in flight, timed for the record
    progress('scale: deleting the population');
    const delMs = {};
    for (const r of [...runners, ...empty]) {
      const ids = [...r.ids];
      if (!ids.length) continue;
      try {
        const res = await r.pool(ids.map((id) => [['delete', '--force', id]]), 4, true);
        delMs[r.name] = (delMs[r.name] || 0) + res.ms;
        if (!res.failed) ids.forEach((id) => r.ids.delete(id));
      } catch (e) {
        progress(`scale: ${r.name}: delete: ${e.message}`);
      }
    }
    if (made) progress(`scale: deleted in ${Object.entries(delMs).map(([x, ms]) => `${x} ${(ms / 1000).toFixed(1)} s`).join(', ')}`);
  }
}

async function sectionConfig(ctx, bundles) {
  const { runners, n } = ctx;
  const { names, has } = layout(ctx);
  const rows = [[...layout(ctx).head]];
  const createOf = (bundle, before) => (r) => {
    if (before) before(r);
    const id = r.newId();
    const c = r.run(['create', '--bundle', bundle, id]);
    r.remove(id);
    return must(c, 'create').ms;
  };
  const clearCache = (r) => fs.rmSync(path.join(r.root, '.seccomp-cache'), { recursive: true, force: true });
  const cases = [
    ['create (plain, for reference)', createOf(bundles.sleep)],
    ['create, 200 mounts', createOf(bundles.mounts200)],
    ['create, 300 seccomp rules, uncached', createOf(bundles.seccomp300, clearCache)],
    ['create, 300 seccomp rules, cached', createOf(bundles.seccomp300)],
    ['create, 1,000 env entries', createOf(bundles.env1000)],
  ];
  for (const [label, fn] of cases) {
    progress(`config: ${label}`);
    if (label.endsWith(', cached')) for (const r of runners) { try { createOf(bundles.seccomp300)(r); } catch { /* the row shows it */ } }
    const res = await row(runners, n, fn);
    const line = [label, ...names.map((x) => fmtMs(res.result[x]))];
    if (has('oci-ts') && has('runc')) line.push(fmtX(res.ratio('oci-ts', 'runc')));
    if (has('oci-ts') && has('crun')) line.push(fmtX(res.ratio('oci-ts', 'crun')));
    rows.push(line);
    ctx.summary[label] = { ...res.result, ratio: res.ratio('oci-ts', 'runc') };
  }
  return [`config: create of bigger configs, medians of ${n} rounds (uncached: --root/.seccomp-cache removed before each create; runc and crun keep no cache)`, table(rows)];
}

/**
 * What runs a command and writes "maxrss-KiB user-s sys-s" of it (wait4's rusage) to a file: a tiny
 * C program compiled here (microseconds), or GNU time (10 ms steps) without a compiler.
 */
function rusageHelper(dir) {
  const src = path.join(dir, 'rusage.c');
  const bin = path.join(dir, 'rusage');
  fs.writeFileSync(src, `#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/wait.h>
int main(int argc, char **argv) {
  if (argc < 3) return 2;
  pid_t p = fork();
  if (p < 0) return 2;
  if (p == 0) { execv(argv[2], argv + 2); _exit(127); }
  int st; struct rusage ru;
  if (wait4(p, &st, 0, &ru) < 0) return 2;
  FILE *f = fopen(argv[1], "w");
  if (!f) return 2;
  fprintf(f, "%ld %ld.%06ld %ld.%06ld\\n", ru.ru_maxrss, (long)ru.ru_utime.tv_sec, (long)ru.ru_utime.tv_usec,
          (long)ru.ru_stime.tv_sec, (long)ru.ru_stime.tv_usec);
  fclose(f);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
`);
  const cc = spawnSync('cc', ['-O2', '-o', bin, src], { env: ENV, stdio: 'ignore' });
  if (cc.status === 0) return { bin, args: (f) => [f], what: 'a small wait4 helper' };
  if (fs.existsSync(TIME)) return { bin: TIME, args: (f) => ['-f', '%M %U %S', '-o', f], what: `${TIME} -f %M` };
  return null;
}

async function sectionPeak(ctx, bundles) {
  const { runners, n } = ctx;
  const { names, has } = layout(ctx);
  const meter = rusageHelper(ctx.dir);
  if (!meter) return ['peak: skipped: no C compiler (cc) for the rusage helper and no /usr/bin/time (Debian package `time`)'];
  const rows = [[...layout(ctx).head]];
  let cpu = {};
  const peak = (r, args) => {
    const f = path.join(ctx.dir, `peak-${r.tag}`);
    must(r.raw(meter.bin, [...meter.args(f), r.bin, ...r.argv(args)]), args[0]);
    const [kib, user, sys] = readOr(f).trim().split('\n').pop().split(' ').map(Number);
    (cpu[r.name] = cpu[r.name] || []).push((user + sys) * 1000);
    return kib / 1024;
  };
  const running = new Map();
  const cpuRows = [];
  try {
    for (const r of runners) {
      const id = r.newId();
      const c = r.run(['run', '--detach', '--bundle', bundles.sleep, id]);
      running.set(r, c.status === 0 ? id : null);
    }
    const cases = [
      ['create', (r) => {
        const id = r.newId();
        try { return peak(r, ['create', '--bundle', bundles.sleep, id]); } finally { r.remove(id); }
      }],
      ['exec true', (r) => {
        if (!running.get(r)) throw new Failed('run --detach failed');
        return peak(r, ['exec', running.get(r), 'true']);
      }],
      ['state', (r) => {
        if (!running.get(r)) throw new Failed('run --detach failed');
        return peak(r, ['state', running.get(r)]);
      }],
    ];
    for (const [label, fn] of cases) {
      progress(`peak: ${label}`);
      cpu = {};
      const res = await row(runners, n, fn);
      const line = [`peak RSS, ${label}`, ...names.map((x) => fmtMiB(res.result[x]))];
      if (has('oci-ts') && has('runc')) line.push(fmtX(res.ratio('oci-ts', 'runc')));
      if (has('oci-ts') && has('crun')) line.push(fmtX(res.ratio('oci-ts', 'crun')));
      rows.push(line);
      ctx.summary[`peak RSS, ${label}`] = res.result;
      // CPU: the mean, not the median (GNU time prints 10 ms steps)
      const mean = (x) => (typeof res.result[x] === 'object' || !cpu[x] ? res.result[x] : cpu[x].reduce((a, b) => a + b, 0) / cpu[x].length);
      const c = Object.fromEntries(names.map((x) => [x, mean(x)]));
      const cl = [`CPU user+sys, ${label}`, ...names.map((x) => fmtMs(c[x]))];
      const q = (a, b) => (typeof c[a] === 'number' && typeof c[b] === 'number' && c[b] > 0 ? fmtX(c[a] / c[b]) : '-');
      if (has('oci-ts') && has('runc')) cl.push(q('oci-ts', 'runc'));
      if (has('oci-ts') && has('crun')) cl.push(q('oci-ts', 'crun'));
      cpuRows.push(cl);
    }
  } finally {
    for (const [r, id] of running) if (id) r.remove(id);
  }
  return [`peak: the runtime process's peak RSS (ru_maxrss from wait4 via ${meter.what}: the largest of its images and of the children it waited for; medians of ${n}) and its CPU time (user+sys of it and its waited children, means of ${n})`, table([...rows, ...cpuRows])];
}

// ---------------------------------------------------------------- cleanup

/** Directories under /sys/fs/cgroup whose name starts with this run's prefix. */
function ownCgroups() {
  const found = [];
  const walk = (d, depth) => {
    let ents;
    try { ents = fs.readdirSync(d, { withFileTypes: true }); } catch { return; }
    for (const e of ents) {
      if (!e.isDirectory()) continue;
      const p = path.join(d, e.name);
      if (e.name.startsWith(PREFIX)) found.push(p);
      else if (depth < 8) walk(p, depth + 1);
    }
  };
  walk('/sys/fs/cgroup', 0);
  return found;
}

/** Deletes every container this run made (in each --root) and lists what is left. */
async function cleanup(runners, dir) {
  const left = [];
  const pids = new Set();
  for (const r of runners) {
    let listed = [];
    try {
      const l = r.run(['list', '--format', 'json']);
      if (l.status === 0) listed = JSON.parse(l.out || 'null') || [];
    } catch { /* a dead worker: the ids below */ }
    for (const c of listed) { r.ids.add(c.id); if (c.pid) pids.add(c.pid); }
    if (!r.ids.size) continue;
    try {
      await r.pool([...r.ids].map((id) => [['delete', '--force', id]]), 4, true);
    } catch (e) {
      left.push(`${r.name}: delete: ${e.message}`);
    }
    const still = fs.existsSync(r.root) ? fs.readdirSync(r.root).filter((x) => !x.startsWith('.')) : [];
    for (const x of still) left.push(`${r.name}: state ${path.join(r.root, x)}`);
  }
  // processes: the inits listed, and anything whose root or cwd is under the work directory
  for (let i = 0; i < 20 && [...pids].some((p) => fs.existsSync(`/proc/${p}`)); i++) sleepMs(100);
  for (const p of fs.readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    let where = '';
    for (const l of ['root', 'cwd']) { try { where = where || (fs.readlinkSync(`/proc/${p}/${l}`).startsWith(dir) ? l : ''); } catch { /* gone */ } }
    const st = readOr(`/proc/${p}/stat`);
    if ((where || pids.has(Number(p))) && st && !/\) [ZX] /.test(st)) left.push(`process ${p} (${readOr(`/proc/${p}/cmdline`).replace(/\0/g, ' ').trim()})`);
  }
  // A runtime's delete can leave an empty cgroup behind (seen with runc 1.1.5 under heavy load: its
  // rmdir gave up while the killed init was still exiting). Those are removed here and named in a
  // note, as the runtime's leftovers; what cannot be removed is a leftover of the run.
  const notes = [];
  const runtimeLeft = new Map();
  const own = ownCgroups().sort((a, b) => b.length - a.length);
  if (own.length) sleepMs(500);
  for (const c of own) {
    let ok = false;
    for (let i = 0; i < 10 && !ok; i++) {
      try { fs.rmdirSync(c); ok = true; } catch { sleepMs(100); }
    }
    if (!ok) { left.push(`cgroup ${c}`); continue; }
    const id = path.basename(c);
    const tag = id.slice(PREFIX.length).replace(/-\d+$/, '');
    const r = runners.find((x) => x.tag === tag);
    const who = r ? r.name : tag;
    if (!runtimeLeft.has(who)) runtimeLeft.set(who, new Set());
    runtimeLeft.get(who).add(id);
  }
  for (const [who, ids] of runtimeLeft) {
    notes.push(`${who} left the empty cgroups of ${ids.size} deleted container(s) behind (${[...ids].slice(0, 3).join(', ')}${ids.size > 3 ? ', ...' : ''}); the bench removed them`);
  }
  for (const m of readOr('/proc/self/mountinfo').split('\n')) {
    const mp = m.split(' ')[4];
    if (mp && (mp.startsWith(dir) || mp.includes(PREFIX))) left.push(`mount ${mp}`);
  }
  return { left, notes };
}

// ---------------------------------------------------------------- main

const START = Date.now();

function header(o, runners, fp) {
  const git = (args) => { const r = spawnSync('git', ['-C', ROOT, ...args], { encoding: 'utf8' }); return r.status === 0 ? r.stdout.trim() : ''; };
  const commit = git(['rev-parse', '--short=12', 'HEAD']) || 'unknown';
  const dirty = git(['status', '--porcelain', '--untracked-files=no']) ? ' (with uncommitted changes)' : '';
  const when = git(['log', '-1', '--format=%cI']);
  const ver = (bin, args) => { const r = exec(bin, args); return r.status === 0 ? r.out.split('\n')[0].trim() : 'missing'; };
  const cpus = os.cpus();
  return [
    `date ${new Date().toISOString()}, oci-ts ${commit}${dirty}${when ? ` of ${when}` : ''}`,
    `node ${process.version}, kernel ${os.release()}, ${cpus.length} × ${cpus[0] ? cpus[0].model.trim() : '?'}, ${Math.round(os.totalmem() / 1048576)} MiB, load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`,
    `${ver(RUNTIMES.runc, ['--version'])}; ${ver(RUNTIMES.crun, ['--version'])}; sections ${o.sections.join(',')}, ${o.n} runs${o.quick ? ' (--quick)' : ''}`,
    ...runners.filter((r) => r.note).map((r) => `note: ${r.note}`),
    fp ? 'note: oci-ts FASTPATH=0: the same launcher with OCI_TS_FASTPATH=0 (its native fast path off)' : 'note: the launcher has no OCI_TS_FASTPATH switch: no FASTPATH=0 column',
  ];
}

async function main() {
  const o = parseCli(process.argv.slice(2));
  if (o.worker) return worker(o.worker);
  if (process.getuid() !== 0) throw new Error('the bench needs root (containers do)');
  if (process.env.NODE_EXTRA_CA_CERTS) console.error('note: NODE_EXTRA_CA_CERTS is set here; the runtimes run without it');
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(s, () => { if (!interrupted) process.stderr.write(`\n${s}: stopping after the current run, then cleaning up\n`); interrupted = s; });

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-ts-bench-'));
  const runners = [];
  let fp = null;
  let remote = null;
  let failed = null;
  let ctx = null;
  const out = [];
  const print = (lines) => { for (const l of lines) { console.log(l); out.push(l); } };
  try {
    const bundles = makeBundles(dir);
    for (const name of o.only) {
      const bin = RUNTIMES[name];
      const r = new Runner({ name, bin, tag: name.replace(/[^a-z]/g, '').slice(0, 4), dir });
      if (!fs.existsSync(bin)) { print([`note: ${name}: ${bin} is not installed; left out`]); continue; }
      if (name === 'crun') {
        const probeRoot = path.join(dir, 'probe');
        const probe = exec(bin, ['--root', probeRoot, 'run', '--bundle', bundles.true, `${PREFIX}probe`]);
        exec(bin, ['--root', probeRoot, 'delete', '--force', `${PREFIX}probe`]);
        if (probe.status !== 0) {
          if (!/hybrid/.test(probe.err)) { print([`note: crun: left out: ${lastLine(probe.err)}`]); continue; }
          try {
            remote = new Remote(dir);
            Object.assign(r, { remote, pre: ['--cgroup-manager=disabled'] });
            must(r.raw(bin, ['--version']), 'crun in its worker');
            r.note = `crun refuses this host ("${lastLine(probe.err)}"): measured under unshare -m with a private cgroup2 mount and --cgroup-manager=disabled, so with no cgroup work`;
          } catch (e) {
            print([`note: crun: left out: ${lastLine(probe.err)}; in a private cgroup2 mount: ${e.message}`]);
            continue;
          }
        }
      }
      runners.push(r);
    }
    if (runners.some((r) => r.name === 'oci-ts') && fs.readFileSync(RUNTIMES['oci-ts']).includes('OCI_TS_FASTPATH')) {
      fp = new Runner({ name: 'oci-ts FASTPATH=0', bin: RUNTIMES['oci-ts'], tag: 'nofp', dir, env: { ...ENV, OCI_TS_FASTPATH: '0' } });
    }
    print(header(o, runners, fp));
    ctx = { runners, fp, n: o.n, dir, total: o.total, reps: o.reps, scale: o.scale, summary: {}, extraRunners: [] };
    const sections = { table: sectionTable, throughput: sectionThroughput, scale: sectionScale, config: sectionConfig, peak: sectionPeak };
    for (const s of SECTIONS) {
      if (!o.sections.includes(s)) continue;
      const t = Date.now();
      const lines = await sections[s](ctx, bundles);
      print(['', ...lines, `(${s}: ${((Date.now() - t) / 1000).toFixed(0)} s)`]);
    }
  } catch (e) {
    failed = e;
  } finally {
    progress('cleaning up');
    const all = [...runners, ...(fp ? [fp] : []), ...(ctx ? ctx.extraRunners : [])];
    let left;
    try {
      const c = await cleanup(all, dir);
      left = c.left;
      if (c.notes.length) console.log(`\n${c.notes.map((x) => `note: ${x}`).join('\n')}`);
    } catch (e) {
      left = [`cleanup failed: ${e.message}`];
    }
    if (remote) remote.close();
    if (left.length) {
      console.log(`\nleftovers (work directory ${dir} kept):\n  ${left.join('\n  ')}`);
      process.exitCode = 1;
    } else {
      console.log('\ncleanup: every container deleted; no state, process, cgroup or mount of this run left');
      if (o.keep) console.log(`kept ${dir}`);
      else fs.rmSync(dir, { recursive: true, force: true });
    }
    console.log(`total wall time ${((Date.now() - START) / 1000).toFixed(0)} s`);
  }
  if (failed instanceof Interrupted) { console.error(`interrupted (${failed.message})`); process.exitCode = 130; }
  else if (failed) { console.error(`bench: ${failed instanceof Failed ? failed.message : failed.stack}`); process.exitCode = 1; }
}

main().catch((e) => { console.error(`bench: ${e.message}`); process.exit(1); });
