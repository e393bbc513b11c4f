/**
 * Helpers for the engine tests (containerd through ctr, podman with conmon): a busybox rootfs and
 * OCI image made here from busybox-static (nothing is pulled), a logging wrapper around bin/oci-ts
 * that records every runtime invocation an engine makes, and the checks for leftovers.
 *
 * Everything an engine test starts lives under one temp directory; nothing system-wide is
 * configured. An engine that is not installed skips its file with one line saying which binary
 * is missing.
 */
import { createHash } from 'crypto';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { OCI_TS, REPO, isRoot } from '../integration/helpers';
import { parseArgs } from '../../runtime/cli/parse';
import { Flag, GLOBAL_FLAGS } from '../../runtime/cli/options';
import { implemented } from '../../runtime/cli/main';

export { OCI_TS, REPO };

/** The first required binary that is missing, or why the engine tests cannot run here. */
export function missing(binaries: string[]): string | undefined {
  if (!isRoot) return 'not root';
  if (!fs.existsSync(OCI_TS)) return `${OCI_TS} not built (npm run build)`;
  for (const b of binaries) {
    const r = spawnSync('sh', ['-c', `command -v ${b}`], { encoding: 'utf8' });
    if (r.status !== 0) return `${b} not installed (sh scripts/setup.sh installs it)`;
  }
  return undefined;
}

/** describe, or describe.skip with one line on the console saying why. */
export function describeEngine(engine: string, binaries: string[]): jest.Describe {
  const why = missing(binaries);
  if (why === undefined) return describe;
  // one line, without console.log's stack location
  process.stderr.write(`SKIP ${engine} engine tests: ${why}\n`);
  return ((name: string, fn: () => void) => describe.skip(`${name} (skipped: ${why})`, fn)) as unknown as jest.Describe;
}

export interface Sh {
  status: number | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr together, for messages */
  all: string;
}

/** Run argv with output in files (a container may inherit it), killing it after `timeout` ms. */
export function sh(argv: string[], opts: { timeout?: number; env?: NodeJS.ProcessEnv; input?: string } = {}): Sh {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-ts-eng-out-'));
  try {
    const out = fs.openSync(path.join(dir, 'out'), 'w+');
    const err = fs.openSync(path.join(dir, 'err'), 'w+');
    const r = spawnSync(argv[0], argv.slice(1), {
      timeout: opts.timeout ?? 90000,
      killSignal: 'SIGKILL',
      env: opts.env ?? process.env,
      input: opts.input,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', out, err],
    });
    fs.closeSync(out);
    fs.closeSync(err);
    const stdout = fs.readFileSync(path.join(dir, 'out'), 'utf8');
    const stderr = fs.readFileSync(path.join(dir, 'err'), 'utf8');
    if (r.error) throw new Error(`${argv.join(' ')}: ${r.error.message}\n${stdout}${stderr}`);
    return { status: r.status, stdout, stderr, all: stdout + stderr };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Run a command line on a terminal (script(1)) and return what the terminal showed, \r removed. */
export function onTty(cmdline: string, env?: NodeJS.ProcessEnv, timeout = 90000): Sh {
  const r = sh(['script', '-qec', cmdline, '/dev/null'], { timeout, env });
  const clean = (s: string) => s.replace(/\r/g, '').replace(/\^@|\0/g, '');
  return { status: r.status, stdout: clean(r.stdout), stderr: clean(r.stderr), all: clean(r.all) };
}

/** The environment engines get from a service manager: PATH only (so the call log shows what the engine adds). */
export const SERVICE_ENV: NodeJS.ProcessEnv = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' };

export const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

/** Poll `f` until it returns a truthy value (engines are asynchronous by design), or throw. */
export async function until<T>(what: string, f: () => T | undefined | false | Promise<T | undefined | false>, ms = 30000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** A busybox-static rootfs (scripts/make-bundle.sh) under `dir`/bundle/rootfs. */
export function makeRootfs(dir: string): string {
  const r = sh(['sh', path.join(REPO, 'scripts', 'make-bundle.sh'), path.join(dir, 'bundle')]);
  if (r.status !== 0) throw new Error(`make-bundle.sh: ${r.all}`);
  return path.join(dir, 'bundle', 'rootfs');
}

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/**
 * An OCI image layout tarball of `rootfs` (one uncompressed layer), named `ref` through the
 * io.containerd.image.name annotation, for `ctr images import`.
 */
export function makeImageTar(rootfs: string, dir: string, ref: string, cmd: string[] = ['sh']): string {
  const tag = sha256(ref).slice(0, 12);
  const layout = path.join(dir, `image-${tag}`);
  const blobs = path.join(layout, 'blobs', 'sha256');
  fs.mkdirSync(blobs, { recursive: true });
  const layerTar = path.join(dir, `layer-${tag}.tar`);
  const t = sh(['tar', '--numeric-owner', '-C', rootfs, '-cf', layerTar, '.']);
  if (t.status !== 0) throw new Error(`tar: ${t.all}`);
  const layer = fs.readFileSync(layerTar);
  const layerDigest = sha256(layer);
  fs.renameSync(layerTar, path.join(blobs, layerDigest));
  const blob = (text: string) => {
    const d = sha256(text);
    fs.writeFileSync(path.join(blobs, d), text);
    return { digest: `sha256:${d}`, size: Buffer.byteLength(text) };
  };
  const config = blob(JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    config: { Env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: cmd, WorkingDir: '/' },
    rootfs: { type: 'layers', diff_ids: [`sha256:${layerDigest}`] },
  }));
  const manifest = blob(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: `sha256:${layerDigest}`, size: layer.length }],
  }));
  fs.writeFileSync(path.join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  fs.writeFileSync(path.join(layout, 'index.json'), JSON.stringify({
    schemaVersion: 2,
    manifests: [{
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      ...manifest,
      platform: { architecture: 'amd64', os: 'linux' },
      annotations: { 'io.containerd.image.name': ref, 'org.opencontainers.image.ref.name': ref.split(':').pop() },
    }],
  }));
  const out = path.join(dir, `image-${tag}.tar`);
  const r = sh(['tar', '-C', layout, '-cf', out, '.']);
  if (r.status !== 0) throw new Error(`tar: ${r.all}`);
  fs.rmSync(layout, { recursive: true, force: true });
  return out;
}

/**
 * A test-only wrapper around bin/oci-ts that appends one line per invocation to `log`
 * (the arguments separated by \x1f, a tab, the environment's keys) and then execs oci-ts.
 * Plain sh with builtins only: podman runs `delete --force` with no PATH at all.
 */
export function makeWrapper(dir: string, log: string): string {
  // named oci-ts, in a directory of its own: podman names the runtime after the file
  fs.mkdirSync(path.join(dir, 'wrapper'), { recursive: true });
  const w = path.join(dir, 'wrapper', 'oci-ts');
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  fs.writeFileSync(w, `#!/bin/sh
a=
for x in "$@"; do a="$a$x\x1f"; done
k=
while IFS= read -r l; do
  case $l in "export "*) n=\${l#export }; k="$k \${n%%=*}";; esac
done <<EOF
$(export -p)
EOF
printf '%s\\t%s\\n' "$a" "$k" >> ${q(log)}
exec ${q(OCI_TS)} "$@"
`, { mode: 0o755 });
  return w;
}

export interface Invocation {
  argv: string[];
  envKeys: string[];
}

export function readInvocations(log: string): Invocation[] {
  if (!fs.existsSync(log)) return [];
  return fs.readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => {
    const [a, k = ''] = l.split('\t');
    return { argv: a.split('\x1f').slice(0, -1), envKeys: k.split(' ').filter(Boolean).sort() };
  });
}

/**
 * The shape of an invocation with the values taken out: global flags, the command, its flags,
 * e.g. `--log --log-format create --bundle --pid-file`. Problems (unknown command or flag, a
 * command this build does not implement) are returned in `problem`.
 */
export function shapeOf(argv: string[]): { shape: string; problem?: string } {
  const p = parseArgs(argv);
  // walk the words as the parser does, keeping flag names and dropping their values
  const names = (table: Flag[], words: string[], stopAtArg: boolean): { flags: string[]; used: number } => {
    const flags: string[] = [];
    let i = 0;
    for (; i < words.length; i++) {
      const w = words[i];
      if (w === '--') break;
      if (!/^-./.test(w)) {
        if (stopAtArg) break;
        continue;
      }
      const body = w.replace(/^-+/, '');
      const name = body.replace(/=.*$/, '');
      flags.push(`--${name}`);
      const f = table.find((x) => x.name === name || x.short === name);
      if (f && f.type !== 'boolean' && !body.includes('=')) i++;
    }
    return { flags, used: i };
  };
  const g = names(GLOBAL_FLAGS, argv, true);
  const rest = argv.slice(g.used + 1);
  const own = p.command ? names(p.command.flags, rest, !!p.command.stopAtFirstArg).flags : [];
  const shape = [...new Set(g.flags)].join(' ') + (p.command ? ` ${p.command.name} ` : ' ') + [...new Set(own)].sort().join(' ');
  let problem: string | undefined;
  if (p.error) problem = p.error.message;
  else if (!p.command) problem = 'no command';
  else if (!implemented(p.command.name)) problem = `${p.command.name}: not implemented`;
  // checkpoint has a handler for runc's checks only: it always refuses (no criu)
  else if (p.command.name === 'checkpoint') problem = 'checkpoint: refused (oci-ts has no criu support)';
  return { shape: shape.trim(), problem };
}

/** Processes (not zombies) whose command line or cgroup names `needle`. */
export function processesNaming(needle: string): string[] {
  const found: string[] = [];
  for (const p of fs.readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    if (Number(p) === process.pid) continue;
    let cmd = '';
    let cg = '';
    let stat = '';
    try {
      cmd = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ');
      cg = fs.readFileSync(`/proc/${p}/cgroup`, 'utf8');
      stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
    } catch {
      continue;
    }
    if (stat.includes(') Z ')) continue;
    if (cmd.includes(needle) || cg.includes(needle)) found.push(`process ${p}: ${cmd.trim()}`);
  }
  return found;
}

/** Mount points whose path contains `needle`. */
export function mountsNaming(needle: string): string[] {
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
    .map((l) => l.split(' ')[4]).filter((m) => m && m.includes(needle)).map((m) => `mount ${m}`);
}

/** cgroup directories (any hierarchy, two levels of nesting below the parent) named `needle`. */
export function cgroupsNaming(needle: string): string[] {
  const found: string[] = [];
  const walk = (d: string, depth: number) => {
    let names: string[];
    try {
      names = fs.readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch {
      return;
    }
    for (const n of names) {
      if (n.includes(needle)) found.push(`cgroup ${d}/${n}`);
      else if (depth > 0) walk(path.join(d, n), depth - 1);
    }
  };
  walk('/sys/fs/cgroup', 3);
  return found;
}

/** Unmount everything under `dir` (deepest first); used in afterAll before removing it. */
export function unmountUnder(dir: string): void {
  const ms = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4])
    .filter((m) => m && (m === dir || m.startsWith(dir + '/'))).sort().reverse();
  for (const m of ms) {
    if (spawnSync('umount', [m]).status !== 0) spawnSync('umount', ['-l', m]);
  }
}

/**
 * The engine-calls check both engine files end with: every call the wrapper logged parses as a
 * command and flags oci-ts implements, and `expected` commands were seen. With
 * OCI_TS_ENGINE_CALLS=DIR the list is kept in DIR/<name>.txt (docs/engines.md shows it).
 */
export function checkEngineCalls(log: string, name: string, expected: string[]): void {
  const seen = readInvocations(log);
  expect(seen.length).toBeGreaterThan(10);
  const shapes = new Map<string, string | undefined>();
  for (const inv of seen) {
    const s = shapeOf(inv.argv);
    shapes.set(s.shape, s.problem);
  }
  const problems = [...shapes].filter(([, p]) => p).map(([s, p]) => `${s}: ${p}`);
  expect(problems).toEqual([]);
  const commands = new Set([...shapes.keys()].map((s) => /\b(create|start|delete|exec|kill|pause|resume|ps|state|update|features)\b/.exec(s)?.[1]));
  for (const c of expected) expect(commands).toContain(c);
  if (process.env.OCI_TS_ENGINE_CALLS) {
    fs.writeFileSync(path.join(process.env.OCI_TS_ENGINE_CALLS, `${name}.txt`), [...shapes.keys()].sort().join('\n') +
      '\n\nenvironment keys: ' + [...new Set(seen.flatMap((i) => i.envKeys))].sort().join(' ') + '\n');
  }
}
