/** loadBundle (runtime/spec/load.ts) on temporary bundles. No root needed. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ConfigError, OciError } from '../../runtime/errors';
import { defaultSpec } from '../../runtime/spec/default-spec';
import { execFileSync } from 'child_process';
import { loadBundle, parseConfig, jsonSyntaxError, readJsonFile, JsonFileError, MAX_CONFIG_BYTES } from '../../runtime/spec/load';

const GENERATED = path.join(__dirname, '../../runtime/spec/generated/validate-config.js');
beforeAll(() => {
  if (!fs.existsSync(GENERATED)) require('../../scripts/build-schemas').buildSchemas();
});

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-ts-bundle-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function writeBundle(config: unknown, rootfs = true): string {
  fs.writeFileSync(path.join(dir, 'config.json'), typeof config === 'string' ? config : JSON.stringify(config, null, '\t'));
  if (rootfs) fs.mkdirSync(path.join(dir, 'rootfs'), { recursive: true });
  return dir;
}

function thrown(fn: () => unknown): OciError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(OciError);
    return e as OciError;
  }
  throw new Error('expected an error');
}

test('loads a valid bundle and resolves paths', () => {
  writeBundle(defaultSpec(false));
  const rel = path.relative(process.cwd(), dir);
  const b = loadBundle(rel);
  expect(b.bundle).toBe(dir);
  expect(b.rootfs).toBe(path.join(dir, 'rootfs'));
  expect(b.spec.process!.args).toEqual(['sh']);
  expect(b.warnings).toEqual([]);
});

test('an absolute root.path is used as is', () => {
  const abs = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-ts-rootfs-'));
  try {
    writeBundle({ ...defaultSpec(false), root: { path: abs } }, false);
    expect(loadBundle(dir).rootfs).toBe(abs);
  } finally {
    fs.rmdirSync(abs);
  }
});

test('returns warnings for relative mount destinations', () => {
  const spec = defaultSpec(false);
  spec.mounts!.push({ destination: 'tmp', type: 'tmpfs', source: 'tmpfs' });
  writeBundle(spec);
  expect(loadBundle(dir).warnings[0]).toMatch(/^\/mounts\/7\/destination/);
});

test('missing bundle', () => {
  const e = thrown(() => loadBundle(path.join(dir, 'nope')));
  expect(e.message).toBe(`bundle ${path.join(dir, 'nope')}: no such file or directory`);
});

test('missing config.json, worded like runc', () => {
  const e = thrown(() => loadBundle(dir));
  expect(e.message).toBe(`open ${dir}/config.json: no such file or directory`);
});

test('JSON syntax errors give line and column', () => {
  writeBundle('{\n  "ociVersion": "1.3.0",\n  }\n');
  const e = thrown(() => loadBundle(dir));
  expect(e.message).toMatch(new RegExp(`^parse ${dir}/config.json: invalid JSON at line 3, column 3`));
  expect(() => parseConfig('{"a": ')).toThrow(/at line 1, column 7: unexpected end of input/);
});

test('schema errors come out as ConfigError with the pointer', () => {
  const spec: any = defaultSpec(false);
  spec.linux.namespaces[0].type = 'bogus';
  writeBundle(spec);
  const e = thrown(() => loadBundle(dir)) as ConfigError;
  expect(e).toBeInstanceOf(ConfigError);
  expect(e.pointer).toBe('/linux/namespaces/0/type');
});

test('semantic errors come out as ConfigError with the pointer', () => {
  const spec: any = defaultSpec(false);
  spec.process.cwd = 'relative';
  writeBundle(spec);
  expect((thrown(() => loadBundle(dir)) as ConfigError).pointer).toBe('/process/cwd');
});

test('root.path must exist', () => {
  writeBundle(defaultSpec(false), false);
  const e = thrown(() => loadBundle(dir)) as ConfigError;
  expect(e).toBeInstanceOf(ConfigError);
  expect(e.pointer).toBe('/root/path');
  expect(e.message).toBe(`config.json /root/path: ${dir}/rootfs: no such file or directory`);
});

test('root.path must be a directory', () => {
  writeBundle(defaultSpec(false), false);
  fs.writeFileSync(path.join(dir, 'rootfs'), '');
  const e = thrown(() => loadBundle(dir)) as ConfigError;
  expect(e.pointer).toBe('/root/path');
  expect(e.detail).toMatch(/not a directory/);
});

test('a UTF-8 byte order mark is tolerated', () => {
  writeBundle('\ufeff' + JSON.stringify(defaultSpec(false)));
  expect(loadBundle(dir).spec.ociVersion).toBe('1.3.0');
});

describe('config.json is read only if it is a regular file of bounded size', () => {
  const cfg = () => path.join(dir, 'config.json');

  test('a FIFO is refused at once, without waiting for a writer', () => {
    fs.mkdirSync(path.join(dir, 'rootfs'));
    execFileSync('mkfifo', [cfg()]);
    const t = Date.now();
    expect(thrown(() => loadBundle(dir)).message).toBe(`open ${cfg()}: not a regular file (a FIFO)`);
    expect(Date.now() - t).toBeLessThan(1000);
  });

  test.each(['/dev/zero', '/dev/urandom', '/proc/self/environ', '/'])('a symlink to %s is refused without reading it', (target) => {
    fs.symlinkSync(target, cfg());
    const e = thrown(() => readJsonFile(cfg(), 'config.json'));
    // /proc/self/environ is a regular file of size 0: it is read (to its end), and its content is not quoted
    if (target === '/proc/self/environ') {
      expect(e.message).toMatch(/^parse config\.json: invalid JSON at line 1, column \d+: [^=]*$/);
      expect(e.message).not.toContain(process.env.PATH!);
    }
    else expect([e instanceof JsonFileError, (e as JsonFileError).problem]).toEqual([true, expect.stringMatching(/^not a regular file \((a character device|a directory)\)$/)]);
  });

  test('a file past the limit is refused before it is read, naming the limit', () => {
    fs.writeFileSync(cfg(), '{}');
    fs.truncateSync(cfg(), MAX_CONFIG_BYTES + 1);
    const e = thrown(() => readJsonFile(cfg(), 'config.json')) as JsonFileError;
    expect(e.problem).toBe(`larger than the limit of ${MAX_CONFIG_BYTES} bytes (128 MiB)`);
    fs.writeFileSync(cfg(), JSON.stringify({ a: 'x'.repeat(100) }));
    expect((thrown(() => readJsonFile(cfg(), 'process.json', 64)) as JsonFileError).problem).toBe('larger than the limit of 64 bytes (0.00006103515625 MiB)');
    expect(readJsonFile(cfg(), 'process.json', 200)).toEqual({ a: 'x'.repeat(100) });
  });

  test('a symlink to a regular file is followed (as runc does)', () => {
    const real = path.join(dir, 'real.json');
    fs.writeFileSync(real, '{"ok": true}');
    fs.symlinkSync(real, cfg());
    expect(readJsonFile(cfg(), 'config.json')).toEqual({ ok: true });
  });

  test('a syntax error quotes nothing of the file: a config.json linked to a secret shows only line and column', () => {
    const secret = path.join(dir, 'shadow');
    fs.writeFileSync(secret, 'root:$6$s3cr3tHash:19000:0:99999:7:::\nbin:*:19000:0:99999:7:::\n');
    fs.symlinkSync(secret, cfg());
    const e = thrown(() => loadBundle(dir));
    expect(e.message).toBe(`parse ${cfg()}: invalid JSON at line 1, column 1: unexpected character where a value should start`);
    for (const text of ['{"a": tru}', '[1, 2, s3cr3t]', '{"s3cr3t" 1}', '{"a": "s3cr3t\u0001"}', '{"a": 1} s3cr3t', "{'s3cr3t': 1}"]) {
      const m = thrown(() => parseConfig(text)).message;
      expect(m).not.toMatch(/s3cr3t|tru\b/);
      expect(m).toMatch(/^parse config\.json: invalid JSON at line 1, column \d+: /);
    }
  });

  test('the located offset is where V8 says the text stops being JSON, over many mutations of a real config', () => {
    const text = JSON.stringify(defaultSpec(false), null, 2);
    let seed = 42;
    const rnd = (k: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % k;
    };
    const junk = ['', '"', ',', ':', '{', '}', '[', ']', 'x', '0', '-', '\\', '\u0001', ' ', 'e', '.', 'tru', 'nul'];
    let compared = 0;
    for (let k = 0; k < 3000; k++) {
      const at = rnd(text.length);
      const t = text.slice(0, at) + junk[rnd(junk.length)] + text.slice(at + rnd(3));
      let v8: string | undefined;
      try {
        JSON.parse(t);
        continue;
      } catch (e) {
        v8 = (e as Error).message;
      }
      const ours = jsonSyntaxError(t);
      expect(ours.reason).not.toBe('not valid JSON');
      const m = /at position (\d+)/.exec(v8);
      if (m) {
        expect([t.slice(Math.max(0, Number(m[1]) - 20), Number(m[1]) + 5), v8, ours.offset]).toEqual([expect.anything(), v8, Number(m[1])]);
        compared++;
      } else if (/end of JSON input/.test(v8)) {
        expect(ours.offset).toBe(t.length);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(500);
  });

  test('nesting 100,000 deep is located without recursion', () => {
    const t = '['.repeat(100000) + '}';
    expect(jsonSyntaxError(t)).toEqual({ offset: 100000, reason: 'unexpected character where a value should start' });
    expect(jsonSyntaxError('['.repeat(100000) + '1}')).toEqual({ offset: 100001, reason: "',' or ']' was expected" });
  });
});
