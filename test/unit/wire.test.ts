import { encodePlan, encodeContinue, decodeMessage, Msg, PLAN_MAGIC } from '../../runtime/protocol/wire';
import { Op } from '../../runtime/plan/types';

test('a plan encodes as header, then steps of typed args (plan_wire.h)', () => {
  const b = encodePlan({ version: 1, files: [], warnings: [], steps: [{ op: Op.CHDIR, args: ['/x', 7, ['a', 'bc'], { file: 2 }], pointer: '', what: '' }] });
  expect(b.readUInt32LE(0)).toBe(Msg.PLAN);
  expect(b.readUInt32LE(4)).toBe(PLAN_MAGIC);
  expect(b.readUInt32LE(8)).toBe(1);
  expect(b.readUInt32LE(12)).toBe(1);
  expect(b.readUInt32LE(16)).toBe(Op.CHDIR);
  expect(b.readUInt32LE(20)).toBe(4);
  let o = 24;
  expect(b[o]).toBe(2); // ARG_STR
  expect(b.readUInt32LE(o + 1)).toBe(2);
  expect(b.toString('utf8', o + 5, o + 7)).toBe('/x');
  expect(b[o + 7]).toBe(0); // NUL
  o += 8;
  expect(b[o]).toBe(1); // ARG_INT
  expect(b.readBigInt64LE(o + 1)).toBe(7n);
  o += 9;
  expect(b[o]).toBe(3); // ARG_LIST
  expect(b.readUInt32LE(o + 1)).toBe(2);
  o += 5 + (4 + 1 + 1) + (4 + 2 + 1);
  expect(b[o]).toBe(1);
  expect(b.readBigInt64LE(o + 1)).toBe(2n); // a file reference is its fd index
  expect(b.length).toBe(o + 9);
});

test('continue carries the hook states; init messages decode', () => {
  const c = encodeContinue(['{"a":1}', 'xy']);
  expect(c.readUInt32LE(0)).toBe(Msg.CONTINUE);
  expect(c.readUInt32LE(4)).toBe(2);
  expect(c.readUInt32LE(8)).toBe(7);
  expect(c.toString('utf8', 12, 19)).toBe('{"a":1}');
  const err = Buffer.alloc(4 * 5 + 5 + 3);
  err.writeUInt32LE(Msg.ERROR, 0);
  err.writeUInt32LE(12, 4);
  err.writeInt32LE(2, 8);
  err.writeUInt32LE(5, 12);
  err.write('mount', 16);
  err.writeUInt32LE(3, 21);
  err.write('/xy', 25);
  expect(decodeMessage(err)).toEqual({ type: Msg.ERROR, step: 12, errno: 2, syscall: 'mount', detail: '/xy' });
  const pid = Buffer.alloc(8);
  pid.writeUInt32LE(Msg.PID, 0);
  pid.writeInt32LE(4242, 4);
  expect(decodeMessage(pid)).toEqual({ type: Msg.PID, pid: 4242 });
});
