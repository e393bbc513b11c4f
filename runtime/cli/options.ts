/**
 * The command-line surface as data: global flags and every command's flags, with runc's names
 * and short aliases (runc.8 and runc-<command>.8 man pages, runc 1.1/1.2; engine-contract §1.1, §1.2).
 *
 * Both parsers read this one table: the lean parser (parse.ts) on every call, and yargs (help.ts)
 * only for `--help` and usage errors. Keep it plain data: it is evaluated at snapshot time.
 */

export type FlagType = 'boolean' | 'string' | 'number' | 'array';

export interface Flag {
  /** long name as runc spells it (`pid-file`); accepted as `--name`, `-name`, `--name=v`, `--name v` */
  name: string;
  /** one-letter alias (`-b`) */
  short?: string;
  type: FlagType;
  describe: string;
  /** value used when the flag is absent (booleans default to false, arrays to []) */
  default?: string | number;
}

export interface Command {
  name: string;
  /** usage words after the command name, for help */
  usage: string;
  describe: string;
  /** the runc man page the command mirrors */
  man: string;
  /** positional argument count (runc checkArgs) */
  minArgs: number;
  maxArgs: number;
  /** stop flag parsing after the first positional (runc SkipArgReorder: ps and exec) */
  stopAtFirstArg?: boolean;
  flags: Flag[];
}

/**
 * The commands the hot bundle holds (scripts/build.js; runtime/cli/main.ts HANDLERS): the launcher
 * starts the full bundle directly for every other command line.
 */
export const HOT_COMMANDS = ['delete', 'kill', 'list', 'start', 'state'];

/**
 * The commands bin/oci-ts may serve natively (addon/launcher/fastpath.c): build.js writes their
 * flag tables, and the global flags, into launcher.conf for the launcher's parser.
 */
export const NATIVE_COMMANDS = ['state', 'start', 'kill', 'delete'];

/** runc.8 GLOBAL OPTIONS */
export const GLOBAL_FLAGS: Flag[] = [
  { name: 'debug', type: 'boolean', describe: 'enable debug logging' },
  { name: 'log', type: 'string', describe: 'set the log file to write oci-ts logs to (default is stderr)' },
  { name: 'log-format', type: 'string', default: 'text', describe: 'set the log format ("text" or "json")' },
  { name: 'root', type: 'string', describe: 'root directory for storage of container state (default "/run/oci-ts", or $XDG_RUNTIME_DIR/oci-ts for non-root)' },
  { name: 'criu', type: 'string', describe: 'path to the criu binary used for checkpoint and restore (accepted for runc compatibility)' },
  { name: 'systemd-cgroup', type: 'boolean', describe: 'enable systemd cgroup support, expects cgroupsPath to be of form "slice:prefix:name"' },
  { name: 'rootless', type: 'string', default: 'auto', describe: 'ignore cgroup permission errors ("true", "false", or "auto")' },
  { name: 'help', short: 'h', type: 'boolean', describe: 'show help' },
  { name: 'version', short: 'v', type: 'boolean', describe: 'print the version' },
];

const bundle: Flag = { name: 'bundle', short: 'b', type: 'string', describe: 'path to the root of the bundle directory, defaults to the current directory' };
const consoleSocket: Flag = { name: 'console-socket', type: 'string', describe: 'path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console\'s pseudoterminal' };
const pidfdSocket: Flag = { name: 'pidfd-socket', type: 'string', describe: 'path to an AF_UNIX socket which will receive a file descriptor referencing the init process' };
const pidFile: Flag = { name: 'pid-file', type: 'string', describe: 'specify the file to write the process id to' };
const noPivot: Flag = { name: 'no-pivot', type: 'boolean', describe: 'do not use pivot root to jail process inside rootfs' };
const noNewKeyring: Flag = { name: 'no-new-keyring', type: 'boolean', describe: 'do not create a new session keyring for the container' };
const preserveFds: Flag = { name: 'preserve-fds', type: 'number', default: 0, describe: 'pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total)' };
const detach: Flag = { name: 'detach', short: 'd', type: 'boolean', describe: 'detach from the container\'s process' };
const noSubreaper: Flag = { name: 'no-subreaper', type: 'boolean', describe: 'disable the use of the subreaper used to reap reparented processes' };
const criuCommon: Flag[] = [
  { name: 'image-path', type: 'string', describe: 'path for saving criu image files' },
  { name: 'work-path', type: 'string', describe: 'path for saving work files and logs' },
  { name: 'tcp-established', type: 'boolean', describe: 'allow open tcp connections' },
  { name: 'ext-unix-sk', type: 'boolean', describe: 'allow external unix sockets' },
  { name: 'shell-job', type: 'boolean', describe: 'allow shell jobs' },
  { name: 'file-locks', type: 'boolean', describe: 'handle file locks, for safety' },
  { name: 'lazy-pages', type: 'boolean', describe: 'use userfaultfd to lazily restore memory pages' },
  { name: 'manage-cgroups-mode', type: 'string', describe: 'cgroups mode: soft|full|strict|ignore' },
  { name: 'empty-ns', type: 'array', describe: 'create a namespace, but don\'t restore its properties' },
  { name: 'auto-dedup', type: 'boolean', describe: 'enable auto deduplication of memory images' },
];

export const COMMANDS: Command[] = [
  { name: 'checkpoint', usage: '[options] <container-id>', describe: 'checkpoint a running container', man: 'runc-checkpoint(8)', minArgs: 1, maxArgs: 1,
    flags: [...criuCommon,
      { name: 'parent-path', type: 'string', describe: 'path for previous criu image files in pre-dump' },
      { name: 'leave-running', type: 'boolean', describe: 'leave the process running after checkpointing' },
      { name: 'status-fd', type: 'number', describe: 'criu writes \\0 to this FD once lazy-pages is ready' },
      { name: 'page-server', type: 'string', describe: 'ADDRESS:PORT of the page server' },
      { name: 'pre-dump', type: 'boolean', describe: 'dump container\'s memory information only, leave the container running after this' }] },
  { name: 'create', usage: '[options] <container-id>', describe: 'create a container', man: 'runc-create(8)', minArgs: 1, maxArgs: 1,
    flags: [bundle, consoleSocket, pidfdSocket, pidFile, noPivot, noNewKeyring, preserveFds] },
  { name: 'delete', usage: '[options] <container-id>', describe: 'delete any resources held by the container', man: 'runc-delete(8)', minArgs: 1, maxArgs: 1,
    flags: [{ name: 'force', short: 'f', type: 'boolean', describe: 'forcibly delete the container if it is still running (uses SIGKILL)' }] },
  { name: 'events', usage: '[options] <container-id>', describe: 'display container events such as OOM notifications, cpu, memory, and IO usage statistics', man: 'runc-events(8)', minArgs: 1, maxArgs: 1,
    flags: [
      { name: 'interval', type: 'string', default: '5s', describe: 'set the stats collection interval' },
      { name: 'stats', type: 'boolean', describe: 'display the container\'s stats then exit' }] },
  { name: 'exec', usage: '[options] <container-id> <command> [command options]', describe: 'execute new process inside the container', man: 'runc-exec(8)', minArgs: 1, maxArgs: Infinity, stopAtFirstArg: true,
    flags: [consoleSocket, pidfdSocket,
      { name: 'cwd', type: 'string', describe: 'current working directory in the container' },
      { name: 'env', short: 'e', type: 'array', describe: 'set environment variables' },
      { name: 'tty', short: 't', type: 'boolean', describe: 'allocate a pseudo-TTY' },
      { name: 'user', short: 'u', type: 'string', describe: 'UID (format: <uid>[:<gid>])' },
      { name: 'additional-gids', short: 'g', type: 'array', describe: 'additional gids' },
      { name: 'process', short: 'p', type: 'string', describe: 'path to the process.json' },
      detach, pidFile,
      { name: 'process-label', type: 'string', describe: 'set the asm process label for the process commonly used with selinux' },
      { name: 'apparmor', type: 'string', describe: 'set the apparmor profile for the process' },
      { name: 'no-new-privs', type: 'boolean', describe: 'set the no new privileges value for the process' },
      { name: 'cap', short: 'c', type: 'array', describe: 'add a capability to the bounding set for the process' },
      preserveFds,
      { name: 'cgroup', type: 'array', describe: 'run the process in an (existing) sub-cgroup(s)' },
      { name: 'ignore-paused', type: 'boolean', describe: 'allow exec in a paused container' }] },
  { name: 'features', usage: '', describe: 'show the enabled features', man: 'runc-features(8)', minArgs: 0, maxArgs: 0, flags: [] },
  { name: 'kill', usage: '[options] <container-id> [signal]', describe: 'kill sends the specified signal (default: SIGTERM) to the container\'s init process', man: 'runc-kill(8)', minArgs: 1, maxArgs: 2,
    flags: [{ name: 'all', short: 'a', type: 'boolean', describe: 'send the specified signal to all processes inside the container' }] },
  { name: 'list', usage: '[options]', describe: 'lists containers started by oci-ts with the given root', man: 'runc-list(8)', minArgs: 0, maxArgs: 0,
    flags: [
      { name: 'format', short: 'f', type: 'string', default: 'table', describe: 'select one of: table or json' },
      { name: 'quiet', short: 'q', type: 'boolean', describe: 'display only container IDs' }] },
  { name: 'pause', usage: '<container-id>', describe: 'pause suspends all processes inside the container', man: 'runc-pause(8)', minArgs: 1, maxArgs: 1, flags: [] },
  { name: 'ps', usage: '[options] <container-id> [ps options]', describe: 'ps displays the processes running inside a container', man: 'runc-ps(8)', minArgs: 1, maxArgs: Infinity, stopAtFirstArg: true,
    flags: [{ name: 'format', short: 'f', type: 'string', default: 'table', describe: 'select one of: table or json' }] },
  { name: 'restore', usage: '[options] <container-id>', describe: 'restore a container from a previous checkpoint', man: 'runc-restore(8)', minArgs: 1, maxArgs: 1,
    flags: [consoleSocket, ...criuCommon, bundle, detach, pidFile, noSubreaper, noPivot,
      { name: 'lsm-profile', type: 'string', describe: 'apply LSM profile to the container (TYPE:NAME)' },
      { name: 'lsm-mount-context', type: 'string', describe: 'apply LSM mount context to the container' }] },
  { name: 'resume', usage: '<container-id>', describe: 'resumes all processes that have been previously paused', man: 'runc-resume(8)', minArgs: 1, maxArgs: 1, flags: [] },
  { name: 'run', usage: '[options] <container-id>', describe: 'create and run a container', man: 'runc-run(8)', minArgs: 1, maxArgs: 1,
    flags: [bundle, consoleSocket, pidfdSocket, detach,
      { name: 'keep', type: 'boolean', describe: 'do not delete the container after it exits' },
      pidFile, noSubreaper, noPivot, noNewKeyring, preserveFds] },
  { name: 'spec', usage: '[options]', describe: 'create a new specification file', man: 'runc-spec(8)', minArgs: 0, maxArgs: 0,
    flags: [bundle, { name: 'rootless', type: 'boolean', describe: 'generate a configuration for a rootless container' }] },
  { name: 'start', usage: '<container-id>', describe: 'executes the user defined process in a created container', man: 'runc-start(8)', minArgs: 1, maxArgs: 1, flags: [] },
  { name: 'state', usage: '<container-id>', describe: 'output the state of a container', man: 'runc-state(8)', minArgs: 1, maxArgs: 1, flags: [] },
  { name: 'update', usage: '[options] <container-id>', describe: 'update container resource constraints', man: 'runc-update(8)', minArgs: 1, maxArgs: 1,
    flags: [
      { name: 'resources', short: 'r', type: 'string', describe: 'path to a file containing the resources to update or \'-\' to read from the standard input' },
      { name: 'blkio-weight', type: 'number', describe: 'Specifies per cgroup weight, range is from 10 to 1000' },
      { name: 'cpu-period', type: 'string', describe: 'CPU CFS period to be used for hardcapping (in usecs). 0 to use system default' },
      { name: 'cpu-quota', type: 'string', describe: 'CPU CFS hardcap limit (in usecs). Allowed cpu time in a given period' },
      { name: 'cpu-burst', type: 'string', describe: 'CPU CFS hardcap burst limit (in usecs). Allowed accumulated cpu time additionally for burst a given period' },
      { name: 'cpu-share', type: 'string', describe: 'CPU shares (relative weight vs. other containers)' },
      { name: 'cpu-rt-period', type: 'string', describe: 'CPU realtime period to be used for hardcapping (in usecs). 0 to use system default' },
      { name: 'cpu-rt-runtime', type: 'string', describe: 'CPU realtime hardcap limit (in usecs). Allowed cpu time in a given period' },
      { name: 'cpuset-cpus', type: 'string', describe: 'CPU(s) to use' },
      { name: 'cpuset-mems', type: 'string', describe: 'Memory node(s) to use' },
      { name: 'kernel-memory', type: 'string', describe: '(obsoleted; do not use)' },
      { name: 'kernel-memory-tcp', type: 'string', describe: '(obsoleted; do not use)' },
      { name: 'memory', type: 'string', describe: 'Memory limit (in bytes)' },
      { name: 'cpu-idle', type: 'string', describe: 'set cgroup SCHED_IDLE or not, 0: default behavior, 1: SCHED_IDLE' },
      { name: 'memory-reservation', type: 'string', describe: 'Memory reservation or soft_limit (in bytes)' },
      { name: 'memory-swap', type: 'string', describe: "Total memory usage (memory + swap); set '-1' to enable unlimited swap" },
      { name: 'pids-limit', type: 'number', describe: 'Maximum number of pids allowed in the container' },
      { name: 'l3-cache-schema', type: 'string', describe: 'The string of Intel RDT/CAT L3 cache schema' },
      { name: 'mem-bw-schema', type: 'string', describe: 'The string of Intel RDT/MBA memory bandwidth schema' }] },
];

/** kebab-case flag name → camelCase key in parsed options (`pid-file` → `pidFile`) */
export function flagKey(name: string): string {
  return name.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

export function findCommand(name: string): Command | undefined {
  for (const c of COMMANDS) if (c.name === name) return c;
  return undefined;
}
