/**
 * `oci-ts features`: mirrors runc-features(8)
 * (https://github.com/opencontainers/runc/blob/main/man/runc-features.8.md) and the runtime-spec
 * features.md document. It states what oci-ts implements, not what the host offers; a field left
 * out means "unknown". Printed indented four spaces with a trailing newline, like runc.
 * mountOptions and memoryPolicy come from the planner's own tables. idmap is true: idmapped bind
 * mounts (uid/gidMappings, idmap/ridmap) are implemented and tested (test/integration/extras.test.ts);
 * containerd refuses idmap mounts unless a runtime says so.
 */
import type { GlobalOptions } from '../container/api';
import { print } from './output';

declare const __OCI_TS_VERSION__: string | undefined;
declare const __OCI_TS_COMMIT__: string | undefined;


/** Every option the mount planner maps (runtime/plan/mounts.ts tables), so this list cannot drift. */
function mountOptions(): string[] {
  const m = require('../plan/mounts') as typeof import('../plan/mounts');
  return [...Object.keys(m.MOUNT_FLAGS), ...Object.keys(m.PROPAGATION_FLAGS), ...Object.keys(m.RECURSIVE_FLAGS), 'idmap', 'ridmap'].sort();
}

export function features(): Record<string, unknown> {
  const version = typeof __OCI_TS_VERSION__ === 'string' ? __OCI_TS_VERSION__ : require('../../package.json').version;
  const commit = typeof __OCI_TS_COMMIT__ === 'string' && __OCI_TS_COMMIT__ ? __OCI_TS_COMMIT__ : 'unknown';
  const proc = require('../plan/process') as typeof import('../plan/process');
  return {
    ociVersionMin: '1.0.0',
    ociVersionMax: '1.3.0',
    hooks: ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'],
    mountOptions: mountOptions(),
    linux: {
      namespaces: ['cgroup', 'ipc', 'mount', 'network', 'pid', 'time', 'user', 'uts'],
      capabilities: [...(require('../plan/capabilities') as typeof import('../plan/capabilities')).CAPABILITIES],
      cgroup: { v1: true, v2: true, systemd: false, systemdUser: false, rdma: false },
      seccomp: {
        enabled: true,
        actions: ['SCMP_ACT_ALLOW', 'SCMP_ACT_ERRNO', 'SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL_THREAD',
          'SCMP_ACT_LOG', 'SCMP_ACT_NOTIFY', 'SCMP_ACT_TRACE', 'SCMP_ACT_TRAP'],
        operators: ['SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_LE', 'SCMP_CMP_LT', 'SCMP_CMP_MASKED_EQ', 'SCMP_CMP_NE'],
        archs: ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM', 'SCMP_ARCH_MIPS', 'SCMP_ARCH_MIPS64', 'SCMP_ARCH_MIPS64N32',
          'SCMP_ARCH_MIPSEL', 'SCMP_ARCH_MIPSEL64', 'SCMP_ARCH_MIPSEL64N32', 'SCMP_ARCH_PPC', 'SCMP_ARCH_PPC64',
          'SCMP_ARCH_PPC64LE', 'SCMP_ARCH_RISCV64', 'SCMP_ARCH_S390', 'SCMP_ARCH_S390X', 'SCMP_ARCH_X32',
          'SCMP_ARCH_X86', 'SCMP_ARCH_X86_64'],
        knownFlags: ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW', 'SECCOMP_FILTER_FLAG_LOG'],
        supportedFlags: ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW', 'SECCOMP_FILTER_FLAG_LOG'],
      },
      apparmor: { enabled: false },
      selinux: { enabled: false },
      intelRdt: { enabled: true },
      memoryPolicy: { modes: Object.keys(proc.MPOL_MODES), flags: Object.keys(proc.MPOL_FLAGS) },
      mountExtensions: { idmap: { enabled: true } },
      netDevices: { enabled: true },
    },
    annotations: {
      'org.opencontainers.oci-ts.version': version,
      'org.opencontainers.oci-ts.commit': commit,
      'org.opencontainers.oci-ts.checkpoint.enabled': 'false',
      'org.opencontainers.oci-ts.node.version': process.version,
    },
    potentiallyUnsafeConfigAnnotations: ['bundle', 'org.systemd.property.', 'org.criu.config'],
  };
}

export async function command(_g: GlobalOptions): Promise<number> {
  print(JSON.stringify(features(), null, 4) + '\n');
  return 0;
}
