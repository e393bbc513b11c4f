/**
 * The native state.json reader (addon/common/ocistate.c), which bin/oci-ts uses to serve `state`,
 * `start` and `kill` without Node. Whenever it vouches for a file, what it prints must be exactly
 * JSON.stringify(publicState(...), null, 2) of what the TypeScript reader reads; anything it does not
 * vouch for (null) is handed to Node, so malformed input must give null, never a crash.
 */
import fs = require('fs');
import path = require('path');
import { native } from '../../runtime/native';
import { checkSaved, SavedState } from '../../runtime/state/store';
import { publicState } from '../../runtime/state/public';
import { HOT_COMMANDS } from '../../runtime/cli/options';

const base: SavedState = {
  ociVersion: '1.3.0', id: 'c1', pid: 4242, startTime: '123456', bundle: '/b', rootfs: '/b/rootfs',
  created: '2026-12-01T10:00:00.123456789Z', owner: '', cgroupPaths: ['/sys/fs/cgroup/oci-ts/c1'],
  cgroupCreated: ['/sys/fs/cgroup/oci-ts', '/sys/fs/cgroup/oci-ts/c1'], spec: { ociVersion: '1.3.0' } as SavedState['spec'],
};

/** What the TypeScript side prints for this text, or null when its reader refuses it. */
function tsText(text: string, status: string, pid: number): string | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (checkSaved(v)) return null;
  return JSON.stringify(publicState(v as SavedState, status as 'running', pid), null, 2);
}

function nativeText(text: string | Buffer, status = 'running', pid = 4242): string | null {
  const r = native().parseState(Buffer.isBuffer(text) ? text : Buffer.from(text), status, pid);
  return r ? r.text : null;
}

function same(s: unknown): void {
  const text = typeof s === 'string' ? s : JSON.stringify(s);
  expect(nativeText(text)).toBe(tsText(text, 'running', 4242));
}

describe('native state reader', () => {
  test('prints what JSON.stringify(publicState) prints, for every status', () => {
    const text = JSON.stringify(base);
    for (const status of ['creating', 'created', 'running', 'paused', 'stopped']) {
      expect(nativeText(text, status, status === 'stopped' ? 0 : 4242)).toBe(tsText(text, status, status === 'stopped' ? 0 : 4242));
    }
    const r = native().parseState(Buffer.from(text), 'created', 4242)!;
    expect(r).toMatchObject({ id: 'c1', pid: 4242, startTime: '123456', cgroupPaths: ['/sys/fs/cgroup/oci-ts/c1'], poststart: false });
    expect(r.creator).toBeUndefined();
  });

  test('annotations with escapes, unicode, empty values and an empty object', () => {
    same({ ...base, annotations: {} });
    same({ ...base, annotations: { 'a"b': 'x\\y', 'new\nline': '\t\b\f\r\u0001\u001f\u007f', é: 'ü😀\u2028\u2029', '': '', '__proto__': 'p' } });
    same({ ...base, annotations: { 'io.kubernetes.pod': 'x', 'org.opencontainers.image': '/' } });
    // escapes JSON.stringify would not write, in the file: re-emitted as it writes them
    same(JSON.stringify(base).replace(/}$/, ',"annotations":{"\\u0041":"\\/\\u00e9\\ud83d\\ude00\\u001F","__proto__":"p"}}'));
    // pretty-printed file, CR LF and tabs as whitespace
    same(JSON.stringify({ ...base, annotations: { k: 'v' } }, null, '\t').replace(/\n/g, '\r\n'));
  });

  test('what it leaves to Node: malformed, other types, forms it does not re-emit', () => {
    const bad: string[] = [
      '', ' ', 'null', '[]', '"x"', '{', '{}', JSON.stringify(base) + 'x', '\ufeff' + JSON.stringify(base),
      JSON.stringify({ ...base, pid: -1 }), JSON.stringify({ ...base, pid: 1.5 }), JSON.stringify({ ...base, pid: '1' }),
      JSON.stringify(base).replace('"pid":4242', '"pid":4242.0'), JSON.stringify(base).replace('"pid":4242', '"pid":4.242e3'),
      JSON.stringify({ ...base, id: 7 }), JSON.stringify({ ...base, cgroupPaths: [1] }), JSON.stringify({ ...base, cgroupPaths: ['relative'] }),
      JSON.stringify({ ...base, cgroupPaths: ['/a/../b'] }), JSON.stringify({ ...base, cgroupCreated: 'x' }), JSON.stringify({ ...base, spec: [] }),
      JSON.stringify({ ...base, annotations: [] }), JSON.stringify({ ...base, annotations: { a: 1 } }), JSON.stringify({ ...base, annotations: { 1: 'x', b: 'y' } }),
      JSON.stringify({ ...base, namespaces: { pid: 1 } }), JSON.stringify({ ...base, creator: { pid: 1 } }), JSON.stringify({ ...base, creator: null }),
      JSON.stringify({ ...base, bundle: 'a\u0000b' }), JSON.stringify(base).replace('"id":"c1"', '"id":"c1","id":"c2"'),
      JSON.stringify(base).replace('"bundle":"/b"', '"bundle":"\\ud800"'), JSON.stringify(base).replace('"bundle":"/b"', '"bundle":"\\udc00x"'),
      JSON.stringify(base).replace('"bundle":"/b"', '"bundle":"\\x"'), JSON.stringify(base).replace('"bundle":"/b"', '"bundle":"a\tb"'),
      JSON.stringify(base).replace('"pid":4242', '"pid":04242'), JSON.stringify(base).replace('"owner":""', '"owner":"",'),
      '[' .repeat(100000), '{"a":' .repeat(5000),
      // more values than the reader takes (memory bound), and more bytes
      JSON.stringify({ ...base, spec: { n: new Array(1100000).fill(0) } }), JSON.stringify({ ...base, spec: { s: 'x'.repeat(5 << 20) } }),
    ];
    for (const t of bad) expect(nativeText(t)).toBeNull();
    const { pid: _pid, ...noPid } = base;
    expect(nativeText(JSON.stringify(noPid))).toBeNull();
    // invalid UTF-8 in a string
    expect(nativeText(Buffer.concat([Buffer.from(JSON.stringify(base).replace('"owner":""', '"owner":"')), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]))).toBeNull();
  });

  test('creator, poststart hooks and what start needs', () => {
    const c = native().parseState(Buffer.from(JSON.stringify({ ...base, creator: { pid: 7, startTime: '99' } })), 'creating', 4242)!;
    expect(c.creator).toEqual({ pid: 7, startTime: '99' });
    const hooked = (hooks: unknown) => native().parseState(Buffer.from(JSON.stringify({ ...base, spec: { ociVersion: '1', hooks } })), 'created', 1)!.poststart;
    expect(hooked(undefined)).toBe(false);
    expect(hooked(null)).toBe(false);
    expect(hooked({ prestart: [{ path: '/x' }] })).toBe(false);
    expect(hooked({ poststart: [] })).toBe(false);
    expect(hooked({ poststart: [{ path: '/bin/true' }] })).toBe(true);
    expect(hooked({ poststart: 'x' })).toBe(true);
    expect(hooked('x')).toBe(true);
  });

  test('fuzz: random mutations are refused or read exactly as TypeScript reads them', () => {
    const seed = JSON.stringify({ ...base, annotations: { 'a"b': 'x\\y', é: '😀' }, namespaces: { pid: 'pid:[1]' }, spec: { ociVersion: '1', hooks: { poststart: [] }, n: [1, -2.5e3, true, null] } });
    let rnd = 12345;
    const next = (n: number) => { rnd = (rnd * 1103515245 + 12345) & 0x7fffffff; return rnd % n; };
    const alphabet = '{}[]",:\\ 0123456789-+.eEtrufalsn\u00e9\n\tu';
    let vouched = 0;
    for (let i = 0; i < 3000; i++) {
      const b = Buffer.from(seed);
      const chars = [...b.toString('latin1')];
      for (let k = 1 + next(4); k > 0; k--) {
        const at = next(chars.length);
        const op = next(3);
        if (op === 0) chars.splice(at, 1);
        else if (op === 1) chars.splice(at, 0, alphabet[next(alphabet.length)]);
        else chars[at] = String.fromCharCode(next(256));
      }
      const buf = Buffer.from(chars.join(''), 'latin1');
      const got = nativeText(buf);
      if (got !== null) {
        vouched++;
        expect(got).toBe(tsText(buf.toString('utf8'), 'running', 4242));
      }
    }
    // the mutations left some files readable: the comparison above ran
    expect(vouched).toBeGreaterThan(50);
    // random bytes
    for (let i = 0; i < 500; i++) {
      const buf = Buffer.alloc(next(200));
      for (let k = 0; k < buf.length; k++) buf[k] = next(256);
      expect(nativeText(buf)).toBeNull();
    }
  });
});

describe('launcher tables', () => {
  test('HOT_COMMANDS is the hot bundle\'s handler list (main.ts)', () => {
    const main = fs.readFileSync(path.join(__dirname, '..', '..', 'runtime', 'cli', 'main.ts'), 'utf8');
    const hot = main.slice(main.indexOf('? {'), main.indexOf(': {'));
    const names = [...hot.matchAll(/^\s+(\w+): \(\) => require/gm)].map((m) => m[1]);
    expect(names.sort()).toEqual([...HOT_COMMANDS].sort());
  });
});
