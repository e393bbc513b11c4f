/**
 * `oci-ts checkpoint <container-id>`: the checks of runc-checkpoint(8)
 * (https://github.com/opencontainers/runc/blob/main/man/runc-checkpoint.8.md), in runc's order and
 * words, then a clear refusal: oci-ts does not drive criu (docs/cli.md). The container, the image
 * and work directories are left as they were: nothing is created, nothing is stopped.
 */
import fs = require('fs');
import path = require('path');
import type { GlobalOptions } from '../container/api';
import type { ParsedArgs } from './parse';
import { OciError, StateError, UsageError, describeFsError } from '../errors';

export async function command(g: GlobalOptions, p: ParsedArgs): Promise<number> {
  const { readState } = require('../state/store') as typeof import('../state/store');
  const { deriveStatus } = require('../state/status') as typeof import('../state/status');
  const id = p.args[0];
  const s = readState(g.root, id);
  const status = deriveStatus(g.root, s);
  if (status === 'created' || status === 'stopped' || status === 'creating') {
    throw new StateError(`Container cannot be checkpointed in ${status} state`);
  }
  checkParentPath((p.flags.imagePath as string) || path.join(process.cwd(), 'checkpoint'), (p.flags.parentPath as string) || '');
  throw new OciError(`checkpoint ${id}: not supported: oci-ts has no criu support (the container is left running)`);
}

/**
 * --parent-path (runc prepareImagePaths): relative to --image-path, and an existing directory.
 * The image directory is not made here: nothing would be written to it.
 */
export function checkParentPath(imagePath: string, parentPath: string): void {
  if (!parentPath) return;
  if (path.isAbsolute(parentPath)) throw new UsageError('--parent-path must be relative');
  const real = path.join(imagePath, parentPath);
  let st: fs.Stats;
  try {
    st = fs.statSync(real);
  } catch (e) {
    throw new UsageError(`invalid --parent-path: ${describeFsError(e)}`);
  }
  if (!st.isDirectory()) throw new UsageError(`invalid --parent-path: ${real}: not a directory`);
}
