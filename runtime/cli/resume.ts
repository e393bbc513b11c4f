/**
 * `oci-ts resume <container-id>`: mirrors runc-resume(8)
 * (https://github.com/opencontainers/runc/blob/main/man/runc-resume.8.md).
 * Thaws a paused container; `state` then shows `running` (or `created` if it was never started).
 */
import type { GlobalOptions } from '../container/api';
import type { ParsedArgs } from './parse';

export async function command(g: GlobalOptions, p: ParsedArgs): Promise<number> {
  const { resume } = require('../container/resume') as typeof import('../container/resume');
  await resume(g, p.args[0]);
  return 0;
}
