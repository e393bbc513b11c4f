/**
 * oci-ts command-line entry (runc(8)). The one error boundary: every failure is caught here,
 * written once to stderr and to --log, and the process exits with status 1.
 *
 * Speed (architecture.md "Speed"): this file and what it imports statically (the option table,
 * the lean parser, the log writer) are plain data and small functions, evaluated at snapshot time.
 * Everything else is `require`d inside the function that needs it, so `state` loads only the state
 * command and the container code behind it, and yargs is loaded only for --help and usage errors.
 *
 * Output goes through fs.writeSync on fds 1 and 2, never process.stdout/process.stderr: creating
 * those streams makes libuv set O_NONBLOCK on pipes that the container process shares with us.
 */
import type { GlobalOptions } from '../container/api';
import { OciError, UsageError } from '../errors';
import { Logger, openLogger, writeAll, setDebugLog } from '../log';
import { launcherFacts } from '../launcher-env';
import { print } from './output';
import { FlagValues, ParsedArgs, parseArgs } from './parse';

declare const __OCI_TS_VERSION__: string | undefined;
declare const __OCI_TS_COMMIT__: string | undefined;
declare const __OCI_TS_ENTRY__: 'plain' | 'snapshot' | 'library' | undefined;

/** A command: flags and arguments in, exit status out (undefined means 0). */
export type Handler = (g: GlobalOptions, p: ParsedArgs, log: Logger) => Promise<number | void>;

/**
 * The hot build (__OCI_TS_HOT__, scripts/build.js) holds only the commands engines call on every
 * container after create (state, start, kill, delete, list) and --version: a small bundle whose
 * load costs little. Everything else is handed to the full bundle (cold.ts). esbuild drops the
 * branch not taken, and the requires in it, from each bundle.
 */
declare const __OCI_TS_HOT__: boolean | undefined;
// (inline, not through a variable, so that esbuild sees a constant and drops the other branch)
const HOT = typeof __OCI_TS_HOT__ !== 'undefined' && __OCI_TS_HOT__;

/* eslint-disable @typescript-eslint/no-var-requires */
const HANDLERS: Record<string, () => Handler> = typeof __OCI_TS_HOT__ !== 'undefined' && __OCI_TS_HOT__
  ? {
      delete: () => require('./delete').command,
      kill: () => require('./kill').command,
      list: () => require('./list').command,
      start: () => require('./start').command,
      state: () => require('./state').command,
    }
  : {
      checkpoint: () => require('./checkpoint').command,
      create: () => require('./create').command,
      delete: () => require('./delete').command,
      events: () => require('./events').command,
      exec: () => require('./exec').command,
      features: () => require('./features').command,
      kill: () => require('./kill').command,
      list: () => require('./list').command,
      pause: () => require('./pause').command,
      ps: () => require('./ps').command,
      resume: () => require('./resume').command,
      run: () => require('./run').command,
      spec: () => require('./spec').command,
      start: () => require('./start').command,
      state: () => require('./state').command,
      update: () => require('./update').command,
    };

/** Does this build run `name` (a command the parser knows may still have no handler)? */
export function implemented(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(HANDLERS, name);
}

function defaultRoot(): string {
  const xdg = process.env.XDG_RUNTIME_DIR;
  return process.geteuid && process.geteuid() !== 0 && xdg ? `${xdg}/oci-ts` : '/run/oci-ts';
}

export function globalOptions(v: FlagValues): GlobalOptions {
  const logFormat = v.logFormat as string;
  if (logFormat !== 'text' && logFormat !== 'json') throw new UsageError(`invalid log-format: ${logFormat} (--log-format must be text or json)`);
  const rootless = v.rootless as string;
  if (rootless !== 'true' && rootless !== 'false' && rootless !== 'auto') {
    throw new UsageError(`invalid value "${rootless}" for flag -rootless: must be true, false or auto`);
  }
  return {
    root: (v.root as string) || defaultRoot(),
    log: (v.log as string) || undefined,
    logFormat,
    debug: v.debug === true,
    systemdCgroup: v.systemdCgroup === true,
  };
}

function versionText(): string {
  const version = typeof __OCI_TS_VERSION__ === 'string' ? __OCI_TS_VERSION__ : require('../../package.json').version;
  const commit = typeof __OCI_TS_COMMIT__ === 'string' && __OCI_TS_COMMIT__ ? __OCI_TS_COMMIT__ : 'unknown';
  const { specVersion } = require('../spec/default-spec') as { specVersion: string };
  return `oci-ts version ${version}\ncommit: ${commit}\nspec: ${specVersion}\nnode: ${process.version}\n`;
}

/**
 * The error as one line: control characters a config or argument carried into the message (a
 * newline in a key, a NUL in an id) are shown escaped, so each error is exactly one line.
 */
function message(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x1f\x7f]/g, (c) => (c === '\n' ? '\\n' : c === '\t' ? '\\t' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}

/** Runs one command line (without the node and script words); resolves to the exit status. */
export async function main(argv: string[]): Promise<number> {
  const facts = launcherFacts(); // takes the launcher's variables out of the environment before anything runs
  const p = parseArgs(argv);
  if (HOT && (p.error || p.help || (p.command && !HANDLERS[p.command.name]) || (!p.command && p.globals.version !== true))) {
    return require('./cold').loadFullBundle().main(argv);
  }
  let log: Logger | undefined;
  try {
    log = openLogger(globalOptions(p.globals));
    const opened = log;
    setDebugLog(p.globals.debug === true ? (m) => opened.debug(m) : undefined);
    // the launcher's fast path acted, then failed: its error is this command's (addon/launcher/fastpath.c)
    if (facts.verdict && !p.error && !p.help) throw new OciError(facts.verdict);
    if (p.error) {
      // Bad usage: yargs renders the command's usage, then the lean parser's message (which names the flag).
      const { usageText } = require('./help') as typeof import('./help');
      writeAll(2, usageText(p.command) + '\n\n');
      throw p.error;
    }
    if (p.help || (!p.command && p.globals.version !== true)) {
      const { helpText } = require('./help') as typeof import('./help');
      print(helpText(argv));
      return 0;
    }
    if (!p.command) {
      print(versionText());
      return 0;
    }
    const logger = log;
    const g: GlobalOptions = { ...globalOptions(p.globals), warn: (m) => logger.warn(m) };
    const load = HANDLERS[p.command.name];
    if (!load) throw new OciError(`${p.command.name}: not implemented yet`);
    const status = await load()(g, p, log);
    return typeof status === 'number' ? status : 0;
  } catch (e) {
    const msg = message(e);
    if (log && log.toFile) log.error(msg);
    if (log && !(e instanceof OciError) && e instanceof Error && e.stack) log.debug(e.stack);
    try { writeAll(2, msg + '\n'); } catch { /* nowhere left to report */ }
    return e instanceof OciError && e.exitCode !== undefined ? e.exitCode : 1;
  }
}

/**
 * Run and set the exit status. No process.exit(): every write above is synchronous, and the
 * process ends when the container code has released its handles, so nothing is cut off.
 */
export function runCli(argv: string[]): void {
  main(argv).then(
    (code) => { process.exitCode = code; },
    (e) => { try { writeAll(2, message(e) + '\n'); } catch { /* ignore */ } process.exitCode = 1; },
  );
}

// Entry points, chosen by scripts/build.js through the __OCI_TS_ENTRY__ define (absent under jest).
if (typeof __OCI_TS_ENTRY__ !== 'undefined') {
  if (__OCI_TS_ENTRY__ === 'library') {
    // the full bundle, loaded by the hot one (cold.ts): it runs nothing by itself
  } else if (__OCI_TS_ENTRY__ === 'snapshot') {
    // Inside a startup snapshot's main function process.argv is [node, ...args]: no script word.
    require('v8').startupSnapshot.setDeserializeMainFunction(() => runCli(process.argv.slice(1)));
  } else {
    runCli(process.argv.slice(2));
  }
}
