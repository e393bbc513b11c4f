/**
 * cgroup v1 devices controller (runc libcontainer/cgroups/devices/v1.go + specconv AllowedDevices).
 *
 * Consumes /linux/resources/devices[i] {allow, type, major, minor, access}.
 *
 * The rule list is runc's: start from "deny all" (runc's emulator starts as a whitelist), then the
 * spec's rules in order, then runc's default allowed devices (mknod of any char/block device,
 * /dev/null, zero, full, random, urandom, tty, ptmx, pts/*, net/tun). Each rule is written to
 * devices.allow or devices.deny in that order; the kernel gives the same result as runc's emulator
 * transition for a fresh cgroup (deny "a" clears the exceptions, later rules edit them). Written before
 * the init is placed in the cgroup, so the container never runs with the host's device access.
 */
import { ConfigError } from '../../errors';
import { DeviceCgroupRule, Resources } from '../../spec/types';
import { RES, Writer } from '../writer';

export interface Rule { allow: boolean; type: string; major: number; minor: number; access: string; pointer: string }

const P = `${RES}/devices`;
const ANY = -1;

/** runc specconv AllowedDevices (1.1 list, /dev/net/tun included as runc ≥1.1.x restores it). */
export const DEFAULT_ALLOWED: Omit<Rule, 'pointer' | 'allow'>[] = [
  { type: 'c', major: ANY, minor: ANY, access: 'm' },
  { type: 'b', major: ANY, minor: ANY, access: 'm' },
  { type: 'c', major: 1, minor: 3, access: 'rwm' }, // /dev/null
  { type: 'c', major: 1, minor: 8, access: 'rwm' }, // /dev/random
  { type: 'c', major: 1, minor: 7, access: 'rwm' }, // /dev/full
  { type: 'c', major: 5, minor: 0, access: 'rwm' }, // /dev/tty
  { type: 'c', major: 1, minor: 5, access: 'rwm' }, // /dev/zero
  { type: 'c', major: 1, minor: 9, access: 'rwm' }, // /dev/urandom
  { type: 'c', major: 136, minor: ANY, access: 'rwm' }, // /dev/pts/*
  { type: 'c', major: 5, minor: 2, access: 'rwm' }, // /dev/ptmx
  { type: 'c', major: 10, minor: 200, access: 'rwm' }, // /dev/net/tun
];

/** Spec rules → checked rules (ConfigError naming the rule); pure, used by checkResources too. */
export function specRules(devices: DeviceCgroupRule[] | undefined): Rule[] {
  return (devices ?? []).map((d, i) => {
    const type = d.type || 'a';
    if (!['a', 'b', 'c'].includes(type)) throw new ConfigError(`${P}/${i}/type`, `invalid device type "${type}" (a, b or c)`);
    // as runc (devices.Permissions): r, w and m count, once each; other letters are ignored
    // (checkDeviceAccess warns about them)
    const access = ['r', 'w', 'm'].filter((c) => (d.access ?? '').includes(c)).join('');
    if (!access) {
      throw new ConfigError(`${P}/${i}/access`, `invalid device access "${d.access ?? ''}" (a non-empty combination of r, w, m)`);
    }
    return { allow: !!d.allow, type, major: d.major ?? ANY, minor: d.minor ?? ANY, access, pointer: `${P}/${i}` };
  });
}

/** The whole ordered list written to the cgroup. */
export function rules(r: Resources): Rule[] {
  return [
    { allow: false, type: 'a', major: ANY, minor: ANY, access: 'rwm', pointer: P },
    ...specRules(r.devices),
    ...DEFAULT_ALLOWED.map((d) => ({ ...d, allow: true, pointer: P })),
  ];
}

/** "c 1:3 rwm", "a *:* rwm" (runc Rule.CgroupString). */
export function ruleString(x: Rule): string {
  const n = (v: number) => (v === ANY ? '*' : String(v));
  return `${x.type} ${n(x.major)}:${n(x.minor)} ${x.access}`;
}

export function apply(dir: string, r: Resources, w: Writer): void {
  for (const x of rules(r)) w.write(dir, x.allow ? 'devices.allow' : 'devices.deny', ruleString(x), x.pointer);
}
