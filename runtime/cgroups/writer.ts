/**
 * The seam between the per-controller modules and cgroupfs (style habit 11): a Writer writes one
 * control file and, on failure, throws ConfigError(pointer, `<file>: <errno text>`) naming the spec
 * field the value came from; unit tests pass a recorder instead (test/unit/cgroups-resources.test.ts).
 *
 * Also the typed views of `linux.resources` (runtime-spec 1.3 config-linux.md "Control groups");
 * spec/types.ts keeps them as open records.
 */
import fs = require('fs');
import path = require('path');
import { ConfigError, strerror } from '../errors';
import { native, DeviceException } from '../native';

export interface Writer {
  /** Write `value` to dir/file (one write(2)); failure → ConfigError(pointer, `${file}: ${errno}`). */
  write(dir: string, file: string, value: string, pointer: string): void;
  /** The file's content, or undefined when it does not exist. */
  read(dir: string, file: string): string | undefined;
  warn(message: string): void;
  /** cgroup v2: attach the device program (default action, exceptions) to dir, replacing the one there */
  attachDevices(dir: string, defaultAllow: boolean, exceptions: DeviceException[], pointer: string): void;
}

/** ENOENT, EINVAL... of a failed write, for the few places runc retries on a given errno. */
export function errnoOf(e: unknown): string | undefined {
  return (e as { code?: string }).code;
}

/** The real writer: O_WRONLY without O_CREAT, as runc's cgroups.WriteFile. */
export class FsWriter implements Writer {
  readonly warnings: string[] = [];
  write(dir: string, file: string, value: string, pointer: string): void {
    const p = path.join(dir, file);
    let fd: number | undefined;
    try {
      fd = fs.openSync(p, fs.constants.O_WRONLY);
      fs.writeSync(fd, value);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      const text = typeof err.errno === 'number' ? strerror(Math.abs(err.errno)) : String(err.message);
      throw Object.assign(new ConfigError(pointer, `${file}: ${text}`), { code: err.code });
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  }
  read(dir: string, file: string): string | undefined {
    try {
      return fs.readFileSync(path.join(dir, file), 'utf8');
    } catch {
      return undefined;
    }
  }
  warn(message: string): void {
    this.warnings.push(message);
  }
  attachDevices(dir: string, defaultAllow: boolean, exceptions: DeviceException[], pointer: string): void {
    try {
      native().attachDeviceFilter(dir, defaultAllow, exceptions);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      const text = typeof err.errno === 'number' ? strerror(Math.abs(err.errno)) : String(err.message);
      throw new ConfigError(pointer, `${dir}: attaching the device program: ${err.syscall ?? 'bpf'}: ${text}`);
    }
  }
}

export const RES = '/linux/resources';

export interface Memory {
  limit?: number;
  reservation?: number;
  swap?: number;
  kernel?: number;
  kernelTCP?: number;
  swappiness?: number;
  disableOOMKiller?: boolean;
  useHierarchy?: boolean;
  checkBeforeUpdate?: boolean;
}

export interface Cpu {
  shares?: number;
  quota?: number;
  burst?: number;
  period?: number;
  realtimeRuntime?: number;
  realtimePeriod?: number;
  cpus?: string;
  mems?: string;
  idle?: number;
}

export interface WeightDevice { major: number; minor: number; weight?: number; leafWeight?: number }
export interface ThrottleDevice { major: number; minor: number; rate: number }

export interface BlockIO {
  weight?: number;
  leafWeight?: number;
  weightDevice?: WeightDevice[];
  throttleReadBpsDevice?: ThrottleDevice[];
  throttleWriteBpsDevice?: ThrottleDevice[];
  throttleReadIOPSDevice?: ThrottleDevice[];
  throttleWriteIOPSDevice?: ThrottleDevice[];
}

export interface Network { classID?: number; priorities?: { name: string; priority: number }[] }

export type Rdma = Record<string, { hcaHandles?: number; hcaObjects?: number }>;

export const memoryOf = (r: { memory?: unknown }): Memory => (r.memory ?? {}) as Memory;
export const cpuOf = (r: { cpu?: unknown }): Cpu => (r.cpu ?? {}) as Cpu;
export const blockIOOf = (r: { blockIO?: unknown }): BlockIO => (r.blockIO ?? {}) as BlockIO;
export const networkOf = (r: { network?: unknown }): Network => (r.network ?? {}) as Network;
export const rdmaOf = (r: { rdma?: unknown }): Rdma => (r.rdma ?? {}) as Rdma;

/** rdma.max line (runc fscommon createCmdString): "mlx4_0 hca_handle=2 hca_object=2000". */
export function rdmaLine(device: string, l: { hcaHandles?: number; hcaObjects?: number }): string {
  let s = device;
  if (l.hcaHandles !== undefined) s += ` hca_handle=${l.hcaHandles}`;
  if (l.hcaObjects !== undefined) s += ` hca_object=${l.hcaObjects}`;
  return s;
}
