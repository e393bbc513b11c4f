/** defaultSpec reproduces `runc spec` (runc 1.1.5) apart from ociVersion, and passes our own validation. */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { defaultSpec, specVersion } from '../../runtime/spec/default-spec';
import { checkSemantics } from '../../runtime/spec/semantic';
import { validateSchema } from '../../runtime/spec/validate';

const GENERATED = path.join(__dirname, '../../runtime/spec/generated/validate-config.js');
beforeAll(() => {
  if (!fs.existsSync(GENERATED)) require('../../scripts/build-schemas').buildSchemas();
});

/** `runc spec [--rootless]` output, or undefined when runc is not installed. */
function runcSpec(rootless: boolean): string | undefined {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-ts-runc-spec-'));
  try {
    execFileSync('runc', rootless ? ['spec', '--rootless'] : ['spec'], { cwd: dir, stdio: 'ignore' });
    return fs.readFileSync(path.join(dir, 'config.json'), 'utf8');
  } catch {
    return undefined;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('specVersion is the runtime-spec version we implement', () => {
  expect(specVersion).toBe('1.3.0');
  expect(defaultSpec(false).ociVersion).toBe('1.3.0');
});

test.each([false, true])('defaultSpec(rootless=%p) passes schema and semantic checks', (rootless) => {
  const spec = defaultSpec(rootless);
  expect(() => validateSchema(spec)).not.toThrow();
  expect(checkSemantics(spec)).toEqual([]);
});

test('rootless maps the current euid/egid to 0, drops the network namespace and resources', () => {
  const spec = defaultSpec(true);
  expect(spec.linux!.uidMappings).toEqual([{ containerID: 0, hostID: process.geteuid!(), size: 1 }]);
  expect(spec.linux!.gidMappings).toEqual([{ containerID: 0, hostID: process.getegid!(), size: 1 }]);
  expect(spec.linux!.namespaces!.map((n) => n.type)).toEqual(['pid', 'ipc', 'uts', 'mount', 'user']);
  expect(spec.linux!.resources).toBeUndefined();
  expect(spec.mounts!.find((m) => m.destination === '/sys')!.options).toContain('rbind');
  expect(spec.mounts!.find((m) => m.destination === '/dev/pts')!.options).not.toContain('gid=5');
});

test('each call returns a fresh object', () => {
  const a = defaultSpec(false);
  a.process!.capabilities!.bounding!.push('CAP_SYS_ADMIN');
  expect(defaultSpec(false).process!.capabilities!.bounding).toHaveLength(3);
});

test.each([false, true])('matches `runc spec` byte for byte except ociVersion (rootless=%p)', (rootless) => {
  const runc = runcSpec(rootless);
  if (runc === undefined) return; // runc not installed
  const theirs = JSON.parse(runc);
  expect(() => validateSchema(theirs)).not.toThrow();
  expect(() => checkSemantics(theirs)).not.toThrow();
  const expected = runc.replace(/"ociVersion": "[^"]*"/, `"ociVersion": "${specVersion}"`);
  expect(JSON.stringify(defaultSpec(rootless), null, '\t')).toBe(expected);
});
