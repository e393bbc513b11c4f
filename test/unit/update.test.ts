/** The pure parts of update: runc's flag parsing, the merge into the saved resources, the pair completions. */
import { mergeResources, toWrite } from '../../runtime/container/update';
import { ramInBytes, resourcesFromFlags } from '../../runtime/cli/update';
import { parseArgs } from '../../runtime/cli/parse';

describe('update flags', () => {
  test('sizes as docker RAMInBytes (binary units, optional i/b, a space allowed)', () => {
    expect(ramInBytes('100')).toBe(100);
    expect(ramInBytes('512m')).toBe(512 * 1024 * 1024);
    expect(ramInBytes('1.5GB')).toBe(1.5 * 1024 ** 3);
    expect(ramInBytes('10 KiB')).toBe(10240);
    expect(ramInBytes('12x')).toBeUndefined();
    expect(ramInBytes('-5m')).toBeUndefined();
  });

  test('each flag lands on its field; unset flags are absent; errors as runc', () => {
    const p = parseArgs(['update', '--memory', '1g', '--memory-swap', '-1', '--cpu-share', '512', '--cpu-quota', '-1', '--cpuset-cpus', '0-1', '--pids-limit', '0', '--blkio-weight', '300', 'c1']);
    const { resources, flagOf } = resourcesFromFlags(p.flags);
    expect(resources).toEqual({
      memory: { limit: 1024 ** 3, swap: -1 },
      cpu: { shares: 512, quota: -1, cpus: '0-1' },
      pids: { limit: 0 },
      blockIO: { weight: 300 },
    });
    expect(flagOf['/memory/swap']).toBe('--memory-swap');
    expect(resourcesFromFlags(parseArgs(['update', 'c1']).flags).resources).toEqual({});
    expect(() => resourcesFromFlags(parseArgs(['update', '--cpu-share', '1.5', 'c1']).flags)).toThrow('invalid value for cpu-share: strconv.ParseUint: parsing "1.5": invalid syntax');
    expect(() => resourcesFromFlags(parseArgs(['update', '--memory-reservation', 'lots', 'c1']).flags)).toThrow("invalid value for memory-reservation: invalid size: 'lots'");
  });
});

describe('update merge', () => {
  test('objects merge, devices are replaced, per-device lists are upserted', () => {
    const old = {
      memory: { limit: 100, swap: 200 },
      devices: [{ allow: false, access: 'rwm' }],
      hugepageLimits: [{ pageSize: '2MB', limit: 1 }, { pageSize: '1GB', limit: 2 }],
      blockIO: { weight: 10, throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1 }] },
    };
    const r = {
      memory: { limit: 150 },
      devices: [{ allow: true, type: 'c', major: 1, minor: 1, access: 'r' }],
      hugepageLimits: [{ pageSize: '2MB', limit: 5 }],
      blockIO: { throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 9 }, { major: 8, minor: 16, rate: 3 }] },
    };
    expect(mergeResources(old, r)).toEqual({
      memory: { limit: 150, swap: 200 },
      devices: [{ allow: true, type: 'c', major: 1, minor: 1, access: 'r' }],
      hugepageLimits: [{ pageSize: '2MB', limit: 5 }, { pageSize: '1GB', limit: 2 }],
      blockIO: { weight: 10, throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 9 }, { major: 8, minor: 16, rate: 3 }] },
    });
  });

  test('a lone quota or period takes the saved other; a lone swap the saved limit; pids 0 is unchanged', () => {
    const old = { cpu: { quota: 50000, period: 100000 }, memory: { limit: 1000 } };
    expect(toWrite(old, { cpu: { quota: 20000 } }).cpu).toEqual({ quota: 20000, period: 100000 });
    expect(toWrite(old, { cpu: { period: 200000 } }).cpu).toEqual({ quota: 50000, period: 200000 });
    expect(toWrite(old, { cpu: { quota: 1, period: 2 } }).cpu).toEqual({ quota: 1, period: 2 });
    expect(toWrite(old, { memory: { swap: 5000 } }).memory).toEqual({ swap: 5000, limit: 1000 });
    expect(toWrite(old, { memory: { limit: 7 } }).memory).toEqual({ limit: 7 });
    expect(toWrite(old, { pids: { limit: 0 } }).pids).toBeUndefined();
    expect(toWrite({}, { cpu: { quota: 3 } }).cpu).toEqual({ quota: 3 });
  });
});
