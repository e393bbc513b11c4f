import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { formatLine, openLogger, rfc3339 } from '../../runtime/log';
import { formatList, tabulate } from '../../runtime/cli/list';
import { features } from '../../runtime/cli/features';
import type { State } from '../../runtime/spec/types';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$/;

describe('log line formats (engine-contract §1.3)', () => {
  const t = new Date('2026-11-23T10:00:00Z');

  test('RFC 3339 time', () => {
    expect(rfc3339(t)).toMatch(RFC3339);
    expect(new Date(rfc3339(t)).getTime()).toBe(t.getTime());
  });

  test('json: keys level, msg, time in that order, one line', () => {
    const line = formatLine('json', 'error', 'container "x" does not exist\nsecond', t);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.indexOf('\n')).toBe(line.length - 1);
    const o = JSON.parse(line);
    expect(Object.keys(o)).toEqual(['level', 'msg', 'time']);
    expect(o).toMatchObject({ level: 'error', msg: 'container "x" does not exist\nsecond' });
    expect(o.time).toMatch(RFC3339);
  });

  test('json with caller: file and func sorted first', () => {
    expect(Object.keys(JSON.parse(formatLine('json', 'debug', 'm', t, { file: 'a.ts:1', func: 'f' })))).toEqual(['file', 'func', 'level', 'msg', 'time']);
  });

  test('text: time="…" level=error msg="…", quoting like logrus', () => {
    expect(formatLine('text', 'error', 'container does not exist', t)).toMatch(/^time="[^"]+" level=error msg="container does not exist"\n$/);
    expect(formatLine('text', 'warning', 'simple', t)).toMatch(/ level=warning msg=simple\n$/);
    expect(formatLine('text', 'error', 'say "hi"', t)).toContain('msg="say \\"hi\\""');
  });

  test('logger appends lines to --log; debug only with --debug', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-ts-log-'));
    const file = path.join(dir, 'log.json');
    fs.writeFileSync(file, '{"level":"info","msg":"earlier","time":"2026-01-01T00:00:00Z"}\n');
    const quiet = openLogger({ log: file, logFormat: 'json', debug: false });
    quiet.debug('hidden');
    quiet.error('boom');
    const loud = openLogger({ log: file, logFormat: 'json', debug: true });
    loud.debug('shown');
    loud.warn('careful');
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.level, l.msg])).toEqual([['info', 'earlier'], ['error', 'boom'], ['debug', 'shown'], ['warning', 'careful']]);
    fs.rmSync(dir, { recursive: true });
  });

  test('no file is created until something is logged', () => {
    const file = path.join(os.tmpdir(), `oci-ts-nolog-${process.pid}`);
    openLogger({ log: file, logFormat: 'json', debug: false }).debug('x');
    expect(fs.existsSync(file)).toBe(false);
  });
});

describe('list output', () => {
  const s: State = { ociVersion: '1.3.0', id: 'c1', pid: 42, status: 'running', bundle: '/b', rootfs: '/b/rootfs', created: '2026-11-23T10:00:00.123456789Z', owner: 'root' };

  test('table like runc (tabwriter minwidth 12, padding 3)', () => {
    expect(formatList([s], 'table', false)).toBe(
      'ID          PID         STATUS      BUNDLE      ' + 'CREATED'.padEnd(30 + 3) + 'OWNER\n' +
      'c1          42          running     /b          2026-11-23T10:00:00.123456789Z   root\n');
    expect(tabulate([['a', 'b']])).toBe('a           b\n');
  });

  test('json array, null when empty; -q ids', () => {
    expect(formatList([], 'json', false)).toBe('null\n');
    expect(JSON.parse(formatList([s], 'json', false))).toEqual([s]);
    expect(formatList([s, { ...s, id: 'c2' }], 'table', true)).toBe('c1\nc2\n');
  });
});

describe('features', () => {
  test('required fields and the shapes engines read', () => {
    const f = features() as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(f.ociVersionMin).toBe('1.0.0');
    expect(f.ociVersionMax).toBe('1.3.0');
    expect(f.linux.namespaces).toHaveLength(8);
    expect(f.linux.mountExtensions.idmap.enabled).toBe(true);
    expect(f.linux.cgroup).toMatchObject({ v1: true, v2: true, systemd: false });
    expect(f.linux.seccomp.enabled).toBe(true);
  });
});
