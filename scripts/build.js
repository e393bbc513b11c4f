#!/usr/bin/env node
'use strict';
/**
 * The whole TypeScript build (`npm run build`, after `npm install` has run `node-gyp rebuild`):
 *
 * 1. scripts/build-schemas.js: ajv standalone validator (if that script exists);
 * 2. esbuild: runtime/cli/main.ts twice: the HOT bundle (dist/oci-ts-main.js, ~36 KB: state, start,
 *    kill, delete, list, --version, which engines call on every container) and the FULL one
 *    (dist/oci-ts-full.js, every command; the launcher starts it directly for the other commands
 *    through dist/oci-ts-cold.js, step 4b, and the hot bundle run by hand hands them to it, cli/cold.ts),
 *    each with its own code cache. Loading 36 KB instead of 230 KB took state from 1.21x to 1.13x
 *    of `node -e 0`. One CommonJS file each, for node20. Defines:
 *    __OCI_TS_ROOT__ (absolute repo root: inside a snapshot __dirname means nothing),
 *    __OCI_TS_COMMIT__ (git rev-parse HEAD, or "" → "unknown"), __OCI_TS_VERSION__ (package.json),
 *    __OCI_TS_ENTRY__ ("plain": run process.argv.slice(2) at load);
 * 3. the same bundle with __OCI_TS_ENTRY__ = "snapshot" → dist/snapshot-entry.js, then a V8 startup
 *    snapshot dist/oci-ts.blob (`node --snapshot-blob … --build-snapshot …`). Only the CLI's data
 *    and small modules are evaluated at snapshot time; the addon is never loaded there;
 * 4. the launcher: build/Release/oci-ts-launcher (binding.gyp target, addon/launcher/launcher.c;
 *    built here with node-gyp's Makefile if `node-gyp rebuild` has not produced it) is copied to
 *    bin/oci-ts, and dist/launcher.conf records the node binary (process.execPath) and its identity
 *    so the launcher can tell whether the blob still matches it.
 *
 * 4b. what the launcher's native fast path reads from launcher.conf (addon/launcher/fastpath.c):
 *    the flag tables of runtime/cli/options.ts (`globals=`, `cmd.state=`...: the launcher parses
 *    with the same table as the TS parser, never a copy of its own), the hot commands (`hot=`),
 *    the loader of the full bundle (`full=`, dist/oci-ts-cold.js: the launcher starts it directly
 *    for the other commands) and dist/version.txt (`version=`: what `--version` printed here).
 *
 * 5. a V8 code cache for the bundle: dist/oci-ts.js is a 20-line loader that compiles
 *    dist/oci-ts-main.js with vm.Script and `cachedData` (dist/oci-ts.codecache, produced here by
 *    running `state` of a stopped container and saving script.createCachedData() at exit, so it holds
 *    the functions of the hot path; the full bundle's cache, dist/oci-ts-full.codecache, is made in
 *    the same process by a create that fails at its first side effect and, as root, by a real
 *    container's create, exec, delete and run: see realWarmup). Compiling the bundle was the largest part of what oci-ts added to
 *    Node's start; with the cache `--version` went from 1.24× to 1.08× of `node -e 0`. A cache from
 *    another Node is rejected by V8 (cachedDataRejected) and the loader just compiles: never fails.
 *
 * The snapshot is used only if it measurably helps: build.js times `--version` both ways (median of
 * 15 interleaved runs) and writes blob= into launcher.conf only when the snapshot is at least 3%
 * faster. On the development machine it was not: a custom snapshot costs ~9 ms to deserialize,
 * more than compiling the 30 KB bundle (numbers in docs/cli.md). OCI_TS_SNAPSHOT=always|never
 * overrides the measurement.
 */
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const ROOT = path.resolve(__dirname, '..');
const DIST = path.join(ROOT, 'dist');
const BUNDLE = path.join(DIST, 'oci-ts.js'); // the loader below: what bin/oci-ts runs
const MAIN = path.join(DIST, 'oci-ts-main.js'); // the esbuild bundle
const CODE_CACHE = path.join(DIST, 'oci-ts.codecache');
const FULL = path.join(DIST, 'oci-ts-full.js');
const FULL_CODE_CACHE = path.join(DIST, 'oci-ts-full.codecache');
const COLD = path.join(DIST, 'oci-ts-cold.js'); // loader of the full bundle, for the launcher
const VERSION = path.join(DIST, 'version.txt');
const SNAP_ENTRY = path.join(DIST, 'snapshot-entry.js');
const BLOB = path.join(DIST, 'oci-ts.blob');
const CONF = path.join(DIST, 'launcher.conf');
const LAUNCHER = path.join(ROOT, 'build', 'Release', 'oci-ts-launcher');
const BIN = path.join(ROOT, 'bin', 'oci-ts');

function log(msg) {
  process.stderr.write(`build: ${msg}\n`);
}

function gitCommit() {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return '';
  }
}

/**
 * entry: 'plain' (the hot bundle the loader runs: state/start/kill/delete/list/--version),
 * 'library' (dist/oci-ts-full.js: every command, loaded by the hot one for the rest), 'snapshot'.
 */
function bundle(entry, outfile) {
  const esbuild = require('esbuild');
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  esbuild.buildSync({
    entryPoints: [path.join(ROOT, 'runtime', 'cli', 'main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    // The snapshot builder provides `require` for built-ins only and no `module`: an IIFE there.
    format: entry === 'snapshot' ? 'iife' : 'cjs',
    minifyWhitespace: true,
    minifySyntax: true,
    keepNames: false,
    legalComments: 'none',
    // import() becomes require(): the code-cache loader compiles with vm.Script, which has no
    // dynamic-import callback in Node 20 without an experimental flag (and a warning on stderr).
    supported: { 'dynamic-import': false },
    // yargs is only for --help (runtime/cli/help.ts loads it from node_modules); bundled it was 80% of the bytes.
    external: ['*.node', 'yargs', 'yargs/*'],
    logLevel: 'warning',
    define: {
      __OCI_TS_ROOT__: JSON.stringify(ROOT),
      __OCI_TS_COMMIT__: JSON.stringify(gitCommit()),
      __OCI_TS_VERSION__: JSON.stringify(pkg.version),
      __OCI_TS_ENTRY__: JSON.stringify(entry),
      __OCI_TS_HOT__: JSON.stringify(entry === 'plain'),
    },
  });
}

function median(a) {
  const s = [...a].sort((x, y) => x - y);
  return s[s.length >> 1];
}

/** Median wall time (ms) of plain bundle vs snapshot for `--version`, interleaved, without NODE_EXTRA_CA_CERTS. */
function measure(runs = 15) {
  const { spawnSync } = require('child_process');
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  const variants = { plain: [BUNDLE, '--version'], snapshot: ['--snapshot-blob', BLOB, '--', '--version'] };
  const t = { plain: [], snapshot: [] };
  for (let i = 0; i < runs; i++) {
    for (const k of Object.keys(variants)) {
      const s = process.hrtime.bigint();
      const r = spawnSync(process.execPath, variants[k], { stdio: 'ignore', env });
      if (r.status !== 0) return { plain: 0, snapshot: Infinity };
      t[k].push(Number(process.hrtime.bigint() - s) / 1e6);
    }
  }
  return { plain: median(t.plain), snapshot: median(t.snapshot) };
}

function buildSnapshot() {
  fs.rmSync(BLOB, { force: true });
  const mode = process.env.OCI_TS_SNAPSHOT || 'auto';
  if (mode === 'never') return false;
  bundle('snapshot', SNAP_ENTRY);
  try {
    execFileSync(process.execPath, ['--snapshot-blob', BLOB, '--build-snapshot', SNAP_ENTRY], { cwd: DIST, stdio: 'inherit' });
    if (mode === 'always') return true;
    const m = measure();
    const helps = m.snapshot < m.plain * 0.97;
    log(`--version: plain bundle ${m.plain.toFixed(1)} ms, snapshot ${m.snapshot.toFixed(1)} ms: ${helps ? 'using' : 'not using'} the snapshot`);
    if (!helps) fs.rmSync(BLOB, { force: true });
    return helps;
  } catch (e) {
    log(`startup snapshot failed, bin/oci-ts will run the plain bundle: ${e.message}`);
    fs.rmSync(BLOB, { force: true });
    return false;
  }
}

/**
 * dist/oci-ts.js: compile the bundle with a code cache. `write` makes the variant build.js runs once
 * to produce the cache (same wrapper text, so V8 accepts the cache in the real loader).
 */
function loaderSource(write) {
  return `'use strict';
// Generated by scripts/build.js: runs oci-ts-main.js with a V8 code cache (see build.js step 5).
const fs = require('fs');
const path = require('path');
const vm = require('vm');
const file = path.join(${write ? JSON.stringify(DIST) : '__dirname'}, 'oci-ts-main.js');
const cacheFile = path.join(path.dirname(file), 'oci-ts.codecache');
let cachedData;
${write ? '' : 'try { cachedData = fs.readFileSync(cacheFile); } catch { /* no cache: compile */ }'}
const script = new vm.Script('(function (exports, require, module, __filename, __dirname) {' + fs.readFileSync(file, 'utf8') + '\\n})', { filename: file, cachedData });
${write ? "process.on('exit', () => fs.writeFileSync(cacheFile, script.createCachedData()));" : ''}
const m = { exports: {}, filename: file, id: file };
script.runInThisContext().call(m.exports, m.exports, require, m, file, path.dirname(file));
${write ? "if (process.env.OCI_TS_WARMUP) (async () => { for (const argv of JSON.parse(process.env.OCI_TS_WARMUP)) await m.exports.main(argv).catch(() => 1); })();" : ''}
`;
}

/**
 * The warm-up's container (root only): a bundle whose rootfs holds just a copy of the static
 * oci-ts-init as /init (run with no argument it exits at once), no terminal, under a private --root.
 * Created, exec'd into, deleted and run, it takes the code cache through every function of those
 * paths (launch, the state directory, cgroups, the init protocol, exec, delete); without them,
 * V8 compiles each one lazily on every call, which measured ~10 ms of CPU per create.
 */
function realWarmup(root, base) {
  const init = path.join(ROOT, 'build', 'Release', 'oci-ts-init');
  if (typeof process.getuid !== 'function' || process.getuid() !== 0 || !fs.existsSync(init) || !fs.existsSync('/sys/fs/cgroup')) return [];
  const bundle = path.join(root, 'real');
  for (const d of ['proc', 'dev', 'sys']) fs.mkdirSync(path.join(bundle, 'rootfs', d), { recursive: true });
  fs.copyFileSync(init, path.join(bundle, 'rootfs', 'init'));
  fs.chmodSync(path.join(bundle, 'rootfs', 'init'), 0o755);
  const cfg = JSON.parse(fs.readFileSync(path.join(base, 'config.json'), 'utf8'));
  cfg.process.terminal = false;
  cfg.process.args = ['/init'];
  fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(cfg));
  const g = ['--root', path.join(root, 'state')];
  const id = `oci-ts-build-warmup-${process.pid}`;
  return [
    [...g, 'create', '--bundle', bundle, '--pid-file', path.join(root, 'pid'), id],
    [...g, 'exec', id, '/init'],
    [...g, 'delete', '--force', id],
    [...g, 'run', '--bundle', bundle, id],
    // a run that failed half-way leaves the container: delete it either way
    [...g, 'delete', '--force', id],
  ];
}

function writeLoader() {
  fs.rmSync(CODE_CACHE, { force: true });
  fs.rmSync(FULL_CODE_CACHE, { force: true });
  fs.writeFileSync(BUNDLE, loaderSource(false));
  const maker = path.join(DIST, '.make-codecache.js');
  fs.writeFileSync(maker, loaderSource(true));
  const os = require('os');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-ts-build-'));
  let real = [];
  try {
    // The hot paths: a state lookup of a stopped container (the read/derive/print path, not just the
    // error) and the error boundary; then, in the same process, a create that validates and plans a
    // default bundle and fails at its first side effect (--root under a regular file), so the
    // validator and planner are in the cache even without root; then, as root, a real container's
    // create, exec, delete and run (realWarmup).
    fs.mkdirSync(path.join(root, 'codecache-warmup'));
    fs.writeFileSync(path.join(root, 'codecache-warmup', 'state.json'), JSON.stringify({
      ociVersion: '1.3.0', id: 'codecache-warmup', pid: 0, startTime: '', bundle: root, rootfs: root,
      created: new Date().toISOString(), owner: '', cgroupPaths: [], cgroupCreated: [], spec: { ociVersion: '1.3.0' },
    }));
    const bundle = path.join(root, 'bundle');
    fs.mkdirSync(path.join(bundle, 'rootfs'), { recursive: true });
    fs.writeFileSync(path.join(root, 'file'), '');
    require('child_process').spawnSync(process.execPath, [BUNDLE, 'spec', '--bundle', bundle], { stdio: 'ignore' });
    real = realWarmup(root, bundle);
    const warmup = [['--root', path.join(root, 'file', 'x'), 'create', '--bundle', bundle, 'codecache-warmup'], ...real];
    require('child_process').spawnSync(process.execPath, [maker, '--root', root, 'state', 'codecache-warmup'], {
      stdio: 'ignore',
      timeout: 60000,
      env: { ...process.env, OCI_TS_WARMUP: JSON.stringify(warmup), OCI_TS_WRITE_CODECACHE: '1' },
    });
  } finally {
    if (real.length) {
      // a warm-up cut short (the timeout) may have left its container: delete --force removes it
      require('child_process').spawnSync(process.execPath, [BUNDLE, ...real[2]], { stdio: 'ignore', timeout: 30000 });
      const dirs = fs.readdirSync('/sys/fs/cgroup').map((h) => path.join('/sys/fs/cgroup', h, 'oci-ts', `oci-ts-build-warmup-${process.pid}`));
      const left = dirs.filter((d) => fs.existsSync(d));
      if (left.length) log(`the code cache warm-up left cgroups behind: ${left.join(' ')}`);
    }
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(maker, { force: true });
  }
  if (!fs.existsSync(CODE_CACHE)) log('no code cache written; the loader will compile the bundle each time');
}

/**
 * dist/oci-ts-cold.js: the full bundle with its code cache (the same wrapper as cli/cold.ts, so
 * the cache made there is accepted here), run as the CLI. The launcher starts it for the commands
 * the hot bundle does not hold, saving the hot bundle's load and handover (~10 ms).
 */
function writeColdLoader() {
  fs.writeFileSync(COLD, `'use strict';
// Generated by scripts/build.js: runs oci-ts-full.js with its V8 code cache (see build.js step 4b).
const fs = require('fs');
const path = require('path');
const vm = require('vm');
const file = path.join(__dirname, 'oci-ts-full.js');
let cachedData;
try { cachedData = fs.readFileSync(path.join(__dirname, 'oci-ts-full.codecache')); } catch { /* no cache: compile */ }
const script = new vm.Script('(function (exports, require, module, __filename, __dirname) {' + fs.readFileSync(file, 'utf8') + '\\n})', { filename: file, cachedData });
const m = { exports: {}, filename: file, id: file };
script.runInThisContext().call(m.exports, m.exports, require, m, file, path.dirname(file));
m.exports.runCli(process.argv.slice(2));
`);
}

/** runtime/cli/options.ts, evaluated here (esbuild to CommonJS in memory): the tables the launcher reads. */
function optionTables() {
  const esbuild = require('esbuild');
  const out = esbuild.buildSync({
    entryPoints: [path.join(ROOT, 'runtime', 'cli', 'options.ts')], bundle: true, platform: 'node', format: 'cjs', write: false, logLevel: 'warning',
  });
  const m = { exports: {} };
  new Function('module', 'exports', 'require', out.outputFiles[0].text)(m, m.exports, require);
  return m.exports;
}

/** `name[/short]:type ...`, type b(oolean) s(tring) n(umber) a(rray): a flag table for the launcher. */
function flagTable(flags) {
  return flags.map((f) => `${f.name}${f.short ? '/' + f.short : ''}:${f.type[0]}`).join(' ');
}

/** The fast path's lines of launcher.conf (build.js step 4b). */
function fastPathConf() {
  const o = optionTables();
  const lines = [`globals=${flagTable(o.GLOBAL_FLAGS)}`, `hot=${o.HOT_COMMANDS.join(' ')}`, `full=${COLD}`];
  for (const name of o.NATIVE_COMMANDS) {
    const c = o.findCommand(name);
    lines.push(`cmd.${name}=${c.minArgs}:${c.maxArgs} ${flagTable(c.flags)}`.trimEnd());
  }
  // what --version prints with this node and this bundle (served while the node binary is unchanged)
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const r = require('child_process').spawnSync(process.execPath, [BUNDLE, '--version'], { env, encoding: 'utf8' });
  if (r.status === 0 && r.stdout) {
    fs.writeFileSync(VERSION, r.stdout);
    lines.push(`version=${VERSION}`);
  } else {
    fs.rmSync(VERSION, { force: true });
  }
  return lines;
}

/** node-gyp rebuild (npm install) builds every target; if it has not run or failed, build just ours. */
function buildLauncher() {
  const srcs = [path.join(ROOT, 'addon', 'launcher', 'launcher.c'), path.join(ROOT, 'addon', 'launcher', 'fastpath.c'), path.join(ROOT, 'addon', 'common', 'ocistate.c')];
  const fresh = fs.existsSync(LAUNCHER) && srcs.every((src) => fs.statSync(LAUNCHER).mtimeMs >= fs.statSync(src).mtimeMs);
  if (fresh) return true;
  try {
    const gyp = path.join(ROOT, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
    if (!fs.existsSync(path.join(ROOT, 'build', 'Makefile'))) {
      execFileSync(process.execPath, [gyp, 'configure'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    }
    execFileSync('make', ['-C', 'build', 'BUILDTYPE=Release', 'oci-ts-launcher'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    return fs.existsSync(LAUNCHER);
  } catch (e) {
    log(`could not build the launcher: ${e.message}`);
    return false;
  }
}

function writeConf(withBlob) {
  const st = fs.statSync(process.execPath, { bigint: true });
  const lines = [
    `node=${process.execPath}`,
    `node_id=${st.size}:${st.mtimeNs}:${st.ino}`,
    withBlob ? `blob=${BLOB}` : '',
    `bundle=${BUNDLE}`,
    ...fastPathConf(),
  ].filter(Boolean);
  fs.writeFileSync(CONF, lines.join('\n') + '\n');
}

function installBin(haveLauncher) {
  fs.mkdirSync(path.dirname(BIN), { recursive: true });
  fs.rmSync(BIN, { force: true });
  if (haveLauncher) {
    fs.copyFileSync(LAUNCHER, BIN);
  } else {
    // Last resort without a C compiler: still no PATH lookup, but no snapshot either.
    fs.writeFileSync(BIN, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(BUNDLE)} "$@"\n`);
  }
  fs.chmodSync(BIN, 0o755);
}

function main() {
  const t0 = Date.now();
  fs.mkdirSync(DIST, { recursive: true });
  const schemas = path.join(__dirname, 'build-schemas.js');
  if (fs.existsSync(schemas)) require(schemas).buildSchemas();
  bundle('plain', MAIN);
  bundle('library', FULL);
  writeLoader();
  writeColdLoader();
  const withBlob = buildSnapshot();
  writeConf(withBlob);
  const haveLauncher = buildLauncher();
  installBin(haveLauncher);
  log(`dist/oci-ts.js (+ code cache)${withBlob ? ', dist/oci-ts.blob' : ''}, bin/oci-ts (${haveLauncher ? 'launcher' : 'sh fallback'}) in ${Date.now() - t0} ms`);
}

if (require.main === module) main();
module.exports = { main };
