#!/usr/bin/env node
'use strict';
/**
 * The whole TypeScript build (`npm run build`, after `npm install` has run `node-gyp rebuild`):
 *
 * 1. scripts/build-schemas.js: ajv standalone validator (if that script exists);
 * 2. esbuild: runtime/cli/main.ts → dist/oci-ts.js, one CommonJS file for node20. Defines:
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
 * Measured (bench/bench.js prints the same rows): the snapshot starts faster than the plain bundle;
 * set OCI_TS_NO_SNAPSHOT=1 to build without it.
 */
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const ROOT = path.resolve(__dirname, '..');
const DIST = path.join(ROOT, 'dist');
const BUNDLE = path.join(DIST, 'oci-ts.js');
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
    external: ['*.node'],
    logLevel: 'warning',
    define: {
      __OCI_TS_ROOT__: JSON.stringify(ROOT),
      __OCI_TS_COMMIT__: JSON.stringify(gitCommit()),
      __OCI_TS_VERSION__: JSON.stringify(pkg.version),
      __OCI_TS_ENTRY__: JSON.stringify(entry),
    },
  });
}

function buildSnapshot() {
  fs.rmSync(BLOB, { force: true });
  if (process.env.OCI_TS_NO_SNAPSHOT) return false;
  bundle('snapshot', SNAP_ENTRY);
  try {
    execFileSync(process.execPath, ['--snapshot-blob', BLOB, '--build-snapshot', SNAP_ENTRY], { cwd: DIST, stdio: 'inherit' });
    return true;
  } catch (e) {
    log(`startup snapshot failed, bin/oci-ts will run the plain bundle: ${e.message}`);
    fs.rmSync(BLOB, { force: true });
    return false;
  }
}

/** node-gyp rebuild (npm install) builds every target; if it has not run or failed, build just ours. */
function buildLauncher() {
  const src = path.join(ROOT, 'addon', 'launcher', 'launcher.c');
  const fresh = fs.existsSync(LAUNCHER) && fs.statSync(LAUNCHER).mtimeMs >= fs.statSync(src).mtimeMs;
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
  bundle('plain', BUNDLE);
  const withBlob = buildSnapshot();
  writeConf(withBlob);
  const haveLauncher = buildLauncher();
  installBin(haveLauncher);
  log(`dist/oci-ts.js${withBlob ? ', dist/oci-ts.blob' : ''}, bin/oci-ts (${haveLauncher ? 'launcher' : 'sh fallback'}) in ${Date.now() - t0} ms`);
}

if (require.main === module) main();
module.exports = { main };
