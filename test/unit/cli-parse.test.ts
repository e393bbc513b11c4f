import { parseArgs, normalizeForYargs } from '../../runtime/cli/parse';
import { COMMANDS, GLOBAL_FLAGS } from '../../runtime/cli/options';
import { globalOptions } from '../../runtime/cli/main';

describe('lean CLI parser', () => {
  test('--root=x and --root x are the same', () => {
    for (const argv of [['--root=/r', 'state', 'c1'], ['--root', '/r', 'state', 'c1'], ['-root', '/r', 'state', 'c1'], ['-root=/r', 'state', 'c1']]) {
      const p = parseArgs(argv);
      expect(p.error).toBeUndefined();
      expect(p.globals.root).toBe('/r');
      expect(p.command?.name).toBe('state');
      expect(p.args).toEqual(['c1']);
    }
  });

  test('global defaults', () => {
    const p = parseArgs(['state', 'c1']);
    expect(p.globals).toMatchObject({ logFormat: 'text', debug: false, systemdCgroup: false, rootless: 'auto' });
    const g = globalOptions(p.globals);
    expect(g.logFormat).toBe('text');
    expect(g.log).toBeUndefined();
    expect(g.root).toMatch(/oci-ts$/);
  });

  test('containerd prefix: --root R --log F --log-format json', () => {
    const p = parseArgs(['--root', '/run/containerd/runc/k8s.io', '--log', '/b/log.json', '--log-format', 'json',
      'create', '--bundle', '/b', '--pid-file', '/b/init.pid', '--console-socket', '/tmp/pty.sock', 'c1']);
    expect(p.error).toBeUndefined();
    expect(globalOptions(p.globals)).toEqual({ root: '/run/containerd/runc/k8s.io', log: '/b/log.json', logFormat: 'json', debug: false, systemdCgroup: false });
    expect(p.flags).toMatchObject({ bundle: '/b', pidFile: '/b/init.pid', consoleSocket: '/tmp/pty.sock', noPivot: false, preserveFds: 0 });
    expect(p.args).toEqual(['c1']);
  });

  test('conmon style --log-format=json and --rootless=true', () => {
    const p = parseArgs(['--log-format=json', '--rootless=true', '--systemd-cgroup', 'delete', '--force', 'c1']);
    expect(p.globals).toMatchObject({ logFormat: 'json', rootless: 'true', systemdCgroup: true });
    expect(p.flags.force).toBe(true);
  });

  test('short aliases -b -d -f -a -q', () => {
    expect(parseArgs(['run', '-b', '/b', '-d', 'c1']).flags).toMatchObject({ bundle: '/b', detach: true });
    expect(parseArgs(['create', '-b=/b', 'c1']).flags.bundle).toBe('/b');
    expect(parseArgs(['delete', '-f', 'c1']).flags.force).toBe(true);
    expect(parseArgs(['kill', '-a', 'c1', '9']).flags.all).toBe(true);
    expect(parseArgs(['list', '-q']).flags.quiet).toBe(true);
    expect(parseArgs(['list', '-f', 'json']).flags.format).toBe('json');
  });

  test('exec aliases -e -u -g -c -p -t collect values', () => {
    const p = parseArgs(['exec', '-e', 'A=1', '-e', 'B=2', '-u', '1:2', '-g', '10', '-c', 'CAP_KILL', '-t', '-p', '/p.json', 'c1']);
    expect(p.error).toBeUndefined();
    expect(p.flags).toMatchObject({ env: ['A=1', 'B=2'], user: '1:2', additionalGids: ['10'], cap: ['CAP_KILL'], tty: true, process: '/p.json' });
  });

  test('update -r -', () => {
    expect(parseArgs(['update', '-r', '-', 'c1']).flags.resources).toBe('-');
    expect(parseArgs(['update', '--resources=-', 'c1']).flags.resources).toBe('-');
  });

  test('single-dash long flags, as go-runc sends -no-subreaper', () => {
    const p = parseArgs(['restore', '--detach', '--pid-file', '/p', '-no-subreaper', '--bundle', '/b', 'c1']);
    expect(p.error).toBeUndefined();
    expect(p.flags).toMatchObject({ detach: true, pidFile: '/p', noSubreaper: true, bundle: '/b' });
    expect(parseArgs(['run', '-no-subreaper', 'c1']).flags.noSubreaper).toBe(true);
  });

  test('booleans take =false and never the next word', () => {
    expect(parseArgs(['run', '--detach=false', 'c1']).flags.detach).toBe(false);
    const p = parseArgs(['run', '--detach', 'c1']);
    expect(p.flags.detach).toBe(true);
    expect(p.args).toEqual(['c1']);
  });

  test('--preserve-fds 2 and =2 are numbers; junk is an error', () => {
    expect(parseArgs(['create', '--preserve-fds', '2', 'c1']).flags.preserveFds).toBe(2);
    expect(parseArgs(['create', '--preserve-fds=2', 'c1']).flags.preserveFds).toBe(2);
    expect(parseArgs(['create', '--preserve-fds', 'x', 'c1']).error?.message).toBe('invalid value "x" for flag -preserve-fds: parse error');
  });

  test('flags after the ID are parsed for ordinary commands', () => {
    const p = parseArgs(['kill', 'c1', '9', '--all']);
    expect(p.flags.all).toBe(true);
    expect(p.args).toEqual(['c1', '9']);
  });

  test('ps stops at the ID: later words are ps arguments', () => {
    const p = parseArgs(['ps', '--format', 'json', 'c1', '-ef', '--forest']);
    expect(p.error).toBeUndefined();
    expect(p.flags.format).toBe('json');
    expect(p.args).toEqual(['c1', '-ef', '--forest']);
    expect(parseArgs(['ps', 'c1']).flags.format).toBe('table');
  });

  test('exec stops at the ID: the command keeps its flags', () => {
    const p = parseArgs(['exec', '-t', 'c1', 'sh', '-c', 'echo hi']);
    expect(p.flags.tty).toBe(true);
    expect(p.args).toEqual(['c1', 'sh', '-c', 'echo hi']);
  });

  test('-- ends flag parsing', () => {
    expect(parseArgs(['kill', '--', 'c1', '-9']).args).toEqual(['c1', '-9']);
  });

  test('unknown flag is an error naming it', () => {
    expect(parseArgs(['create', '--bogus', 'c1']).error?.message).toBe('flag provided but not defined: -bogus');
    expect(parseArgs(['--bogus', 'state', 'c1']).error?.message).toBe('flag provided but not defined: -bogus');
    expect(parseArgs(['state', '-x', 'c1']).error?.message).toBe('flag provided but not defined: -x');
  });

  test('global flags read before an error are kept (for --log)', () => {
    const p = parseArgs(['--log', '/l', 'create', '--bogus', 'c1']);
    expect(p.error).toBeDefined();
    expect(p.globals.log).toBe('/l');
  });

  test('missing value, unknown command, argument counts', () => {
    expect(parseArgs(['--root']).error?.message).toBe('flag needs an argument: -root');
    expect(parseArgs(['frobnicate']).error?.message).toBe("No help topic for 'frobnicate'");
    expect(parseArgs(['state']).error?.message).toBe('"state" requires exactly 1 argument(s)');
    expect(parseArgs(['kill', 'a', 'b', 'c']).error?.message).toBe('"kill" requires a maximum of 2 argument(s)');
    expect(parseArgs(['ps']).error?.message).toBe('"ps" requires a minimum of 1 argument(s)');
  });

  test('help and version', () => {
    expect(parseArgs(['--help']).help).toBe(true);
    expect(parseArgs(['state', '--help']).help).toBe(true);
    expect(parseArgs(['help', 'state']).command?.name).toBe('state');
    expect(parseArgs(['-v']).globals.version).toBe(true);
    expect(parseArgs(['--version']).command).toBeUndefined();
  });

  test('bad --log-format is a usage error', () => {
    expect(() => globalOptions(parseArgs(['--log-format', 'xml', 'state', 'c']).globals)).toThrow('invalid log-format: xml');
  });

  test('normalizeForYargs turns single-dash long flags into double-dash', () => {
    expect(normalizeForYargs(['-no-subreaper', '-b', '/b', '-b=/c', '--x', '--', '-keep'])).toEqual(['--no-subreaper', '-b', '/b', '-b=/c', '--x', '--', '-keep']);
  });

  test('the table: unique names and aliases per command, runc short aliases present', () => {
    const shorts = new Set<string>();
    for (const c of [{ name: '', flags: GLOBAL_FLAGS }, ...COMMANDS]) {
      const names = c.flags.map((f) => f.name);
      expect(new Set(names).size).toBe(names.length);
      const s = c.flags.filter((f) => f.short).map((f) => f.short as string);
      expect(new Set(s).size).toBe(s.length);
      s.forEach((x) => shorts.add(x));
    }
    for (const s of 'b d f a p t e u g c r q'.split(' ')) expect(shorts.has(s)).toBe(true);
  });
});
