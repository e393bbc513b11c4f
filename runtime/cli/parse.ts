/**
 * The lean argument parser used on every call (yargs is loaded only for --help; see help.ts).
 *
 * Rules follow runc (Go's flag package under urfave/cli), engine-contract §1.1 and §1.4 item 8:
 * - `--name=v`, `--name v`, `-name=v`, `-name v` (single-dash long flags: go-runc sends `-no-subreaper`);
 * - one-letter aliases `-b DIR`, `-b=DIR`; no bundling of short flags (Go has none);
 * - booleans never consume the next word; `--detach=false` is allowed (Go ParseBool values);
 * - global flags come before the command, command flags after it, anywhere among the positionals,
 *   except for `ps` and `exec`, where parsing stops at the container ID (runc SkipArgReorder);
 * - `--` ends flag parsing.
 */
import { UsageError } from '../errors';
import { Command, Flag, GLOBAL_FLAGS, findCommand, flagKey } from './options';

export type FlagValues = Record<string, string | number | boolean | string[] | undefined>;

export interface ParsedArgs {
  globals: FlagValues;
  /** undefined when no command was given */
  command?: Command;
  flags: FlagValues;
  args: string[];
  /** `--help`/`-h` anywhere before `--`, or the `help` command */
  help: boolean;
  /** set when the words do not parse; `globals` still holds what was read before the error */
  error?: UsageError;
}

const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

function lookup(table: Flag[], name: string): Flag | undefined {
  for (const f of table) if (f.name === name || (name.length === 1 && f.short === name)) return f;
  return undefined;
}

function defaults(table: Flag[]): FlagValues {
  const out: FlagValues = {};
  for (const f of table) {
    const k = flagKey(f.name);
    if (f.default !== undefined) out[k] = f.default;
    else if (f.type === 'boolean') out[k] = false;
    else if (f.type === 'array') out[k] = [];
  }
  return out;
}

/**
 * Parse one flag at argv[i] into `out`; returns how many words it used.
 * `argv[i]` starts with '-' and is not '-' or '--'.
 */
function takeFlag(table: Flag[], argv: string[], i: number, out: FlagValues): number | 'help' {
  const word = argv[i];
  const body = word.startsWith('--') ? word.slice(2) : word.slice(1);
  const eq = body.indexOf('=');
  const name = eq < 0 ? body : body.slice(0, eq);
  const inline = eq < 0 ? undefined : body.slice(eq + 1);
  const flag = lookup(table, name);
  if (!flag) {
    if (name === 'help' || name === 'h') return 'help';
    throw new UsageError(`flag provided but not defined: -${name}`);
  }
  const key = flagKey(flag.name);
  if (flag.type === 'boolean') {
    if (inline === undefined || TRUE.has(inline)) out[key] = true;
    else if (FALSE.has(inline)) out[key] = false;
    else throw new UsageError(`invalid boolean value "${inline}" for -${name}: parse error`);
    return 1;
  }
  let value = inline;
  let used = 1;
  if (value === undefined) {
    if (i + 1 >= argv.length) throw new UsageError(`flag needs an argument: -${name}`);
    value = argv[i + 1];
    used = 2;
  }
  if (flag.type === 'number') {
    if (!/^[+-]?\d+$/.test(value)) throw new UsageError(`invalid value "${value}" for flag -${name}: parse error`);
    out[key] = Number(value);
  } else if (flag.type === 'array') {
    (out[key] as string[]).push(value);
  } else {
    out[key] = value;
  }
  return used;
}

const isFlag = (w: string) => w.length > 1 && w[0] === '-' && w !== '--';

/** Never throws: a usage error comes back in `error`, with the global flags read so far (for --log). */
export function parseArgs(argv: string[]): ParsedArgs {
  const res: ParsedArgs = { globals: defaults(GLOBAL_FLAGS), flags: {}, args: [], help: false };
  try {
    parseInto(argv, res);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    res.error = e;
  }
  return res;
}

function parseInto(argv: string[], res: ParsedArgs): void {
  const globals = res.globals;
  let i = 0;
  while (i < argv.length && isFlag(argv[i])) {
    const n = takeFlag(GLOBAL_FLAGS, argv, i, globals);
    if (n === 'help') { res.help = true; i++; } else i += n;
  }
  if (argv[i] === '--') i++;
  if (globals.help) res.help = true;
  if (i >= argv.length) return;

  const name = argv[i++];
  if (name === 'help' || name === 'h') {
    res.help = true;
    res.command = findCommand(argv[i] ?? '');
    return;
  }
  const cmd = findCommand(name);
  if (!cmd) throw new UsageError(`No help topic for '${name}'`);
  res.command = cmd;
  res.flags = defaults(cmd.flags);
  let flagsDone = false;
  while (i < argv.length) {
    const w = argv[i];
    if (!flagsDone && w === '--') { flagsDone = true; i++; continue; }
    if (!flagsDone && isFlag(w)) {
      const n = takeFlag(cmd.flags, argv, i, res.flags);
      if (n === 'help') { res.help = true; i++; } else i += n;
      continue;
    }
    res.args.push(w);
    i++;
    if (cmd.stopAtFirstArg) flagsDone = true;
  }
  if (!res.help) checkArgs(cmd, res.args.length);
}

/** runc checkArgs wording (utils.go): `"state" requires exactly 1 argument(s)` */
function checkArgs(cmd: Command, n: number): void {
  if (cmd.minArgs === cmd.maxArgs && n !== cmd.minArgs) {
    throw new UsageError(`"${cmd.name}" requires exactly ${cmd.minArgs} argument(s)`);
  }
  if (n < cmd.minArgs) throw new UsageError(`"${cmd.name}" requires a minimum of ${cmd.minArgs} argument(s)`);
  if (n > cmd.maxArgs) throw new UsageError(`"${cmd.name}" requires a maximum of ${cmd.maxArgs} argument(s)`);
}

/** Rewrite single-dash long flags (`-no-subreaper`) to `--no-subreaper` so yargs reads them like we do. */
export function normalizeForYargs(argv: string[]): string[] {
  const out: string[] = [];
  let done = false;
  for (const w of argv) {
    if (w === '--') done = true;
    if (!done && w.length > 2 && w[0] === '-' && w[1] !== '-') {
      const eq = w.indexOf('=');
      if (eq !== 2) { out.push('-' + w); continue; }
    }
    out.push(w);
  }
  return out;
}
