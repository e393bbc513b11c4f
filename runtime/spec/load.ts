/**
 * Reads and checks a bundle: <bundle>/config.json is parsed, validated against the schema
 * (validate.ts), checked for cross-field rules (semantic.ts), and root.path must be a directory.
 * Synchronous, and nothing but reads: validate everything before the first side effect (style habit 4).
 *
 * Problems with the files themselves (bundle or config.json missing, JSON syntax) throw a plain OciError
 * with runc's wording; a wrong field throws ConfigError(pointer, detail).
 *
 * config.json is read only if it is a regular file of at most MAX_CONFIG_BYTES (readJsonFile, which
 * exec's process.json uses too): a FIFO, /dev/zero or a /proc file behind a symlink would hang
 * create or exhaust its memory. Like runc, symlinks are followed (a bundle may link its config).
 * No error quotes the file's content beyond the line and column of a syntax error: config.json may
 * be a symlink to a file the caller could not otherwise read (/etc/shadow).
 */
import fs = require('fs');
import { sleepSync } from '../sleep';
import path = require('path');
import { ConfigError, OciError, describeFsError } from '../errors';
import { checkDocument } from './limits';
import { checkSemantics } from './semantic';
import type { Spec } from './types';
import { validateSchema } from './validate';

export interface Bundle {
  /** absolute path of the bundle directory */
  bundle: string;
  spec: Spec;
  /** absolute path of root.path, resolved against the bundle */
  rootfs: string;
  /** non-fatal findings ("pointer: message"), for the CLI to log once */
  warnings: string[];
}

export function loadBundle(bundle: string): Bundle {
  const dir = path.resolve(bundle);
  statDir(dir, (st) => {
    if (!st) throw new OciError(`bundle ${dir}: no such file or directory`);
    if (!st.isDirectory()) throw new OciError(`bundle ${dir}: not a directory`);
  });
  const file = path.join(dir, 'config.json');
  let spec: unknown;
  try {
    spec = readJsonFile(file, file);
  } catch (e) {
    // runc's wording: "open /b/config.json: no such file or directory"
    if (e instanceof JsonFileError) throw new OciError(`open ${file}: ${e.problem}`);
    throw e;
  }
  checkDocument(spec);
  validateSchema(spec);
  const warnings = checkSemantics(spec as Spec);
  const rootfs = path.resolve(dir, (spec as Spec).root!.path);
  statDir(rootfs, (st) => {
    if (!st) throw new ConfigError('/root/path', `${rootfs}: no such file or directory`);
    if (!st.isDirectory()) throw new ConfigError('/root/path', `${rootfs}: not a directory`);
  });
  return { bundle: dir, spec: spec as Spec, rootfs, warnings };
}

function statDir(p: string, check: (st: fs.Stats | undefined) => void): void {
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(p, { throwIfNoEntry: false });
  } catch (e) {
    throw new OciError(`stat ${describeFsError(e)}`);
  }
  check(st);
}

/**
 * The largest config.json (or process.json) read: generous (a config with a 100 MB annotation is
 * valid and runc runs it), and bounded so that a huge file fails at once with the limit named.
 */
export const MAX_CONFIG_BYTES = 128 << 20;

/** The file itself is unusable (missing, not a regular file, too large, unreadable): `problem` says why. */
export class JsonFileError extends OciError {
  constructor(readonly file: string, readonly problem: string) {
    super(`${file}: ${problem}`);
  }
}

const KINDS: [number, string][] = [
  [fs.constants.S_IFIFO, 'a FIFO'],
  [fs.constants.S_IFCHR, 'a character device'],
  [fs.constants.S_IFBLK, 'a block device'],
  [fs.constants.S_IFDIR, 'a directory'],
  [fs.constants.S_IFSOCK, 'a socket'],
];

/**
 * The one loader of JSON documents a caller names (config.json, exec's process.json): opened
 * without blocking (a FIFO with no writer opens at once), read only if fstat says it is a regular
 * file of at most `limit` bytes (or, with `pipe`, a pipe: `exec -p <(...)`, as runc reads it, read
 * to its end, waiting at most `pipe.waitMs` for data), then parsed by parseConfig under `name`. Throws JsonFileError
 * for the file, OciError for the syntax; neither quotes the content.
 */
export function readJsonFile(file: string, name: string, limit = MAX_CONFIG_BYTES, pipe?: { waitMs: number }): unknown {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (e) {
    throw new JsonFileError(file, describeFsError(e).replace(`${file}: `, ''));
  }
  try {
    const st = fs.fstatSync(fd);
    const isPipe = pipe !== undefined && st.isFIFO();
    if (!st.isFile() && !isPipe) {
      const kind = KINDS.find(([k]) => (st.mode & fs.constants.S_IFMT) === k)?.[1] ?? 'a special file';
      throw new JsonFileError(file, `not a regular file (${kind})`);
    }
    const tooLarge = () => new JsonFileError(file, `larger than the limit of ${limit} bytes (${limit / (1 << 20)} MiB)`);
    if (st.size > limit) throw tooLarge();
    // read to the end, whatever stat said (a file may grow), but never past the limit
    const deadline = Date.now() + (pipe?.waitMs ?? 0);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(Math.max(st.size - total + 1, 1 << 16), limit + 1 - total, 1 << 24));
      let n: number;
      try {
        n = fs.readSync(fd, buf, 0, buf.length, null);
      } catch (e) {
        // a pipe whose writer has not written yet (opened without blocking): wait for it, bounded
        if (isPipe && (e as NodeJS.ErrnoException).code === 'EAGAIN') {
          if (Date.now() > deadline) throw new JsonFileError(file, `no data from the pipe in ${pipe!.waitMs / 1000} s`);
          sleepSync(5);
          continue;
        }
        throw new JsonFileError(file, `read: ${describeFsError(e).replace(`${file}: `, '')}`);
      }
      if (n === 0) break;
      chunks.push(buf.subarray(0, n));
      total += n;
      if (total > limit) throw tooLarge();
    }
    // a FIFO nobody writes to reads as empty at once (opened without blocking)
    if (isPipe && total === 0) throw new JsonFileError(file, 'the pipe is empty (nothing written to it, or no writer)');
    return parseConfig(Buffer.concat(chunks, total).toString('utf8'), name);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * JSON.parse, and on failure the place (line:column) and a reason that quotes none of the text:
 * V8's own message may show a piece of it ("Unexpected token 'r', "root:$6$..." is not valid JSON").
 */
export function parseConfig(text: string, file = 'config.json'): unknown {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return JSON.parse(text);
  } catch {
    const { offset, reason } = jsonSyntaxError(text);
    const before = text.slice(0, offset);
    const line = before.split('\n').length;
    const column = offset - before.lastIndexOf('\n');
    throw new OciError(`parse ${file}: invalid JSON at line ${line}, column ${column}: ${reason}`);
  }
}

/**
 * Where `text` stops being JSON (RFC 8259), and why, in words that quote nothing of it. A scanner
 * with an explicit stack (no recursion: nesting depth is the input's choice). Only called after
 * JSON.parse refused the text.
 */
export function jsonSyntaxError(text: string): { offset: number; reason: string } {
  const n = text.length;
  const stack: number[] = [];
  let i = 0;
  let state: 'value' | 'first-value' | 'key' | 'first-key' | 'colon' | 'after' = 'value';
  const at = (reason: string) => ({ offset: Math.min(i, n), reason: i >= n ? 'unexpected end of input' : reason });
  const OPEN_OBJ = 0x7b, OPEN_ARR = 0x5b;
  const string = (): { offset: number; reason: string } | undefined => {
    i++;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return undefined;
      }
      if (c < 0x20) return at('a control character in a string (it must be escaped)');
      if (c === 0x5c) {
        i++;
        const e = text[i];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) return at('a \\u escape needs four hex digits');
          i += 5;
          continue;
        }
        if (i < n && '"\\/bfnrt'.includes(e)) {
          i++;
          continue;
        }
        return at('an invalid escape in a string');
      }
      i++;
    }
    return at('unterminated string');
  };
  for (;;) {
    while (i < n && ' \t\n\r'.includes(text[i])) i++;
    if (state === 'after' && stack.length === 0) return i < n ? at('unexpected content after the JSON value') : { offset: n, reason: 'not valid JSON' };
    if (i >= n) return at('');
    const ch = text[i];
    switch (state) {
      case 'first-value':
      case 'value': {
        if (state === 'first-value' && ch === ']') {
          stack.pop();
          i++;
          state = 'after';
          break;
        }
        if (ch === '{') {
          stack.push(OPEN_OBJ);
          i++;
          state = 'first-key';
          break;
        }
        if (ch === '[') {
          stack.push(OPEN_ARR);
          i++;
          state = 'first-value';
          break;
        }
        state = 'after';
        if (ch === '"') {
          const e = string();
          if (e) return e;
          break;
        }
        if (ch === '-' || (ch >= '0' && ch <= '9')) {
          // -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?: an error points at the first wrong character
          const digit = () => i < n && text[i] >= '0' && text[i] <= '9';
          const digits = () => {
            while (digit()) i++;
          };
          if (text[i] === '-') i++;
          if (!digit()) return at('a digit was expected in a number');
          if (text[i] === '0') i++;
          else digits();
          if (text[i] === '.') {
            i++;
            if (!digit()) return at('a digit was expected after the decimal point');
            digits();
          }
          if (text[i] === 'e' || text[i] === 'E') {
            i++;
            if (text[i] === '+' || text[i] === '-') i++;
            if (!digit()) return at('a digit was expected in the exponent');
            digits();
          }
          break;
        }
        const lit = ch === 't' ? 'true' : ch === 'f' ? 'false' : ch === 'n' ? 'null' : '';
        if (!lit) return at('unexpected character where a value should start');
        let k = 0;
        while (k < lit.length && text[i + k] === lit[k]) k++;
        i += k;
        if (k < lit.length) return at('true, false or null was expected');
        break;
      }
      case 'first-key':
      case 'key': {
        if (state === 'first-key' && ch === '}') {
          stack.pop();
          i++;
          state = 'after';
          break;
        }
        if (ch !== '"') return at('a property name in double quotes was expected');
        const e = string();
        if (e) return e;
        state = 'colon';
        break;
      }
      case 'colon':
        if (ch !== ':') return at("':' was expected after a property name");
        i++;
        state = 'value';
        break;
      case 'after': {
        const top = stack[stack.length - 1];
        if (ch === ',') {
          i++;
          state = top === OPEN_OBJ ? 'key' : 'value';
        } else if ((ch === '}' && top === OPEN_OBJ) || (ch === ']' && top === OPEN_ARR)) {
          stack.pop();
          i++;
        } else {
          return at(top === OPEN_OBJ ? "',' or '}' was expected" : "',' or ']' was expected");
        }
        break;
      }
    }
  }
}
