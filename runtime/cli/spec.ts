/**
 * `oci-ts spec [--bundle|-b DIR] [--rootless]`: mirrors runc-spec(8)
 * (https://github.com/opencontainers/runc/blob/main/man/runc-spec.8.md).
 * Writes DIR/config.json (tab-indented, as runc's json.MarshalIndent(spec, "", "\t")) and refuses
 * to overwrite one with runc's message.
 */
import fs = require('fs');
import path = require('path');
import type { GlobalOptions } from '../container/api';
import { OciError, describeFsError } from '../errors';
import type { ParsedArgs } from './parse';

export async function command(_g: GlobalOptions, p: ParsedArgs): Promise<number> {
  const { defaultSpec } = require('../spec/default-spec') as typeof import('../spec/default-spec');
  const file = path.join((p.flags.bundle as string) || '.', 'config.json');
  if (fs.existsSync(file)) throw new OciError('File config.json exists. Remove it first');
  const text = JSON.stringify(defaultSpec(p.flags.rootless === true), null, '\t');
  try {
    fs.writeFileSync(file, text, { mode: 0o666, flag: 'wx' });
  } catch (e) {
    throw new OciError(describeFsError(e));
  }
  return 0;
}
