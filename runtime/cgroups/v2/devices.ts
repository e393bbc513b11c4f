/**
 * cgroup v2 device rules (runc libcontainer/cgroups/devices: its v1 emulator, then devicefilter).
 *
 * Consumes /linux/resources/devices[i] {allow, type, major, minor, access}, in the same ordered list
 * as v1 (v1/devices.ts rules(): "deny all", the spec's rules, runc's default allowed devices).
 * cgroup v2 has no device files: the list is reduced here, as the v1 kernel would hold it, to a
 * default action and a set of exceptions that get the opposite action:
 *   - a rule of type "a" resets: allow → allow everything, deny → deny everything, no exceptions;
 *   - a rule whose action is the default's takes its access bits away from the exception of exactly
 *     the same type:major:minor (a deny cannot punch a hole into a wildcard allow: as in v1);
 *   - any other rule adds its access bits to the exception of its type:major:minor.
 * The addon encodes that into a BPF_PROG_TYPE_CGROUP_DEVICE program and attaches it to the
 * container's cgroup (BPF_F_ALLOW_MULTI), replacing the one attached before (create, update).
 */
import { DeviceException } from '../../native';
import { Resources } from '../../spec/types';
import { FsWriter, RES, Writer } from '../writer';
import { Rule, rules } from '../v1/devices';

const TYPE: Record<string, number> = { a: 0, b: 1, c: 2 };
const accessBits = (a: string): number => (a.includes('m') ? 1 : 0) | (a.includes('r') ? 2 : 0) | (a.includes('w') ? 4 : 0);

export interface DeviceProgram { defaultAllow: boolean; exceptions: DeviceException[] }

/** The ordered rule list → default action and exceptions (pure, unit-tested). */
export function emulate(list: Rule[]): DeviceProgram {
  let defaultAllow = true; // a new v1 cgroup allows what its parent allows; runc assumes "a *:* rwm"
  let ex: DeviceException[] = [];
  for (const r of list) {
    const bits = accessBits(r.access);
    if (r.type === 'a') {
      defaultAllow = r.allow;
      ex = [];
      continue;
    }
    const key = { type: TYPE[r.type], major: r.major, minor: r.minor };
    const i = ex.findIndex((e) => e.type === key.type && e.major === key.major && e.minor === key.minor);
    if (r.allow === defaultAllow) {
      if (i < 0) continue;
      ex[i] = { ...ex[i], access: ex[i].access & ~bits };
      if (!ex[i].access) ex.splice(i, 1);
    } else if (i >= 0) {
      ex[i] = { ...ex[i], access: ex[i].access | bits };
    } else {
      ex.push({ ...key, access: bits });
    }
  }
  return { defaultAllow, exceptions: ex };
}

/** The program for `r` (runc's default list included). */
export function deviceProgram(r: Resources): DeviceProgram {
  return emulate(rules(r));
}

/**
 * Attach the device program for `r` to the cgroup v2 directory `dir`, in place of the one there
 * (create, and `update` of a running container). Errors name the directory and the field.
 */
export function applyDevices(dir: string, r: Resources, w: Writer = new FsWriter()): void {
  const p = deviceProgram(r);
  w.attachDevices(dir, p.defaultAllow, p.exceptions, `${RES}/devices`);
}

/** The resources.ts step (same signature as the per-controller appliers). */
export function apply(dir: string, r: Resources, w: Writer): void {
  applyDevices(dir, r, w);
}
