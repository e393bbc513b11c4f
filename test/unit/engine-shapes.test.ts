/** The shape of an engine's runtime call (test/engines): flag names kept, values and the process's words dropped. */
import { shapeOf } from '../engines/engines-helpers';

test('exec: flags with values, the process words after the id are not flags', () => {
  const s = shapeOf(['--root', '/r', '--log', '/l', '--log-format', 'json', 'exec', '--process', '/p', '--detach', '--pid-file', '/f', 'ID', 'sh', '-c', 'x']);
  expect(s).toEqual({ shape: '--root --log --log-format exec --detach --pid-file --process', problem: undefined });
});

test('an unknown flag and a missing command are problems', () => {
  expect(shapeOf(['kill', '--bogus', 'ID']).problem).toContain('-bogus');
  expect(shapeOf(['--root', '/r']).problem).toBe('no command');
  expect(shapeOf(['checkpoint', 'ID']).problem).toBeDefined();
  expect(shapeOf(['restore', 'ID']).problem).toBeDefined();
});

test('a missing engine binary is named in the one skip line', () => {
  const { missing } = require('../engines/engines-helpers');
  const why: string = missing(['sh', 'oci-ts-no-such-engine']);
  expect(why.split('\n')).toHaveLength(1);
  if (process.getuid?.() === 0) expect(why).toMatch(/oci-ts-no-such-engine not installed|not built/);
  expect(missing(['sh'])).toBe(process.getuid?.() === 0 ? undefined : 'not root');
});
