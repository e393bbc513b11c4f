/**
 * --help and usage text, rendered by yargs 17 from the same option table the lean parser reads
 * (options.ts), so help lists every flag. Loaded only on `--help`, `help` or a usage error: yargs
 * costs about as much as Node's own start-up (architecture.md "Speed").
 * Output is captured through yargs' parse callback, never written by yargs itself.
 *
 * yargs stays outside the bundle (scripts/build.js marks it external): it is 80% of the bundle's
 * bytes, and compiling those bytes on every `state` call cost more than all the rest. It is loaded
 * from the package's node_modules through createRequire, which also works inside the startup
 * snapshot, where the plain `require` knows only built-in modules.
 */
import path = require('path');
import { packageRoot } from '../paths';
import { COMMANDS, Command, Flag, GLOBAL_FLAGS } from './options';
import { normalizeForYargs } from './parse';

type Yargs = any; // eslint-disable-line @typescript-eslint/no-explicit-any

function addFlags(y: Yargs, flags: Flag[]): Yargs {
  for (const f of flags) {
    if (f.name === 'help' || f.name === 'version') continue;
    y = y.option(f.name, {
      alias: f.short,
      type: f.type === 'array' ? 'array' : f.type,
      describe: f.describe,
      default: f.default,
      requiresArg: f.type !== 'boolean',
    });
  }
  return y;
}

/** `[options] <container-id> [ps options]` → yargs' positional syntax. */
function yargsUsage(c: Command): string {
  return `${c.name} ${c.usage.replace('[options]', '').replace(/\[(ps|command) options\]/, '[args..]').replace('<command>', '[command]')}`.replace(/\s+/g, ' ').trim();
}

function build(argv: string[]): Yargs {
  const { createRequire } = require('module') as typeof import('module');
  const yargs = createRequire(path.join(packageRoot(), 'package.json'))('yargs/yargs');
  let y = yargs(argv)
    .scriptName('oci-ts')
    .usage('oci-ts is an OCI-compliant, runc-compatible container runtime.\n\nUsage: oci-ts [global options] <command> [command options] [arguments...]')
    .version(false)
    .help('help').alias('help', 'h')
    .option('version', { alias: 'v', type: 'boolean', describe: 'print the version' })
    .strict()
    .exitProcess(false)
    .wrap(Math.min(120, 100));
  y = addFlags(y, GLOBAL_FLAGS).group(GLOBAL_FLAGS.filter((f) => f.name !== 'help').map((f) => f.name), 'Global options (before the command):');
  for (const c of COMMANDS) {
    y = y.command(yargsUsage(c), `${c.describe}  [${c.man}]`, (yy: Yargs) => addFlags(yy.usage(`oci-ts ${yargsUsage(c)}\n\n${c.describe} (mirrors ${c.man})`), c.flags), () => undefined);
  }
  return y;
}

function render(argv: string[]): string {
  let text = '';
  build(argv).parse(argv, {}, (_err: unknown, _argv: unknown, output: string) => { text = output; });
  return text.endsWith('\n') ? text : text + '\n';
}

/** Help for `oci-ts [cmd] --help`, `oci-ts help [cmd]` or a bare `oci-ts`. */
export function helpText(argv: string[]): string {
  const words = normalizeForYargs(argv).filter((w) => w !== 'help' && w !== '--help' && w !== '-h');
  const cmd = words.find((w) => COMMANDS.some((c) => c.name === w));
  return render(cmd ? [cmd, '--help'] : ['--help']);
}

/** The usage block shown above a usage error. */
export function usageText(c: Command | undefined): string {
  return render(c ? [c.name, '--help'] : ['--help']).trimEnd();
}
