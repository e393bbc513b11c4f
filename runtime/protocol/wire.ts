/**
 * Encoding of the parent↔init messages (addon/include/oci_ts/plan_wire.h has the table of every
 * request/reply pair). Pure: Buffers in, Buffers out.
 */
import { LaunchPlan, Arg } from '../plan/types';

export const PLAN_MAGIC = 0x5354434f;
export const PLAN_VERSION = 1;

export enum Msg {
  PLAN = 1,
  SYNC = 2,
  CONTINUE = 3,
  ABORT = 4,
  PID = 5,
  /** unused since the init signals readiness by closing the socket (plan_wire.h) */
  READY = 6,
  ERROR = 7,
  FD = 8,
  /** the message is in a sealed memfd (sent by the addon's send() above 256 KiB; plan_wire.h) */
  LARGE = 9,
}

const ARG_INT = 1;
const ARG_STR = 2;
const ARG_LIST = 3;

/**
 * One growing buffer: a plan has hundreds of small fields, and a Buffer per field (then a concat)
 * cost ~2 ms of a create's critical path, while stage 0 waited for the plan.
 */
class Writer {
  private buf = Buffer.allocUnsafe(8192);
  private n = 0;
  private room(k: number) {
    if (this.n + k <= this.buf.length) return;
    const b = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.n + k));
    this.buf.copy(b, 0, 0, this.n);
    this.buf = b;
  }
  u8(v: number) { this.room(1); this.buf[this.n++] = v & 0xff; }
  u32(v: number) { this.room(4); this.buf.writeUInt32LE(v >>> 0, this.n); this.n += 4; }
  i64(v: number | bigint) { this.room(8); this.buf.writeBigInt64LE(BigInt(v), this.n); this.n += 8; }
  /** length, the bytes, a NUL */
  bytes(v: Buffer) { this.u32(v.length); this.room(v.length + 1); v.copy(this.buf, this.n); this.n += v.length; this.buf[this.n++] = 0; }
  /** a string as bytes() of its UTF-8 */
  str(v: string) {
    const len = Buffer.byteLength(v);
    this.u32(len);
    this.room(len + 1);
    this.n += this.buf.write(v, this.n, len, 'utf8');
    this.buf[this.n++] = 0;
  }
  raw(v: Buffer) { this.room(v.length); v.copy(this.buf, this.n); this.n += v.length; }
  done(): Buffer { return this.buf.subarray(0, this.n); }
}

function writeArg(w: Writer, a: Arg, fileIndex: (i: number) => number) {
  if (typeof a === 'number' || typeof a === 'bigint') {
    w.u8(ARG_INT);
    w.i64(a);
  } else if (typeof a === 'string') {
    w.u8(ARG_STR);
    w.str(a);
  } else if (Buffer.isBuffer(a)) {
    w.u8(ARG_STR);
    w.bytes(a);
  } else if (Array.isArray(a)) {
    w.u8(ARG_LIST);
    w.u32(a.length);
    for (const s of a) w.str(s);
  } else {
    w.u8(ARG_INT);
    w.i64(fileIndex(a.file));
  }
}

/** MSG_PLAN; file references are passed through as the index of the fd in the SCM_RIGHTS list. */
export function encodePlan(plan: LaunchPlan): Buffer {
  const w = new Writer();
  w.u32(Msg.PLAN);
  w.u32(PLAN_MAGIC);
  w.u32(PLAN_VERSION);
  w.u32(plan.steps.length);
  for (const s of plan.steps) {
    w.u32(s.op);
    w.u32(s.args.length);
    for (const a of s.args) writeArg(w, a, (i) => i);
  }
  return w.done();
}

export function encodeContinue(states: string[] = []): Buffer {
  const w = new Writer();
  w.u32(Msg.CONTINUE);
  w.u32(states.length);
  for (const s of states) {
    const b = Buffer.from(s);
    w.u32(b.length);
    w.raw(b);
  }
  return w.done();
}

export function encodeAbort(): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(Msg.ABORT);
  return b;
}

export type InitMessage =
  | { type: Msg.SYNC; tag: number }
  | { type: Msg.PID; pid: number }
  | { type: Msg.READY }
  | { type: Msg.ERROR; step: number; errno: number; syscall: string; detail: string }
  | { type: Msg.FD; name: string }
  | { type: 0; raw: number };

export function decodeMessage(buf: Buffer): InitMessage {
  const type = buf.readUInt32LE(0);
  switch (type) {
    case Msg.SYNC:
      return { type, tag: buf.readUInt32LE(4) };
    case Msg.PID:
      return { type, pid: buf.readInt32LE(4) };
    case Msg.READY:
      return { type };
    case Msg.ERROR: {
      const step = buf.readUInt32LE(4);
      const errno = buf.readInt32LE(8);
      const sl = buf.readUInt32LE(12);
      const syscall = buf.toString('utf8', 16, 16 + sl);
      const dl = buf.readUInt32LE(16 + sl);
      const detail = buf.toString('utf8', 20 + sl, 20 + sl + dl);
      return { type, step, errno, syscall, detail };
    }
    case Msg.FD:
      return { type, name: buf.toString('utf8', 4) };
    default:
      return { type: 0, raw: type };
  }
}
