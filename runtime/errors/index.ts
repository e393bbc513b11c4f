/**
 * The one error convention of oci-ts (style habit 5).
 *
 * Lower layers throw one of these and never log; the CLI boundary (runtime/cli) formats
 * `err.message` once, to stderr and to --log. Messages keep the substrings engines match
 * (engine-contract §1.3): "does not exist", "container not running", "already exists"...
 */
export class OciError extends Error {
  /** the CLI's exit status for this failure (1 unless set: foreground exec uses 255, as runc) */
  exitCode?: number;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A config.json field is wrong. `pointer` is its JSON pointer without the leading '#'. */
export class ConfigError extends OciError {
  constructor(readonly pointer: string, readonly detail: string) {
    super(`config.json ${pointer || '/'}: ${detail}`);
  }
}

/** A flag or argument on the command line is wrong. */
export class UsageError extends OciError {}

/** The container's state forbids the operation, or there is no such container. */
export class StateError extends OciError {}

/**
 * A step of the launch failed in the kernel. `pointer` is the config field the step came from
 * (empty for steps the runtime adds itself), `op` the plan step, `syscall`/`errno` what failed.
 */
export class StepError extends OciError {
  constructor(
    readonly pointer: string,
    readonly op: string,
    readonly syscall: string,
    readonly errno: number,
    readonly detail = '',
  ) {
    // "/mounts/3: mount /foo: mount: no such file or directory"
    const call = detail && !op.includes(detail) ? `${syscall} ${detail}` : syscall;
    super([pointer, op, call, strerror(errno)].filter(Boolean).join(': '));
  }
}

/** Lower-case messages as Go's syscall package prints them (engines match on these). */
const ERRNO_TEXT: Record<number, string> = {
  1: 'operation not permitted',
  2: 'no such file or directory',
  3: 'no such process',
  4: 'interrupted system call',
  5: 'input/output error',
  6: 'no such device or address',
  7: 'argument list too long',
  8: 'exec format error',
  9: 'bad file descriptor',
  10: 'no child processes',
  11: 'resource temporarily unavailable',
  12: 'cannot allocate memory',
  13: 'permission denied',
  14: 'bad address',
  16: 'device or resource busy',
  17: 'file exists',
  18: 'invalid cross-device link',
  19: 'no such device',
  20: 'not a directory',
  21: 'is a directory',
  22: 'invalid argument',
  24: 'too many open files',
  25: 'inappropriate ioctl for device',
  28: 'no space left on device',
  30: 'read-only file system',
  32: 'broken pipe',
  34: 'numerical result out of range',
  36: 'file name too long',
  38: 'function not implemented',
  39: 'directory not empty',
  40: 'too many levels of symbolic links',
  71: 'protocol error',
  95: 'operation not supported',
  110: 'connection timed out',
  111: 'connection refused',
  125: 'operation canceled',
};

export function strerror(errno: number): string {
  return ERRNO_TEXT[errno] ?? `errno ${errno}`;
}

/**
 * A failed fs (or addon) call in the runtime's own work, as "what: reason", where `what` names the
 * step and the path ("--root /run/x: mkdir /run/x: read-only file system"). Node's own messages
 * lack the path for fd-based calls ("ENOSPC: no space left on device, write").
 */
export function fsStepError(what: string, e: unknown): OciError {
  if (e instanceof OciError) return e;
  const err = e as NodeJS.ErrnoException;
  const text = err && typeof err.errno === 'number' ? strerror(Math.abs(err.errno)) : String((err && err.message) || err);
  return new OciError(`${what}: ${text}`);
}

/** Node's fs errors carry `code` ('ENOENT'); this turns them into a short "path: message". */
export function describeFsError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err.errno === 'number') {
    const text = strerror(Math.abs(err.errno));
    return err.path ? `${err.path}: ${text}` : text;
  }
  return String((err && err.message) || err);
}
