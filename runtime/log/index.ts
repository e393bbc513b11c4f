/**
 * The --log / --log-format writer (engine-contract §1.3), the only place log lines are formatted.
 *
 * json: one logrus-style object per line, keys sorted: {"level":"error","msg":"…","time":"RFC 3339"}
 *       (with --debug and a caller: file and func first, as logrus sorts them). containerd decodes
 *       the whole file and keeps the last `level == "error"` msg, so every line must be valid JSON
 *       with a parseable time.
 * text: logrus's text formatter without a TTY: time="…" level=error msg="…".
 *
 * The file is opened with O_APPEND|O_SYNC (runc: the file is shared with the engine and other
 * runtime calls) and written with one write(2) per line. An existing file is opened at once; a new
 * one is created on the first line, after checking at once that its directory is writable: a --log
 * that cannot be written is an error of the command (as in runc), not a log that goes nowhere. Without --log,
 * lines go to stderr. Writes are synchronous on raw fds: never process.stderr (see cli/output.ts).
 */
import fs = require('fs');
import path = require('path');
import { UsageError, strerror } from '../errors';

export type Level = 'debug' | 'info' | 'warning' | 'error' | 'fatal';

export interface LogOptions {
  log?: string;
  logFormat: 'text' | 'json';
  debug: boolean;
}

export interface Caller { file: string; func: string }

export interface Logger {
  error(msg: string): void;
  warn(msg: string): void;
  info(msg: string): void;
  debug(msg: string, caller?: Caller): void;
  /** true when lines go to a --log file rather than stderr */
  readonly toFile: boolean;
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** RFC 3339 in local time with offset, as Go's time.RFC3339 prints it (`Z` for UTC). */
/**
 * RFC 3339 in UTC. (Local time would need the time zone, whose first lookup costs V8/ICU several
 * milliseconds per process; containerd and podman parse any RFC 3339 offset.)
 */
export function rfc3339(d: Date): string {
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}Z`;
}

/** logrus needsQuoting: anything beyond [A-Za-z0-9-._/@^+] is quoted. */
function textValue(v: string): string {
  return /^[A-Za-z0-9\-._/@^+]+$/.test(v) ? v : JSON.stringify(v);
}

/** One log line, newline included. */
export function formatLine(format: 'text' | 'json', level: Level, msg: string, time: Date, caller?: Caller): string {
  const t = rfc3339(time);
  if (format === 'json') {
    const c = caller ? `"file":${JSON.stringify(caller.file)},"func":${JSON.stringify(caller.func)},` : '';
    return `{${c}"level":"${level}","msg":${JSON.stringify(msg)},"time":"${t}"}\n`;
  }
  const c = caller ? ` func=${textValue(caller.func)} file=${textValue(caller.file)}` : '';
  return `time="${t}" level=${level} msg=${textValue(msg)}${c}\n`;
}

/** write(2) the whole string, retrying on EAGAIN (the fd may be a non-blocking pipe we did not set). */
export function writeAll(fd: number, text: string): void {
  let buf = Buffer.from(text);
  while (buf.length > 0) {
    try {
      const n = fs.writeSync(fd, buf);
      buf = buf.subarray(n);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
    }
  }
}

export function openLogger(o: LogOptions): Logger {
  let fd = -1;
  const c = fs.constants;
  const open = (flags: number) => {
    try {
      fd = fs.openSync(o.log!, c.O_WRONLY | c.O_APPEND | c.O_SYNC | flags, 0o644);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'ENOENT' && !(flags & c.O_CREAT)) {
        // not there yet: created with the first line, if its directory lets us
        try {
          fs.accessSync(path.dirname(o.log!), c.W_OK);
          return;
        } catch (e2) {
          e = e2;
        }
      }
      const errno = (e as NodeJS.ErrnoException).errno;
      throw new UsageError(`--log ${o.log}: ${typeof errno === 'number' ? strerror(-errno) : (e as Error).message}`);
    }
  };
  if (o.log) open(0);
  const format = o.logFormat === 'json' ? 'json' : 'text';
  const emit = (level: Level, msg: string, caller?: Caller) => {
    const line = formatLine(format, level, msg, new Date(), caller);
    try {
      if (o.log) {
        if (fd < 0) open(c.O_CREAT);
        writeAll(fd, line);
      } else {
        writeAll(2, line);
      }
    } catch {
      // A log that cannot be written must not turn success into failure, nor hide the real error.
    }
  };
  return {
    toFile: !!o.log,
    error: (m) => emit('error', m),
    warn: (m) => emit('warning', m),
    info: (m) => emit('info', m),
    debug: (m, caller) => { if (o.debug) emit('debug', m, caller); },
  };
}

/**
 * The command's debug sink: the CLI sets it once it has opened the log with --debug, and the
 * container code reports its setup steps through debugLog (runc logs its steps at debug level).
 * Without --debug it is unset and a step costs one test.
 */
let debugSink: ((msg: string) => void) | undefined;

export function setDebugLog(sink: ((msg: string) => void) | undefined): void {
  debugSink = sink;
}

export function debugLog(msg: string): void {
  if (debugSink) debugSink(msg);
}
