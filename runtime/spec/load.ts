/**
 * Reads and checks a bundle: <bundle>/config.json is parsed, validated against the schema
 * (validate.ts), checked for cross-field rules (semantic.ts), and root.path must be a directory.
 * Synchronous, and nothing but reads: validate everything before the first side effect (style habit 4).
 *
 * Problems with the files themselves (bundle or config.json missing, JSON syntax) throw a plain OciError
 * with runc's wording; a wrong field throws ConfigError(pointer, detail).
 */
import fs = require('fs');
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
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new OciError(`open ${file}: no such file or directory`);
    throw new OciError(`open ${file}: ${describeFsError(e).replace(`${file}: `, '')}`);
  }
  const spec = parseConfig(text, file);
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

/** JSON.parse with the error located as line:column (V8 reports only a character offset). */
export function parseConfig(text: string, file = 'config.json'): unknown {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const m = /at position (\d+)/.exec(msg);
    const offset = m ? Number(m[1]) : /end of JSON input/.test(msg) ? text.length : -1;
    let where = '';
    if (offset >= 0) {
      const before = text.slice(0, offset);
      const line = before.split('\n').length;
      const column = offset - before.lastIndexOf('\n');
      where = ` at line ${line}, column ${column}`;
    }
    const reason = msg.replace(/ in JSON at position \d+.*$/, '').replace(/^Unexpected end of JSON input$/, 'unexpected end of input');
    throw new OciError(`parse ${file}: invalid JSON${where}: ${reason}`);
  }
}
