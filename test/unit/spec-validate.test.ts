/** Schema validation (runtime/spec/validate.ts over the generated ajv standalone code). No root needed. */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ConfigError } from '../../runtime/errors';
import { defaultSpec } from '../../runtime/spec/default-spec';
import { pickError, validateSchema } from '../../runtime/spec/validate';

const GENERATED = path.join(__dirname, '../../runtime/spec/generated/validate-config.js');
beforeAll(() => {
  if (!fs.existsSync(GENERATED)) require('../../scripts/build-schemas').buildSchemas();
});

const base = (): any => JSON.parse(JSON.stringify(defaultSpec(false)));

/** Asserts that validateSchema rejects `cfg` with this pointer and a message containing `detail`. */
function rejects(cfg: unknown, pointer: string, detail?: string | RegExp): ConfigError {
  let err: unknown;
  try {
    validateSchema(cfg);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ConfigError);
  const ce = err as ConfigError;
  expect(ce.pointer).toBe(pointer);
  if (detail) expect(ce.detail).toMatch(detail);
  return ce;
}

describe('validateSchema accepts', () => {
  test('the default spec, root and rootless', () => {
    expect(() => validateSchema(defaultSpec(false))).not.toThrow();
    expect(() => validateSchema(defaultSpec(true))).not.toThrow();
  });

  test('unknown properties anywhere', () => {
    const c = base();
    c.vendorThing = { a: 1 };
    c.process.somethingNew = true;
    c.linux.namespaces[0].extra = 'x';
    c.linux.resources.futureController = { x: 1 };
    expect(() => validateSchema(c)).not.toThrow();
  });

  test('a config using most of config-linux.md', () => {
    const c = base();
    c.linux.devices = [{ type: 'c', path: '/dev/fuse', major: 10, minor: 229, fileMode: 8630, uid: 0, gid: 0 }];
    c.linux.resources = {
      devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 10, minor: null, access: 'rw' }],
      memory: { limit: 536870912, swap: -1 },
      cpu: { shares: 1024, quota: 100000, period: 100000, cpus: '0-1' },
      pids: { limit: 32 },
      blockIO: { weight: 10, throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 600 }] },
      hugepageLimits: [{ pageSize: '2MB', limit: 209715200 }],
      unified: { 'memory.high': '1G' },
    };
    c.linux.seccomp = { defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X86_64'],
      syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }] }] };
    c.linux.rootfsPropagation = 'rslave';
    c.linux.personality = { domain: 'LINUX32' };
    c.linux.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0-3,7', flags: ['MPOL_F_STATIC_NODES'] };
    c.linux.timeOffsets = { monotonic: { secs: 10, nanosecs: 0 } };
    c.process.scheduler = { policy: 'SCHED_FIFO', priority: 10 };
    c.process.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 4 };
    c.hooks = { prestart: [{ path: '/bin/true', args: ['true'], timeout: 5 }] };
    c.annotations = { 'org.example': 'x' };
    expect(() => validateSchema(c)).not.toThrow();
  });

  test("runc's own `runc spec` output, if runc is installed", () => {
    let text: string;
    const dir = fs.mkdtempSync('/tmp/oci-ts-spec-');
    try {
      execFileSync('runc', ['spec'], { cwd: dir, stdio: 'ignore' });
      text = fs.readFileSync(path.join(dir, 'config.json'), 'utf8');
    } catch {
      return; // runc not installed here
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(() => validateSchema(JSON.parse(text))).not.toThrow();
  });
});

describe('validateSchema rejects with the JSON pointer of the field', () => {
  test('a non-object document', () => {
    rejects([], '', /must be an object/);
  });
  test('missing ociVersion', () => {
    const c = base();
    delete c.ociVersion;
    rejects(c, '/ociVersion', 'is required');
  });
  test('missing process.cwd names the missing field', () => {
    const c = base();
    delete c.process.cwd;
    const e = rejects(c, '/process/cwd', 'is required');
    expect(e.message).toBe('config.json /process/cwd: is required');
  });
  test('missing process.user', () => {
    const c = base();
    delete c.process.user;
    rejects(c, '/process/user', 'is required');
  });
  test('missing root.path', () => {
    const c = base();
    c.root = {};
    rejects(c, '/root/path', 'is required');
  });
  test('an unknown namespace type lists the allowed ones', () => {
    const c = base();
    c.linux.namespaces[2].type = 'pidd';
    rejects(c, '/linux/namespaces/2/type', 'must be one of pid, network, mount, ipc, uts, user, cgroup, time');
  });
  test('wrong types', () => {
    const c = base();
    c.process.terminal = 'yes';
    rejects(c, '/process/terminal', 'must be a boolean');
    const d = base();
    d.process.args = 'sh';
    rejects(d, '/process/args', 'must be an array');
    const e = base();
    e.process.env = ['A=1', 2];
    rejects(e, '/process/env/1', 'must be a string');
  });
  test('numeric ranges', () => {
    const c = base();
    c.process.user.uid = -1;
    rejects(c, '/process/user/uid', 'must be >= 0');
    const d = base();
    d.process.user.gid = 2 ** 32;
    rejects(d, '/process/user/gid', 'must be <= 4294967295');
    const e = base();
    e.process.oomScoreAdj = 1001;
    rejects(e, '/process/oomScoreAdj', 'must be <= 1000');
    const f = base();
    f.process.rlimits[0].soft = 1.5;
    rejects(f, '/process/rlimits/0/soft', 'must be an integer');
  });
  test('mounts need a destination', () => {
    const c = base();
    delete c.mounts[3].destination;
    rejects(c, '/mounts/3/destination', 'is required');
  });
  test('hooks need a path and a positive timeout', () => {
    const c = base();
    c.hooks = { poststop: [{ args: [] }] };
    rejects(c, '/hooks/poststop/0/path', 'is required');
    c.hooks = { poststop: [{ path: '/x', timeout: 0 }] };
    rejects(c, '/hooks/poststop/0/timeout', 'must be >= 1');
  });
  test('id mappings need containerID, hostID and size', () => {
    const c = base();
    c.linux.uidMappings = [{ containerID: 0, hostID: 1000 }];
    rejects(c, '/linux/uidMappings/0/size', 'is required');
  });
  test('device type is one of c, b, u, p', () => {
    const c = base();
    c.linux.devices = [{ type: 'x', path: '/dev/x' }];
    rejects(c, '/linux/devices/0/type', 'must be one of c, b, u, p');
  });
  test('rootfsPropagation values', () => {
    const c = base();
    c.linux.rootfsPropagation = 'recursive';
    rejects(c, '/linux/rootfsPropagation', 'must be one of shared, slave, private, unbindable, rshared, rslave, rprivate, runbindable');
  });
  test('personality domain', () => {
    const c = base();
    c.linux.personality = { domain: 'LINUX64' };
    rejects(c, '/linux/personality/domain', 'must be one of LINUX, LINUX32');
  });
  test('ioPriority class', () => {
    const c = base();
    c.process.ioPriority = { class: 'IOPRIO_CLASS_NONE', priority: 0 };
    rejects(c, '/process/ioPriority/class', 'must be one of IOPRIO_CLASS_RT, IOPRIO_CLASS_BE, IOPRIO_CLASS_IDLE');
  });
  test('scheduler policy', () => {
    const c = base();
    c.process.scheduler = { policy: 'SCHED_FAST' };
    rejects(c, '/process/scheduler/policy', /must be one of SCHED_OTHER, .*SCHED_DEADLINE/);
  });
  test('memoryPolicy mode and nodes syntax', () => {
    const c = base();
    c.linux.memoryPolicy = { mode: 'MPOL_FAST', nodes: '0' };
    rejects(c, '/linux/memoryPolicy/mode', /must be one of MPOL_DEFAULT/);
    c.linux.memoryPolicy = { mode: 'MPOL_BIND', nodes: 'all' };
    rejects(c, '/linux/memoryPolicy/nodes', /must match the pattern/);
  });
  test('seccomp actions, architectures and operators', () => {
    const c = base();
    c.linux.seccomp = { defaultAction: 'SCMP_ACT_NOPE' };
    rejects(c, '/linux/seccomp/defaultAction', /must be one of SCMP_ACT_KILL/);
    c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: [], action: 'SCMP_ACT_ERRNO' }] };
    rejects(c, '/linux/seccomp/syscalls/0/names', 'must have at least 1 item');
    c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 0, op: 'EQ' }] }] };
    rejects(c, '/linux/seccomp/syscalls/0/args/0/op', /must be one of SCMP_CMP_NE/);
  });
  test('cgroup device rules', () => {
    const c = base();
    c.linux.resources.devices = [{ allow: true, type: 'z' }];
    rejects(c, '/linux/resources/devices/0/type', 'must be one of a, c, b');
    // access is any string to the schema: runc ignores letters other than r, w, m (semantic.ts warns)
    c.linux.resources.devices = [{ allow: true, access: 7 }];
    rejects(c, '/linux/resources/devices/0/access', /string/);
    c.linux.resources.devices = [{ access: 'rwm' }];
    rejects(c, '/linux/resources/devices/0/allow', 'is required');
  });
  test('hugepage page size', () => {
    const c = base();
    c.linux.resources.hugepageLimits = [{ pageSize: '2M', limit: 1 }];
    rejects(c, '/linux/resources/hugepageLimits/0/pageSize', /pattern/);
  });
  test('annotations and sysctl values are strings', () => {
    const c = base();
    c.annotations = { a: 1 };
    rejects(c, '/annotations/a', 'must be a string');
    const d = base();
    d.linux.sysctl = { 'net.ipv4.ip_forward': 1 };
    rejects(d, '/linux/sysctl/net.ipv4.ip_forward', 'must be a string');
  });
});

describe('pickError', () => {
  test('prefers the deepest error and a specific one over anyOf/oneOf summaries', () => {
    const e = pickError([
      { instancePath: '/linux', keyword: 'anyOf', params: {} },
      { instancePath: '/linux/namespaces/0', keyword: 'oneOf', params: {} },
      { instancePath: '/linux/namespaces/0', keyword: 'required', params: { missingProperty: 'type' } },
      { instancePath: '/linux/namespaces/0/type', keyword: 'anyOf', params: {} },
    ]);
    expect(e!.keyword).toBe('required');
  });
});

describe('performance', () => {
  test('the generated validator does not load the ajv compiler', () => {
    const out = execFileSync(process.execPath, ['-e', `
      const v = require(${JSON.stringify(GENERATED)});
      (v.default || v)({ ociVersion: '1.3.0' });
      console.log(Object.keys(require.cache).filter((k) => k.includes('node_modules/ajv')).join(','));
    `]).toString();
    expect(out).not.toMatch(/ajv\/dist\/(core|ajv|compile)/);
  });
});
