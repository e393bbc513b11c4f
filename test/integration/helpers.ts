/**
 * Integration helpers: real containers, as root, through bin/oci-ts (the same path engines use).
 * Each test gets its own --root and bundle under a temp directory.
 */
import { spawn, spawnSync, SpawnSyncReturns, ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const REPO = path.resolve(__dirname, '..', '..');
export const OCI_TS = path.join(REPO, 'bin', 'oci-ts');

export const isRoot = process.getuid?.() === 0;
export const describeRoot = isRoot && fs.existsSync(OCI_TS) ? describe : describe.skip;

let baseRootfs: string | undefined;

/** A busybox rootfs made once per test file, copied (hard links would share inodes) per bundle. */
function templateRootfs(): string {
  if (baseRootfs) return baseRootfs;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-ts-rootfs-'));
  run(['sh', path.join(REPO, 'scripts', 'make-bundle.sh'), dir]);
  baseRootfs = dir;
  return dir;
}

export interface Bundle {
  dir: string;
  root: string;
  config: any;
  write(): void;
  rootfs: string;
}

export function makeBundle(args: string[] = ['true'], edit?: (c: any) => void): Bundle {
  const tpl = templateRootfs();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-ts-test-'));
  run(['cp', '-a', path.join(tpl, 'rootfs'), path.join(dir, 'rootfs')]);
  const config = JSON.parse(fs.readFileSync(path.join(tpl, 'config.json'), 'utf8'));
  config.process.args = args;
  config.process.terminal = false;
  config.root.readonly = false;
  const b: Bundle = {
    dir,
    root: path.join(dir, 'state'),
    rootfs: path.join(dir, 'rootfs'),
    config,
    write() {
      fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(b.config, null, 2));
    },
  };
  edit?.(config);
  b.write();
  return b;
}

/**
 * Run a command with stdout/stderr in files, not pipes: a container inherits the runtime's stdio
 * (as engines expect), so a pipe would stay open as long as the container runs.
 */
export function run(argv: string[], opts: { input?: string; cwd?: string; env?: NodeJS.ProcessEnv; timeout?: number; fds?: number[] } = {}): SpawnSyncReturns<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-ts-out-'));
  const out = fs.openSync(path.join(dir, 'out'), 'w+');
  const err = fs.openSync(path.join(dir, 'err'), 'w+');
  try {
    const r = spawnSync(argv[0], argv.slice(1), {
      encoding: 'utf8',
      // the pure-v2 qemu guest (V2GUEST=1) runs processes 10-20x slower than this host
      timeout: opts.timeout ?? (process.env.V2GUEST ? 300000 : 20000),
      cwd: opts.cwd,
      env: opts.env,
      input: opts.input,
      // fds[i] becomes descriptor 3+i of the command
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', out, err, ...(opts.fds ?? [])],
    });
    if (r.error) throw r.error;
    r.stdout = fs.readFileSync(path.join(dir, 'out'), 'utf8');
    r.stderr = fs.readFileSync(path.join(dir, 'err'), 'utf8');
    return r;
  } finally {
    fs.closeSync(out);
    fs.closeSync(err);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** bin/oci-ts with --root of the bundle. */
export function oci(b: Bundle, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; timeout?: number } = {}): SpawnSyncReturns<string> {
  return run([OCI_TS, '--root', b.root, ...args], { cwd: b.dir, ...opts });
}

/** Start bin/oci-ts without waiting (a foreground run); output goes to files in the bundle. */
export function ociAsync(b: Bundle, args: string[]): { child: ChildProcess; exited: Promise<number | null> } {
  const out = fs.openSync(path.join(b.dir, 'async.out'), 'w');
  const child = spawn(OCI_TS, ['--root', b.root, ...args], { cwd: b.dir, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  return { child, exited: new Promise((r) => child.on('exit', (code) => r(code))) };
}

export function ociOk(b: Bundle, args: string[]): string {
  const r = oci(b, args);
  if (r.status !== 0) throw new Error(`oci-ts ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

export function cleanup(b: Bundle): void {
  for (const id of fs.existsSync(b.root) ? fs.readdirSync(b.root) : []) oci(b, ['delete', '--force', id]);
  fs.rmSync(b.dir, { recursive: true, force: true });
}

let counter = 0;
export function uniqueId(prefix: string): string {
  return `${prefix}-${process.pid}-${++counter}`;
}

/** What a failed create may leave behind: state dir entries, cgroup dirs, init processes, host mounts. */
export function leftovers(b: Bundle, id: string): string[] {
  const found: string[] = [];
  if (fs.existsSync(path.join(b.root, id))) found.push(`state dir ${path.join(b.root, id)}`);
  // each v1 hierarchy and the hybrid unified one, or (pure v2) /sys/fs/cgroup itself
  for (const h of ['', ...fs.readdirSync('/sys/fs/cgroup')]) {
    const d = path.join('/sys/fs/cgroup', h, 'oci-ts', id);
    if (fs.existsSync(d)) found.push(`cgroup ${d}`);
  }
  // Processes of this container: in its cgroup, or rooted in (or started from) its bundle. Other
  // tests' containers may be running meanwhile, so nothing broader is counted.
  for (const p of fs.readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      const cg = fs.readFileSync(`/proc/${p}/cgroup`, 'utf8');
      let root = '';
      let cwd = '';
      try {
        root = fs.readlinkSync(`/proc/${p}/root`);
        cwd = fs.readlinkSync(`/proc/${p}/cwd`);
      } catch {
        /* kernel threads */
      }
      const cmd = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const ours = cg.includes(`/oci-ts/${id}\n`) || root.startsWith(b.dir) || (cmd.startsWith('oci-ts-init') && cwd.startsWith(b.dir));
      if (ours && Number(p) !== process.pid) found.push(`process ${p} ${cmd}`);
    } catch {
      /* gone */
    }
  }
  const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  if (mounts.includes(b.dir)) found.push(`mount under ${b.dir}`);
  return found;
}
