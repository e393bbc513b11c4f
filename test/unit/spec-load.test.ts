/** loadBundle (runtime/spec/load.ts) on temporary bundles. No root needed. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ConfigError, OciError } from '../../runtime/errors';
import { defaultSpec } from '../../runtime/spec/default-spec';
import { loadBundle, parseConfig } from '../../runtime/spec/load';

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
