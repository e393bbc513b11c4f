/**
 * --systemd-cgroup: cgroupsPath is "slice:prefix:name" (runc), naming the transient unit
 * prefix-name.scope in that slice. oci-ts lays out the same cgroup directories systemd would
 * (slice names expanded: a-b.slice lives in a.slice/a-b.slice) and manages them itself; it does not
 * register the unit over D-Bus, which create says once when systemd is running.
 */
import { ConfigError } from '../errors';

/** "a-b-c.slice" → "/a.slice/a-b.slice/a-b-c.slice"; "-.slice" or "" → "/" (systemd's ExpandSlice). */
export function expandSlice(slice: string): string {
  if (!slice || slice === '-.slice') return '/';
  if (!slice.endsWith('.slice') || slice.includes('/')) throw new ConfigError('/linux/cgroupsPath', `"${slice}" is not a slice name (like system.slice)`);
  const name = slice.slice(0, -'.slice'.length);
  if (name.startsWith('-') || name.endsWith('-') || name.includes('--')) throw new ConfigError('/linux/cgroupsPath', `"${slice}" is not a valid slice name`);
  let path = '';
  let prefix = '';
  for (const part of name.split('-')) {
    prefix = prefix ? `${prefix}-${part}` : part;
    path += `/${prefix}.slice`;
  }
  return path;
}

/** The cgroup path systemd would give "slice:prefix:name" (default: system.slice, prefix oci-ts). */
export function systemdCgroupsPath(cgroupsPath: string | undefined, id: string): string {
  const value = cgroupsPath || `system.slice:oci-ts:${id}`;
  const parts = value.split(':');
  if (parts.length !== 3) throw new ConfigError('/linux/cgroupsPath', `"${value}" is not in the form slice:prefix:name that --systemd-cgroup expects`);
  const [slice, prefix, name] = parts;
  const unit = name.endsWith('.slice') ? name : `${prefix ? prefix + '-' : ''}${name}.scope`;
  const base = expandSlice(slice || 'system.slice');
  return `${base === '/' ? '' : base}/${unit}`;
}
