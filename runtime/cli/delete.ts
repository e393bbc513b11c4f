/**
 * `oci-ts delete [--force|-f] <container-id>`: mirrors runc-delete(8)
 * (https://github.com/opencontainers/runc/blob/main/man/runc-delete.8.md).
 * Like runc, a created container is killed and removed without --force (engine-contract §1.4.5).
 */
import type { GlobalOptions } from '../container/api';
import type { ParsedArgs } from './parse';

export async function command(g: GlobalOptions, p: ParsedArgs): Promise<number> {
  const { deleteContainer } = require('../container/delete') as typeof import('../container/delete');
  await deleteContainer(g, p.args[0], p.flags.force === true);
  return 0;
}
