#!/usr/bin/env node
/**
 * The hostile-input harness (docs/config-validation.md "Fuzzing"): mutated config.json files and
 * command lines against oci-ts, asserting for every case
 *   - the outcome is success, or exit status 1 with exactly one error line that names the JSON
 *     pointer (config cases) or the flag/argument (command-line cases) and no internal text;
 *   - it ends within a time bound (no hang);
 *   - nothing is left: no state directory, cgroup directory, process, mount or zombie of the case.
 *
 *   npm run fuzz -- --seed S --cases N [--workers W] [--real-max M] [--sample P] [--time-limit SEC] [--out DIR]
 *
 * How it runs many cases per second on a small machine (a Node start costs ~40-50 ms):
 *   - A worker process loads dist/oci-ts-full.js once and calls its `main(argv)`, the entry the
 *     CLI uses, for every case, with writes to fds 1 and 2 captured and `--debug` on (the CLI logs
 *     the stack of any error that is not one of its own at debug level: that is how an internal
 *     error is told from a refusal). Config cases run `create` with --root set to a path under a
 *     regular file: a config that passes every check and the planner fails only there, before any
 *     side effect, with "--root …: not a directory". That marks the case as valid.
 *   - Valid cases (up to --real-max), a sample of the refused ones (--sample) and the cases that
 *     need a real filesystem (a full --root, writable roots, pid files) then run through the real
 *     bin/oci-ts: create, start, delete --force, each with a timeout, then the leftover checks.
 *   - Cases are a pure function of (seed, index): a failure is replayed with --only INDEX.
 *   - A worker that crashes or stops answering is counted (crash or hang) and restarted; the other
 *     cases of its batch are run again. --workers W runs W workers on a shared counter.
 *
 * Exit status 0 when crashes, hangs, bad errors and leftovers are all zero. The summary (JSON) is
 * printed last and written to OUT/summary.json, failures to OUT/failures.jsonl.
 */
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn, execFileSync } = require('child_process');

const ROOT = path.resolve(__dirname, '..');
const OCI_TS = path.join(ROOT, 'bin', 'oci-ts');
const FULL_BUNDLE = path.join(ROOT, 'dist', 'oci-ts-full.js');
const FAKE_ROOT_TOKEN = '@ROOT@';

// ------------------------------------------------------------------------------------------------
// options

function parseOptions(argv) {
  const o = { seed: 1, cases: 1000, realMax: 200, sample: 0.002, timeLimit: 0, out: '', only: -1, worker: false, work: '', workers: 1 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => argv[++i];
    if (a === '--seed') o.seed = Number(v());
    else if (a === '--cases') o.cases = Number(v());
    else if (a === '--real-max') o.realMax = Number(v());
    else if (a === '--sample') o.sample = Number(v());
    else if (a === '--time-limit') o.timeLimit = Number(v());
    else if (a === '--out') o.out = v();
    else if (a === '--only') o.only = Number(v());
    else if (a === '--worker') o.worker = true;
    else if (a === '--workers') o.workers = Number(v());
    else if (a === '--work') o.work = v();
    else throw new Error(`fuzz: unknown option ${a}`);
  }
  return o;
}

// ------------------------------------------------------------------------------------------------
// deterministic randomness

function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    f: next,
    int: (n) => Math.floor(next() * n),
    pick: (xs) => xs[Math.floor(next() * xs.length)],
    chance: (p) => next() < p,
  };
}

// ------------------------------------------------------------------------------------------------
// base configs: valid, as engines send them

function baseConfigs(work) {
  const template = JSON.parse(fs.readFileSync(path.join(work, 'tpl', 'config.json'), 'utf8'));
  template.process.args = ['true'];
  template.process.terminal = false;
  delete template.process.capabilities.ambient;
  const minimal = JSON.parse(JSON.stringify(template));
  minimal.root = { path: path.join(work, 'tpl', 'rootfs'), readonly: false };

  const rich = JSON.parse(JSON.stringify(template));
  rich.root = { path: path.join(work, 'loops', 'rootfs'), readonly: true };
  rich.hostname = 'fuzz';
  rich.annotations = { 'org.example.key': 'value', 'io.kubernetes.cri.sandbox-id': 'abc' };
  rich.process.env.push('FOO=bar');
  rich.process.user = { uid: 1000, gid: 1000, additionalGids: [10, 20], umask: 18 };
  rich.process.cwd = '/tmp';
  rich.process.oomScoreAdj = 100;
  rich.process.rlimits.push({ type: 'RLIMIT_NPROC', soft: 100, hard: 200 });
  rich.process.capabilities.inheritable = ['CAP_KILL'];
  rich.mounts.push({ destination: '/data', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'size=1m'] });
  rich.mounts.push({ destination: '/ro', type: 'bind', source: path.join(work, 'share'), options: ['rbind', 'ro'] });
  rich.linux.devices = [{ path: '/dev/fuzz0', type: 'c', major: 1, minor: 3, fileMode: 0o666, uid: 0, gid: 0 }];
  rich.linux.sysctl = { 'net.ipv4.ip_forward': '0', 'kernel.shmmax': '1000000' };
  rich.linux.resources = {
    memory: { limit: 64 * 1024 * 1024 },
    pids: { limit: 100 },
    cpu: { shares: 512 },
    devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }],
  };
  rich.linux.seccomp = {
    defaultAction: 'SCMP_ACT_ALLOW',
    architectures: ['SCMP_ARCH_X86_64'],
    syscalls: [
      { names: ['mount', 'umount2'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 },
      { names: ['personality'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }] },
    ],
  };
  rich.hooks = { prestart: [{ path: '/bin/true', args: ['true'], timeout: 5 }], createContainer: [{ path: '/bin/true' }] };
  return [minimal, rich];
}

/** Every JSON pointer of a document, as token lists. */
function pointers(doc) {
  const out = [];
  const walk = (v, p) => {
    out.push(p);
    if (v && typeof v === 'object') for (const k of Object.keys(v)) walk(v[k], p.concat(Array.isArray(v) ? Number(k) : k));
  };
  walk(doc, []);
  return out;
}

/** Pointers the base configs lack, where engines and attackers put things. */
const EXTRA_POINTERS = [
  ['linux', 'cgroupsPath'], ['linux', 'resources', 'memory', 'limit'], ['linux', 'resources', 'memory', 'swap'],
  ['linux', 'resources', 'cpu', 'quota'], ['linux', 'resources', 'cpu', 'cpus'], ['linux', 'resources', 'blockIO'],
  ['linux', 'resources', 'hugepageLimits'], ['linux', 'resources', 'unified'], ['linux', 'seccomp', 'syscalls', 0, 'args'],
  ['linux', 'seccomp', 'flags'], ['linux', 'seccomp', 'defaultErrnoRet'], ['linux', 'uidMappings'], ['linux', 'gidMappings'],
  ['linux', 'timeOffsets'], ['linux', 'intelRdt'], ['linux', 'memoryPolicy'], ['linux', 'personality'],
  ['linux', 'rootfsPropagation'], ['linux', 'mountLabel'], ['linux', 'maskedPaths', 0], ['linux', 'readonlyPaths', 0],
  ['process', 'scheduler'], ['process', 'ioPriority'], ['process', 'execCPUAffinity'], ['process', 'consoleSize'],
  ['process', 'apparmorProfile'], ['process', 'selinuxLabel'], ['process', 'user', 'additionalGids'],
  ['process', 'capabilities', 'bogus'], ['process', 'commandLine'], ['hooks', 'poststart'], ['hooks', 'startContainer'],
  ['hooks', 'poststop'], ['domainname'], ['annotations', 'x'], ['unknownTop'], ['linux', 'sysctl', 'kernel.hostname'],
  ['mounts', 0, 'uidMappings'], ['mounts', 0, 'options', 0], ['linux', 'namespaces', 0, 'path'],
];

// ------------------------------------------------------------------------------------------------
// mutations

const RAW = '\u0001RAW';

function strings(work) {
  return [
    '', ' ', '.', '..', '../../..', '/..', '/../../../etc', 'a/../../b', '/proc/self/fd/3', '/proc/self/cwd',
    '/proc/1/root', '/dev/zero', '//', '/tmp/../..', 'relative/path', '/loop1', '/loop1/x', '/self/x', '/up/etc',
    '/nonexistent/deep/path', `${work}/tpl/rootfs`, 'tmpfs', 'bind', 'rbind', 'ro', 'nosuid', 'CAP_SYS_ADMIN',
    'CAP_BOGUS', 'SCMP_ACT_ERRNO', 'SCMP_CMP_EQ', 'RLIMIT_NOFILE', 'RLIMIT_BOGUS', 'pid', 'network', 'mount',
    'user', 'cgroup', 'bogus-ns', 'x'.repeat(300), 'é', '\u202e', '\ud800', '\n', 'a\nb', 'a\tb', '%s%n',
    '${PATH}', '$(id)', '`id`', 'PATH=/bin', '=', 'A=', '0', '-1', 'true', 'null', '1.3.0', '2.0.0', '1.0.0-rc',
    'system.slice:oci-ts:x', '__proto__', 'constructor', 'toString', 'a\u0000b', '\u0000',
  ];
}

const NUMBERS = [0, -1, 1, 7, 8, 9, 63, 64, 255, 256, 1000, 65535, 65536, 2147483647, 2147483648, 4294967295,
  4294967296, 9007199254740991, 9007199254740993, -2147483649, 0.5, -0.5, 1e308, -1e308, 1e-300];
const RAW_NUMBERS = ['18446744073709551615', '18446744073709551616', '1e400', '-1e400', '-0', '1E2', '0.0000001'];

function randomValue(r, work, depth = 0) {
  switch (r.int(depth > 1 ? 6 : 9)) {
    case 0: return r.pick(strings(work));
    case 1: return r.pick(NUMBERS);
    case 2: return { [RAW]: r.pick(RAW_NUMBERS) };
    case 3: return r.pick([true, false, null]);
    case 4: return r.chance(0.5) ? [] : {};
    case 5: return r.int(1 << 16);
    case 6: return Array.from({ length: 1 + r.int(4) }, () => randomValue(r, work, depth + 1));
    case 7: return Object.fromEntries(Array.from({ length: 1 + r.int(3) }, () => [r.pick(strings(work)), randomValue(r, work, depth + 1)]));
    default: return r.pick(strings(work)) + r.pick(strings(work));
  }
}

function getAt(doc, p) {
  let v = doc;
  for (const t of p) {
    if (v === null || typeof v !== 'object') return undefined;
    v = v[t];
  }
  return v;
}

/** Set (or delete, value === undefined) at p, making missing parents. */
function setAt(doc, p, value) {
  if (p.length === 0) return value;
  if (doc === null || typeof doc !== 'object') return doc; // an earlier mutation replaced the whole document
  let v = doc;
  for (let i = 0; i < p.length - 1; i++) {
    if (v[p[i]] === null || typeof v[p[i]] !== 'object') v[p[i]] = typeof p[i + 1] === 'number' ? [] : {};
    v = v[p[i]];
  }
  const last = p[p.length - 1];
  if (value === undefined) {
    if (Array.isArray(v) && typeof last === 'number') v.splice(last, 1);
    else delete v[last];
  } else v[last] = value;
  return doc;
}

function deep(n, leaf) {
  // built as JSON text, not objects: 20,000 levels must not overflow the harness's own stack
  return { [RAW]: '{"a":'.repeat(n) + JSON.stringify(leaf) + '}'.repeat(n) };
}

/** One mutation of doc at a random pointer; returns [doc, description]. */
function mutate(r, doc, work) {
  const all = pointers(doc).concat(EXTRA_POINTERS);
  const p = r.pick(all);
  const at = '/' + p.join('/');
  const cur = getAt(doc, p);
  const kind = r.int(14);
  switch (kind) {
    case 0: return [setAt(doc, p, randomValue(r, work)), `${at}: random value`];
    case 1: return [setAt(doc, p, undefined), `${at}: removed`];
    case 2: {
      // log-uniform sizes up to 1 MiB, and now and then 20 MiB
      const n = r.chance(0.005) ? 20 << 20 : Math.floor(2 ** (r.f() * 20));
      return [setAt(doc, p, 'x'.repeat(n)), `${at}: string of ${n} bytes`];
    }
    case 3: {
      const n = r.chance(0.01) ? 100000 : Math.floor(2 ** (r.f() * 12));
      const item = cur === undefined ? r.pick(strings(work)) : Array.isArray(cur) && cur.length ? cur[0] : cur;
      return [setAt(doc, p, Array.from({ length: n }, () => item)), `${at}: array of ${n}`];
    }
    case 4: {
      const n = r.pick([10, 63, 64, 65, 100, 1000, 12000, 20000]);
      return [setAt(doc, p, deep(n, r.pick([1, 'x', null]))), `${at}: nested ${n} deep`];
    }
    case 5: {
      const s = typeof cur === 'string' ? cur : 'abc';
      const i = r.int(s.length + 1);
      return [setAt(doc, p, s.slice(0, i) + '\0' + s.slice(i)), `${at}: NUL byte`];
    }
    case 6: return [setAt(doc, p, { [RAW]: `"${r.pick(['\\ud800', '\\udfff', 'a\\ud83d'])}"` }), `${at}: lone surrogate`];
    case 7: return [setAt(doc, p, { [RAW]: '"\u0002UTF8\u0002"' }), `${at}: invalid UTF-8`];
    case 8: return [setAt(doc, p, r.chance(0.5) ? r.pick(NUMBERS) : { [RAW]: r.pick(RAW_NUMBERS) }), `${at}: number out of range`];
    case 9: return [setAt(doc, p, r.pick(['..', '../../../..', '/..', '/../../../../etc/shadow', 'a/../../../b', '/loop1', '/loop2/x', '/self', '/up/x', '/proc/self/root/..'])), `${at}: path climb or loop`];
    case 10: {
      if (cur && typeof cur === 'object' && !Array.isArray(cur)) {
        const k = r.pick(['__proto__', 'constructor', 'unknownField', 'x'.repeat(1000), '', 'a/b', '~', 'a\u0000b']);
        cur[k] = randomValue(r, work);
        return [doc, `${at}: unknown key ${JSON.stringify(k).slice(0, 40)}`];
      }
      return [setAt(doc, p, randomValue(r, work)), `${at}: random value`];
    }
    case 11: {
      if (Array.isArray(cur) && cur.length) {
        const n = 1 + r.int(50);
        for (let i = 0; i < n; i++) cur.push(JSON.parse(JSON.stringify(cur[r.int(cur.length)])));
        return [doc, `${at}: ${n} duplicated entries`];
      }
      return [setAt(doc, p, r.pick([[], {}, '', 0])), `${at}: empty`];
    }
    case 12: return [setAt(doc, p, typeof cur === 'number' ? String(cur) : typeof cur === 'string' ? (Number(cur) || 0) : cur === undefined ? 0 : JSON.stringify(cur)), `${at}: type swapped`];
    default: return [setAt(doc, p, r.pick(strings(work))), `${at}: hostile string`];
  }
}

/** The config's bytes: RAW markers spliced in as JSON text, \u0002UTF8\u0002 as invalid UTF-8. */
function serialize(doc) {
  const raws = [];
  let text = JSON.stringify(doc, (k, v) => {
    if (v && typeof v === 'object' && !Array.isArray(v) && Object.prototype.hasOwnProperty.call(v, RAW)) {
      raws.push(v[RAW]);
      return `${RAW}${raws.length - 1}`;
    }
    return v;
  });
  if (text === undefined) text = '';
  text = text.replace(/"\\u0001RAW(\d+)"/g, (_, i) => raws[Number(i)]);
  const parts = text.split('\\u0002UTF8\\u0002');
  const bufs = [];
  parts.forEach((part, i) => {
    if (i) bufs.push(Buffer.from([0xff, 0xfe, 0xc3, 0x28]));
    bufs.push(Buffer.from(part));
  });
  return Buffer.concat(bufs);
}

// ------------------------------------------------------------------------------------------------
// cases: a pure function of (seed, index)

const SIGNALS = ['SIGFOO', 'constructor', 'toString', '__proto__', 'KILL', '9', '0', '-1', '65', '999999999999', 'SIGRTMAX+1', 'SIGRTMIN+40', '', 'sig kill', 'SIGKILL\u0000'];
const IDS = ['', '.', '..', 'a/b', '../x', '/abs', 'a\u0000b', 'x'.repeat(1024), '-x', ' ', 'a b', 'é', 'a\nb', '~', '*', 'con:1'];

/**
 * A case: { index, what, argv (with @ROOT@ for the state root), config (Buffer, or null for
 * command-line cases on the base config), realOnly, inProcessOnly, root: 'fake'|'real'|'ro'|'full'|'inodes' }
 */
function makeCase(seed, index, work, bases) {
  const r = rng((seed * 1000003) ^ index);
  const id = `fz${seed}-${index}`;
  const base = JSON.parse(JSON.stringify(r.pick(bases)));
  const c = { index, id, what: '', argv: [], config: null, realOnly: false, inProcessOnly: false, root: 'fake', cgroupsPath: undefined };
  const create = (extra = []) => ['--debug', '--root', FAKE_ROOT_TOKEN, 'create', '--bundle', '@BUNDLE@', ...extra, id];
  if (r.chance(0.82)) {
    // config.json mutations
    let doc = base;
    const whats = [];
    if (r.chance(0.03)) {
      const text = serialize(doc).toString();
      const choice = r.int(6);
      c.config = [Buffer.from(text.slice(0, r.int(text.length))), Buffer.from(''), Buffer.from('null'), Buffer.from('[]'),
        Buffer.from('\ufeff' + text), Buffer.from(' '.repeat(1 << 20) + text)][choice];
      c.what = ['truncated', 'empty', 'null', 'array', 'BOM', '1 MiB of leading spaces'][choice];
    } else {
      const n = 1 + (r.chance(0.3) ? r.int(3) : 0);
      for (let i = 0; i < n; i++) {
        const [d, w] = mutate(r, doc, work);
        doc = d;
        whats.push(w);
      }
      c.what = whats.join('; ');
      try {
        c.config = serialize(doc);
      } catch (e) {
        // stacked mutations can make a document beyond V8's longest string: the file is then the
        // first 64 MiB of what could be written, an unterminated JSON text
        if (!(e instanceof RangeError)) throw e;
        c.config = Buffer.from(`{"ociVersion":"1.3.0","x":"${'x'.repeat(64 << 20)}`);
        c.what += ' (too large to serialise: a truncated 64 MiB file instead)';
      }
      c.cgroupsPath = doc && doc.linux && doc.linux.cgroupsPath;
    }
    c.argv = create();
    return c;
  }
  // command-line mutations on a valid config
  c.config = serialize(base);
  switch (r.int(11)) {
    case 0: {
      const bad = r.pick(IDS);
      c.argv = ['--debug', '--root', FAKE_ROOT_TOKEN, r.pick(['create', 'run', 'state', 'delete', 'start', 'kill', 'pause', 'resume', 'ps', 'events', 'exec']), ...(r.chance(0.5) ? ['--bundle', '@BUNDLE@'] : []), bad];
      c.what = `container id ${JSON.stringify(bad).slice(0, 40)}`;
      c.inProcessOnly = bad.includes('\0') || c.argv[3] !== 'create';
      if (c.argv[3] === 'exec') c.argv.push('true');
      if (['create', 'run'].includes(c.argv[3]) && !c.argv.includes('--bundle')) c.argv.splice(4, 0, '--bundle', '@BUNDLE@');
      break;
    }
    case 1: {
      const s = r.pick(SIGNALS);
      c.argv = ['--debug', '--root', FAKE_ROOT_TOKEN, 'kill', id, s];
      c.what = `kill with signal ${JSON.stringify(s)}`;
      c.inProcessOnly = true;
      break;
    }
    case 2: {
      const where = r.pick(['/nonexistent-dir/pid', '@RO@/pid', '@WORK@', '@WORK@/tpl/config.json/pid', 'rel/pid']);
      c.argv = create(['--pid-file', where]);
      c.what = `--pid-file ${where}`;
      break;
    }
    case 3: {
      const where = r.pick(['/nonexistent-dir/sock', '@RO@/sock', '@WORK@/tpl/config.json', '@WORK@']);
      c.argv = create(['--console-socket', where]);
      c.what = `--console-socket ${where}`;
      break;
    }
    case 4: {
      const root = r.pick(['@RO@/root', '@RO@', '@WORK@/tpl/config.json', '/proc/self/x', '/x\u0000y', `/${'r'.repeat(5000)}`]);
      c.argv = ['--debug', '--root', root, 'create', '--bundle', '@BUNDLE@', id];
      c.what = `--root ${JSON.stringify(root).slice(0, 40)}`;
      c.inProcessOnly = true;
      c.root = 'given';
      break;
    }
    case 5: {
      c.root = r.pick(['full', 'inodes']);
      c.fill = r.int(4);
      c.argv = ['--debug', '--root', FAKE_ROOT_TOKEN, r.pick(['create', 'run']), '--bundle', '@BUNDLE@', id];
      c.what = `--root on a ${c.root === 'full' ? 'full' : 'no-inode'} filesystem (${c.fill} left)`;
      c.realOnly = true;
      break;
    }
    case 6: {
      const n = r.pick(['-1', '2147483648', 'abc', '1e10', '3', '100', '-0', '']);
      c.argv = create(['--preserve-fds', n]);
      c.what = `--preserve-fds ${n}`;
      break;
    }
    case 7: {
      const log = r.pick(['/nonexistent-dir/log', '@RO@/log', '@WORK@', '/proc/self/x/log']);
      c.argv = ['--log', log, ...create().slice(0)];
      c.what = `--log ${log}`;
      break;
    }
    case 8: {
      const f = r.pick([['--log-format', 'xml'], ['--rootless', 'maybe'], ['--bogus'], ['-h=1'], ['--systemd-cgroup=maybe']]);
      c.argv = [...f, ...create()];
      c.what = `global flag ${f.join(' ')}`;
      c.inProcessOnly = true;
      break;
    }
    case 9: {
      const f = r.pick([['--bogus'], ['--bundle'], ['--no-pivot=maybe'], ['extra-arg'], ['--pid-file'], ['--', '--x']]);
      c.argv = [...create(), ...f];
      c.what = `create ${f.join(' ')}`;
      c.inProcessOnly = true;
      break;
    }
    default: {
      c.argv = create();
      c.what = 'valid config';
      break;
    }
  }
  return c;
}

// ------------------------------------------------------------------------------------------------
// judging an outcome

const INTERNAL = /TypeError|ReferenceError|RangeError|SyntaxError: (?!.*JSON)|is not a function|is not iterable|Cannot read prop|Cannot set prop|undefined is not|Maximum call stack|ERR_[A-Z_]+|\[object Object\]|\bNaN\b|at Object\.|node:internal|Unexpected token|Invalid string length/;

/**
 * Split stderr into log lines (time="…" level=…) and plain lines (the error). A usage error
 * prints the command's usage first, as runc does: then the error is the line after it.
 */
function errorLines(stderr) {
  const usage = /\n\nError: |^(Usage: |oci-ts [a-z]+ )/.test(stderr) && /\n {2}-h, --help/.test(stderr);
  const lines = stderr.split('\n').filter((l) => l !== '' && !l.startsWith('time="'));
  return usage ? lines.slice(-1) : lines;
}

function hasStack(stderr) {
  return /level=debug msg="[^\n]*\\n\s+at /.test(stderr);
}

/**
 * The verdict for one outcome: 'ok' (success), 'refused' (a good error), or a failure class with
 * a reason: 'crash' (exit other than 0/1, a signal, an internal error), 'bad-error'.
 */
function judge(c, status, stderr) {
  // a foreground exec that fails exits 255 (runc)
  if (status === 255 && c.argv.includes('exec')) status = 1;
  if (status !== 0 && status !== 1) return { verdict: 'crash', reason: `exit status ${status}` };
  if (hasStack(stderr)) return { verdict: 'crash', reason: 'internal error (stack logged)' };
  if (status === 0) return { verdict: 'ok' };
  const lines = errorLines(stderr);
  if (lines.length !== 1) return { verdict: 'bad-error', reason: `${lines.length} error lines` };
  const line = lines[0];
  if (INTERNAL.test(line)) return { verdict: 'bad-error', reason: 'internal text' };
  if (!names(c, line)) return { verdict: 'bad-error', reason: 'names neither a pointer nor a flag' };
  return { verdict: 'refused', line };
}

/** Does the error name what was wrong: a JSON pointer (its keys may hold spaces), a flag, the id, or the file? */
function names(c, line) {
  if (/^config\.json \/.*?: /.test(line) || /^\/\S*: /.test(line) || /^parse \S+config\.json: invalid JSON/.test(line)) return true;
  if (/^open \S+config\.json: /.test(line) || /^(bundle|stat) \S+/.test(line)) return true;
  if (/(^|[\s"(])-{1,2}[a-z][a-z-]+\b/.test(line)) return true; // a flag (--root, -preserve-fds, --log)
  if (/container id|container .* does not exist|container with given ID|invalid container|requires (exactly|a minimum|a maximum)|No help topic|signal|flag/i.test(line)) return true;
  if (/^(writing|mkfifo) \//.test(line)) return true;
  return false;
}

// ------------------------------------------------------------------------------------------------
// the worker: many cases in one process through the CLI's own entry

async function worker(o) {
  const work = o.work;
  const bases = baseConfigs(work);
  const { main } = require(FULL_BUNDLE);
  const out = { 1: [], 2: [] };
  const realWrite = fs.writeSync;
  fs.writeSync = function (fd, data, ...rest) {
    if (fd === 1 || fd === 2) {
      const s = typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString();
      out[fd].push(s);
      return typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength - (typeof rest[0] === 'number' ? rest[0] : 0);
    }
    return realWrite.call(fs, fd, data, ...rest);
  };
  const bundle = path.join(work, 'wbundle');
  fs.mkdirSync(bundle, { recursive: true });
  process.chdir(bundle);
  const fake = path.join(work, 'notadir', 'root');
  const hierarchies = fs.readdirSync('/sys/fs/cgroup').map((h) => path.join('/sys/fs/cgroup', h));
  process.on('message', async (m) => {
    if (m.stop) process.exit(0);
    for (let i = m.from; i < m.to; i++) {
      const c = makeCase(o.seed, i, work, bases);
      if (c.realOnly) {
        process.send({ index: i, verdict: 'real-only', ms: 0 });
        continue;
      }
      fs.writeFileSync(path.join(bundle, 'config.json'), c.config);
      const argv = c.argv.map((a) => a.replace(FAKE_ROOT_TOKEN, fake).replace('@BUNDLE@', bundle).replace('@RO@', path.join(work, 'ro')).replace('@WORK@', work));
      out[1] = [];
      out[2] = [];
      const t0 = Date.now();
      let status;
      try {
        status = await main(argv);
      } catch (e) {
        status = 70;
        out[2].push(`main rejected: ${e && e.stack}`);
      }
      const stderr = out[2].join('');
      const res = judge(c, status, stderr);
      // passing every check and the planner, the create fails only on the fake root
      const valid = status === 1 && res.verdict === 'refused' && res.line.startsWith(`--root ${fake}: `);
      let leftover = '';
      for (const h of hierarchies) if (fs.existsSync(path.join(h, 'oci-ts', c.id))) leftover = `cgroup ${h}/oci-ts/${c.id}`;
      process.send({ index: i, verdict: valid ? 'valid' : res.verdict, reason: res.reason, line: res.line, ms: Date.now() - t0, leftover, stderr: res.verdict === 'refused' || valid ? undefined : stderr.slice(0, 2000), inProcessOnly: c.inProcessOnly });
    }
    process.send({ batchDone: m.to });
  });
  process.send({ ready: true });
}

// ------------------------------------------------------------------------------------------------
// real runs through bin/oci-ts, and the leftover checks

function runReal(argv, timeoutMs, cwd) {
  return new Promise((resolve) => {
    const errFile = path.join(cwd, `err-${process.pid}`);
    const err = fs.openSync(errFile, 'w');
    const child = spawn(OCI_TS, argv, { cwd, stdio: ['ignore', 'ignore', err], env: { PATH: process.env.PATH } });
    fs.closeSync(err);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const stderr = fs.readFileSync(errFile, 'utf8');
      resolve({ status: code === null ? 128 + (os.constants.signals[signal] || 0) : code, timedOut, stderr });
    });
  });
}

function readOr(p) {
  try {
    return fs.readFileSync(p, 'utf8');
  } catch {
    return '';
  }
}

/** What a case may leave: its state entries, cgroup dirs, processes, mounts, zombies of ours. */
function leftovers(c, root, bundle, rootfsDirs, cgroupCandidates, preexisting) {
  const found = [];
  for (const e of fs.existsSync(root) ? fs.readdirSync(root) : []) if (e.includes(c.id)) found.push(`state ${path.join(root, e)}`);
  for (const d of cgroupCandidates) if (!preexisting.has(d) && fs.existsSync(d)) found.push(`cgroup ${d}`);
  for (const p of fs.readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    const stat = readOr(`/proc/${p}/stat`);
    if (!stat) continue;
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(rest[1]);
    if (rest[0] === 'Z' && ppid === process.pid) {
      found.push(`zombie ${p}`);
      continue;
    }
    const cg = readOr(`/proc/${p}/cgroup`);
    let rootLink = '';
    try {
      rootLink = fs.readlinkSync(`/proc/${p}/root`);
    } catch {
      /* kernel thread or gone */
    }
    if (cg.includes(`/${c.id}\n`) || rootfsDirs.some((d) => rootLink.startsWith(d)) || rootLink.startsWith(bundle)) {
      found.push(`process ${p} ${readOr(`/proc/${p}/cmdline`).replace(/\0/g, ' ').slice(0, 80)}`);
    }
  }
  const mi = readOr('/proc/self/mountinfo');
  for (const d of [bundle, ...rootfsDirs]) if (mi.includes(` ${d}`)) found.push(`mount under ${d}`);
  return found;
}

/** Where a case's cgroup directories would be (default path or its cgroupsPath), in every hierarchy. */
function cgroupCandidates(c) {
  const own = new Map();
  for (const l of readOr('/proc/self/cgroup').split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(l);
    if (m) for (const n of (m[1] || 'unified').split(',')) own.set(n.replace(/^name=/, ''), m[2]);
  }
  const out = [];
  for (const h of fs.readdirSync('/sys/fs/cgroup')) {
    const mp = path.join('/sys/fs/cgroup', h);
    out.push(path.join(mp, 'oci-ts', c.id));
    const cp = c.cgroupsPath;
    if (typeof cp === 'string' && cp && !cp.includes('\0')) {
      out.push(path.join(mp, cp));
      out.push(path.join(mp, own.get(h) || '/', cp));
    }
  }
  return out;
}

/**
 * Could this config harm the shared host if it ran? (It is still judged in-process.) Joining
 * namespaces by path, moving network devices, or a cgroupsPath naming an existing cgroup (its
 * processes are other people's) are not run for real.
 */
function unsafeToRun(config, cands) {
  let doc;
  try {
    doc = JSON.parse(config.toString());
  } catch {
    return '';
  }
  if (doc === null || typeof doc !== 'object') return '';
  const l = (doc && doc.linux) || {};
  if (Array.isArray(l.namespaces) && l.namespaces.some((n) => n && n.path !== undefined)) return 'joins a namespace by path';
  if (l.netDevices && Object.keys(l.netDevices).length) return 'moves network devices';
  if (typeof l.cgroupsPath === 'string' && cands.some((d) => fs.existsSync(d))) return 'cgroupsPath names an existing cgroup';
  const mounts = Array.isArray(doc.mounts) ? doc.mounts : [];
  if (mounts.some((m) => m && Array.isArray(m.options) && m.options.some((x) => /shared/.test(String(x))))) return 'shared mount propagation';
  if (/shared/.test(String(l.rootfsPropagation))) return 'shared rootfs propagation';
  return '';
}

/** Fill a small tmpfs so that `left` pages or inodes remain. */
function fill(dir, kind, left) {
  for (const e of fs.readdirSync(dir)) fs.rmSync(path.join(dir, e), { recursive: true, force: true });
  if (kind === 'full') {
    const st = fs.statfsSync(dir);
    const free = Number(st.bavail) * Number(st.bsize);
    const bytes = Math.max(0, free - left * 4096);
    if (bytes > 0) fs.writeFileSync(path.join(dir, 'filler'), Buffer.alloc(bytes));
  } else {
    const st = fs.statfsSync(dir);
    const n = Math.max(0, Number(st.ffree) - left);
    const d = path.join(dir, 'filler');
    fs.mkdirSync(d);
    for (let i = 0; i < n - 1; i++) fs.writeFileSync(path.join(d, String(i)), '');
  }
}

async function realCase(c, work, stats, fail) {
  const bundle = path.join(work, 'real', String(c.index));
  fs.mkdirSync(bundle, { recursive: true });
  fs.writeFileSync(path.join(bundle, 'config.json'), c.config);
  let root = path.join(work, 'state');
  if (c.root === 'full' || c.root === 'inodes') {
    root = path.join(work, c.root, 'r');
    fill(path.join(work, c.root), c.root, c.fill);
  }
  const rootfsDirs = [path.join(work, 'tpl', 'rootfs'), path.join(work, 'loops', 'rootfs')];
  const cands = cgroupCandidates(c);
  const unsafe = unsafeToRun(c.config, cands);
  if (unsafe) {
    stats.realSkipped++;
    fs.rmSync(bundle, { recursive: true, force: true });
    return;
  }
  const pre = new Set(cands.filter((d) => fs.existsSync(d)));
  const argv = c.argv.map((a) => a.replace(FAKE_ROOT_TOKEN, root).replace('@BUNDLE@', bundle).replace('@RO@', path.join(work, 'ro')).replace('@WORK@', work));
  stats.realRuns++;
  const t0 = Date.now();
  const r = await runReal(argv, 30000, bundle);
  const steps = [['create', r]];
  if (r.timedOut) fail('hang', c, `create did not end in 30 s`, r.stderr);
  else {
    const j = judge(c, r.status, r.stderr);
    if (j.verdict === 'crash' || j.verdict === 'bad-error') fail(j.verdict, c, j.reason, r.stderr);
    else if (j.verdict === 'ok') stats.realOk++;
    else stats.realRefused++;
    if (r.status === 0 && argv.includes('create')) {
      const s = await runReal(['--root', root, 'start', c.id], 15000, bundle);
      steps.push(['start', s]);
      if (s.timedOut) fail('hang', c, 'start did not end in 15 s', s.stderr);
      else if (s.status !== 0 && s.status !== 1) fail('crash', c, `start: exit status ${s.status}`, s.stderr);
    }
  }
  const d = await runReal(['--root', root, 'delete', '--force', c.id], 15000, bundle);
  if (d.timedOut) fail('hang', c, 'delete --force did not end in 15 s', d.stderr);
  else if (d.status !== 0 && d.status !== 1) fail('crash', c, `delete: exit status ${d.status}`, d.stderr);
  // a process killed by delete may take a moment to be gone from /proc
  let left = [];
  for (let i = 0; i < 20; i++) {
    left = leftovers(c, root, bundle, rootfsDirs, cands, pre);
    if (left.length === 0) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  if (left.length) fail('leftover', c, left.join(', '), steps.map(([n, x]) => `${n}: ${x.status} ${x.stderr}`).join(' | '));
  stats.realMs += Date.now() - t0;
  fs.rmSync(bundle, { recursive: true, force: true });
}

// ------------------------------------------------------------------------------------------------
// the coordinator

function setUp(o) {
  const work = o.work || fs.mkdtempSync(path.join(os.tmpdir(), `oci-ts-fuzz-${o.seed}-`));
  execFileSync('sh', [path.join(ROOT, 'scripts', 'make-bundle.sh'), path.join(work, 'tpl')], { stdio: 'ignore' });
  // a rootfs with symlink loops and a climb out
  fs.mkdirSync(path.join(work, 'loops'));
  execFileSync('cp', ['-a', path.join(work, 'tpl', 'rootfs'), path.join(work, 'loops', 'rootfs')]);
  const lr = path.join(work, 'loops', 'rootfs');
  fs.symlinkSync('/loop2', path.join(lr, 'loop1'));
  fs.symlinkSync('/loop1', path.join(lr, 'loop2'));
  fs.symlinkSync('self', path.join(lr, 'self'));
  fs.symlinkSync('../../../../../../..', path.join(lr, 'up'));
  fs.symlinkSync('/loop1', path.join(lr, 'tmp2'));
  fs.mkdirSync(path.join(work, 'share'));
  fs.writeFileSync(path.join(work, 'notadir'), 'a regular file: --root below it cannot be made\n');
  for (const [d, opts] of [['ro', 'ro,size=64k'], ['full', 'size=64k'], ['inodes', 'size=1m,nr_inodes=32']]) {
    fs.mkdirSync(path.join(work, d));
    execFileSync('mount', ['-t', 'tmpfs', '-o', opts, 'tmpfs', path.join(work, d)]);
  }
  fs.mkdirSync(path.join(work, 'state'));
  fs.mkdirSync(path.join(work, 'real'));
  return work;
}

function tearDown(work) {
  for (const d of ['ro', 'full', 'inodes']) {
    try {
      execFileSync('umount', ['-l', path.join(work, d)]);
    } catch {
      /* not mounted */
    }
  }
  fs.rmSync(work, { recursive: true, force: true });
}

async function coordinator(o) {
  if (!fs.existsSync(FULL_BUNDLE) || !fs.existsSync(OCI_TS)) throw new Error('fuzz: build first (npm run build)');
  const started = Date.now();
  const work = setUp(o);
  o.work = work;
  const outDir = o.out || path.join(os.tmpdir(), `oci-ts-fuzz-out-${o.seed}`);
  fs.mkdirSync(outDir, { recursive: true });
  const failFile = path.join(outDir, 'failures.jsonl');
  fs.writeFileSync(failFile, '');
  const bases = baseConfigs(work);
  const stats = {
    seed: o.seed, cases: 0, ok: 0, refused: 0, valid: 0, crashes: 0, hangs: 0, badErrors: 0, leftovers: 0,
    realRuns: 0, realOk: 0, realRefused: 0, realSkipped: 0, realMs: 0, inProcessMs: 0, workerRestarts: 0,
  };
  const fail = (kind, c, reason, stderr) => {
    if (kind === 'crash') stats.crashes++;
    else if (kind === 'hang') stats.hangs++;
    else if (kind === 'leftover') stats.leftovers++;
    else stats.badErrors++;
    fs.appendFileSync(failFile, JSON.stringify({ kind, index: c.index, what: c.what, argv: c.argv, reason, stderr: String(stderr || '').slice(0, 3000) }) + '\n');
  };
  const first = o.only >= 0 ? o.only : 0;
  const end = o.only >= 0 ? o.only + 1 : o.cases;
  const deadline = o.timeLimit ? started + o.timeLimit * 1000 : Infinity;
  const realQueue = [];
  let realBusy = false;
  let realDone = Promise.resolve();
  const pumpReal = () => {
    if (realBusy || realQueue.length === 0) return;
    realBusy = true;
    const c = realQueue.shift();
    realDone = realCase(c, work, stats, fail).catch((e) => fail('crash', c, `harness: ${e.stack}`, '')).then(() => {
      realBusy = false;
      pumpReal();
    });
  };
  let realBudget = o.realMax;
  const wantReal = (c, verdict) => {
    if (c.inProcessOnly) return false;
    if (verdict === 'real-only' || verdict === 'valid') return realBudget > 0 && (realBudget--, true);
    return rng(o.seed ^ (c.index * 7919)).chance(o.sample) && realBudget > 0 && (realBudget--, true);
  };
  let next = first;
  const BATCH = 25;
  let lastReport = Date.now();
  const report = () => {
    if (Date.now() - lastReport < 30000) return;
    lastReport = Date.now();
    process.stdout.write(`fuzz: ${stats.cases} cases, ${stats.refused} refused, ${stats.valid} valid, ${stats.realRuns} real runs (${realQueue.length} queued), crashes ${stats.crashes}, hangs ${stats.hangs}, bad errors ${stats.badErrors}, leftovers ${stats.leftovers}, ${Math.round((Date.now() - started) / 1000)} s\n`);
  };
  const onResult = (m) => {
    stats.cases++;
    stats.inProcessMs += m.ms || 0;
    const c = makeCase(o.seed, m.index, work, bases);
    if (m.leftover) fail('leftover', c, m.leftover, '');
    if (m.verdict === 'crash' || m.verdict === 'bad-error') fail(m.verdict, c, m.reason, m.stderr);
    else if (m.verdict === 'ok') stats.ok++;
    else if (m.verdict === 'refused') stats.refused++;
    else if (m.verdict === 'valid') stats.valid++;
    if (m.verdict !== 'crash' && m.verdict !== 'bad-error' && wantReal(c, m.verdict)) {
      realQueue.push(c);
      pumpReal();
    }
    report();
  };
  /**
   * One worker slot: a worker process fed batches from the shared counter, restarted (and the case
   * it was on counted as a crash or a hang) when it dies or stops answering for 60 s.
   */
  const slot = async () => {
    while (next < end && Date.now() < deadline) {
      const w = spawn(process.execPath, [__filename, '--worker', '--seed', String(o.seed), '--work', work], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      await new Promise((res) => w.once('message', res));
      let pending = new Set();
      let lastBeat = Date.now();
      const result = await new Promise((resolve) => {
        const send = () => {
          if (next >= end || Date.now() >= deadline) {
            w.send({ stop: true });
            return;
          }
          const from = next;
          const to = Math.min(end, next + BATCH);
          next = to;
          pending = new Set(Array.from({ length: to - from }, (_, k) => from + k));
          w.send({ from, to });
        };
        w.on('message', (m) => {
          lastBeat = Date.now();
          if (m.batchDone !== undefined) {
            send();
            return;
          }
          pending.delete(m.index);
          onResult(m);
        });
        const watchdog = setInterval(() => {
          if (Date.now() - lastBeat > 60000) {
            clearInterval(watchdog);
            w.kill('SIGKILL');
            resolve('hang');
          }
        }, 1000);
        w.on('exit', (code, signal) => {
          clearInterval(watchdog);
          resolve(code === 0 ? 'done' : `exit ${code ?? signal}`);
        });
        send();
      });
      if (result === 'done') return;
      // the first unanswered case of the batch broke the worker; the rest are run again
      const left = [...pending].sort((x, y) => x - y);
      const c = makeCase(o.seed, left[0], work, bases);
      stats.cases++;
      stats.workerRestarts++;
      fail(result === 'hang' ? 'hang' : 'crash', c, `in-process worker: ${result}`, '');
      if (left.length > 1) retry.push(...left.slice(1));
    }
  };
  const retry = [];
  await Promise.all(Array.from({ length: Math.max(1, o.workers) }, slot));
  // cases of a batch whose worker broke on an earlier case: run once more, one batch each
  for (const i of retry) {
    await new Promise((res) => {
      const w = spawn(process.execPath, [__filename, '--worker', '--seed', String(o.seed), '--work', work], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      let answered = false;
      const timer = setTimeout(() => w.kill('SIGKILL'), 90000);
      w.once('message', () => w.send({ from: i, to: i + 1 }));
      w.on('message', (m) => {
        if (m.index === i) {
          answered = true;
          onResult(m);
        }
        if (m.batchDone !== undefined) w.send({ stop: true });
      });
      w.on('exit', (code) => {
        clearTimeout(timer);
        if (!answered) {
          stats.cases++;
          fail(code === null ? 'hang' : 'crash', makeCase(o.seed, i, work, bases), 'in-process worker: retried case', '');
        }
        res();
      });
    });
  }
  // the real runs still queued
  while (realQueue.length || realBusy) {
    await realDone;
    await new Promise((res) => setImmediate(res));
  }
  tearDown(work);
  const summary = { ...stats, seconds: Math.round((Date.now() - started) / 1000), command: `node scripts/fuzz.js ${process.argv.slice(2).join(' ')}` };
  fs.writeFileSync(path.join(outDir, 'summary.json'), JSON.stringify(summary, null, 2));
  process.stdout.write(JSON.stringify(summary) + '\n');
  const bad = stats.crashes + stats.hangs + stats.badErrors + stats.leftovers;
  if (bad) process.stdout.write(`fuzz: ${bad} failures, in ${failFile} (replay one with --only INDEX)\n`);
  return bad ? 1 : 0;
}

if (require.main === module) {
  const o = parseOptions(process.argv.slice(2));
  if (o.worker) {
    worker(o).catch((e) => {
      process.stderr.write(`fuzz worker: ${e.stack}\n`);
      process.exit(70);
    });
  } else {
    coordinator(o).then(
      (code) => { process.exitCode = code; },
      (e) => { process.stderr.write(`fuzz: ${e.stack}\n`); process.exitCode = 2; },
    );
  }
}

module.exports = { makeCase, judge, serialize, names, baseConfigs };
