import { emulate, deviceProgram } from '../../runtime/cgroups/v2/devices';
import { Rule } from '../../runtime/cgroups/v1/devices';

const r = (allow: boolean, type: string, major: number, minor: number, access: string): Rule => ({ allow, type, major, minor, access, pointer: '' });

test('runc default list: deny all, then allow exceptions (mknod of any char/block, the standard devices)', () => {
  const p = deviceProgram({});
  expect(p.defaultAllow).toBe(false);
  expect(p.exceptions).toContainEqual({ type: 2, major: -1, minor: -1, access: 1 }); // c *:* m
  expect(p.exceptions).toContainEqual({ type: 1, major: -1, minor: -1, access: 1 }); // b *:* m
  expect(p.exceptions).toContainEqual({ type: 2, major: 1, minor: 3, access: 7 }); // /dev/null rwm
  expect(p.exceptions).toContainEqual({ type: 2, major: 136, minor: -1, access: 7 }); // pts
  expect(p.exceptions.some((e) => e.major === 1 && e.minor === 1)).toBe(false); // /dev/mem is not there
});

test('an "a" rule resets; later rules edit exceptions of the same type:major:minor only', () => {
  expect(emulate([r(false, 'a', -1, -1, 'rwm'), r(true, 'c', 1, 3, 'rw'), r(true, 'a', -1, -1, 'rwm')])).toEqual({ defaultAllow: true, exceptions: [] });
  // allow then a partial deny of the same device: the access bits are taken away
  expect(emulate([r(false, 'a', -1, -1, 'rwm'), r(true, 'c', 1, 3, 'rwm'), r(false, 'c', 1, 3, 'w')]).exceptions).toEqual([{ type: 2, major: 1, minor: 3, access: 3 }]);
  // a deny cannot punch a hole into a wildcard allow (v1 semantics): the wildcard stays
  expect(emulate([r(false, 'a', -1, -1, 'rwm'), r(true, 'c', 1, -1, 'rw'), r(false, 'c', 1, 3, 'rw')]).exceptions).toEqual([{ type: 2, major: 1, minor: -1, access: 6 }]);
  // allow-all, then denies: a deny-list
  expect(emulate([r(true, 'a', -1, -1, 'rwm'), r(false, 'b', 8, 0, 'w'), r(false, 'b', 8, 0, 'r')])).toEqual({ defaultAllow: true, exceptions: [{ type: 1, major: 8, minor: 0, access: 6 }] });
  // fully denied again: the exception disappears
  expect(emulate([r(false, 'a', -1, -1, 'rwm'), r(true, 'c', 10, 200, 'rw'), r(false, 'c', 10, 200, 'rwm')]).exceptions).toEqual([]);
});

test('the spec rules come before runc defaults: a spec deny of /dev/null is undone by the default allow', () => {
  const p = deviceProgram({ devices: [{ allow: false, type: 'c', major: 1, minor: 3, access: 'rwm' }] });
  expect(p.exceptions).toContainEqual({ type: 2, major: 1, minor: 3, access: 7 });
});
