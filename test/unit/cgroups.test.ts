import { parseCgroupMounts, parseProcCgroup } from '../../runtime/cgroups/detect';
import { cgroupDirs } from '../../runtime/cgroups/manager';
import { mountPointOf } from '../../runtime/container/facts';

const HYBRID = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;

test('hybrid layout: v1 hierarchies by controller and the unified one', () => {
  const l = parseCgroupMounts(HYBRID);
  expect(l.mode).toBe('hybrid');
  expect(l.hierarchies.map((h) => [h.name, h.mountpoint, h.version])).toEqual([
    ['cpu', '/sys/fs/cgroup/cpu', 1],
    ['memory', '/sys/fs/cgroup/memory', 1],
    ['name=systemd', '/sys/fs/cgroup/systemd', 1],
    ['unified', '/sys/fs/cgroup/unified', 2],
  ]);
  expect(parseCgroupMounts('29 1 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n').mode).toBe('v2');
});

test('absolute cgroupsPath is under each hierarchy root; relative is under the runtime own cgroup', () => {
  const l = parseCgroupMounts(HYBRID);
  const own = parseProcCgroup('4:memory:/user.slice\n3:cpu:/user.slice\n1:name=systemd:/user.slice/s\n0::/user.slice/s\n');
  expect(cgroupDirs(l, '/oci-ts/c1', own)).toEqual([
    '/sys/fs/cgroup/cpu/oci-ts/c1',
    '/sys/fs/cgroup/memory/oci-ts/c1',
    '/sys/fs/cgroup/systemd/oci-ts/c1',
    '/sys/fs/cgroup/unified/oci-ts/c1',
  ]);
  expect(cgroupDirs(l, 'c1', own)).toEqual([
    '/sys/fs/cgroup/cpu/user.slice/c1',
    '/sys/fs/cgroup/memory/user.slice/c1',
    '/sys/fs/cgroup/systemd/user.slice/s/c1',
    '/sys/fs/cgroup/unified/user.slice/s/c1',
  ]);
});

test('the mount point that contains a path is the longest prefix', () => {
  const mi = '1 0 0:1 / / rw - ext4 /dev/vda rw\n2 1 0:2 / /tmp rw - tmpfs t rw\n3 1 0:3 / /tmpx rw - tmpfs t rw\n';
  expect(mountPointOf(mi, '/tmp/b/rootfs')).toBe('/tmp');
  expect(mountPointOf(mi, '/tmpx')).toBe('/tmpx');
  expect(mountPointOf(mi, '/var/lib')).toBe('/');
});

import { expandSlice, systemdCgroupsPath } from '../../runtime/cgroups/systemd';

test('--systemd-cgroup paths: slices expand, the scope is prefix-name', () => {
  expect(expandSlice('machine-a-b.slice')).toBe('/machine.slice/machine-a.slice/machine-a-b.slice');
  expect(expandSlice('-.slice')).toBe('/');
  expect(systemdCgroupsPath('system.slice:docker:abc', 'x')).toBe('/system.slice/docker-abc.scope');
  expect(systemdCgroupsPath('', 'c1')).toBe('/system.slice/oci-ts-c1.scope');
  expect(systemdCgroupsPath('kubepods-besteffort.slice:cri-containerd:abc', 'x')).toBe('/kubepods.slice/kubepods-besteffort.slice/cri-containerd-abc.scope');
  expect(() => systemdCgroupsPath('/not/systemd', 'x')).toThrow(/slice:prefix:name/);
});
