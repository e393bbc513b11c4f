/**
 * `oci-ts state <container-id>`: mirrors runc-state(8)
 * (https://github.com/opencontainers/runc/blob/main/man/runc-state.8.md).
 * Prints the state object indented two spaces, with no trailing newline (engine-contract §1.3).
 */
import type { GlobalOptions } from '../container/api';
import { print } from './output';
import type { ParsedArgs } from './parse';

export async function command(g: GlobalOptions, p: ParsedArgs): Promise<number> {
  const { state } = require('../container/state') as typeof import('../container/state');
  print(JSON.stringify(await state(g, p.args[0]), null, 2));
  return 0;
}
