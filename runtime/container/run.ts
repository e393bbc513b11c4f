/**
 * run (runc run): create and start in one process. In the foreground the runtime stays the init's
 * parent (the init is forked with CLONE_PARENT), forwards signals to it, and exits with its status
 * (128+n for a signal); the container is deleted afterwards unless --keep. --detach returns once
 * the program runs.
 */
import fs = require('fs');
import { GlobalOptions, RunOptions } from './api';
import { createContainer } from './create';
import { releaseInit, runPoststart } from './start';
import { destroy } from './delete';
import { readState } from '../state/store';
import { foreground, waitChild } from './foreground';

export async function run(g: GlobalOptions, o: RunOptions): Promise<number> {
  const { saved, launched } = await createContainer(g, o, !o.detach);
  const exited = o.detach ? undefined : waitChild(launched.pid);
  try {
    releaseInit(g.root, saved);
    try {
      runPoststart(saved);
    } catch (e) {
      // a failing poststart hook stopped the container: run -d removes it as a failed create would (runc)
      if (!exited && !o.keep) destroy(g, readState(g.root, o.id));
      throw e;
    }
    if (!exited) {
      if (launched.ptyMaster !== undefined) fs.closeSync(launched.ptyMaster);
      return 0;
    }
    return await foreground(launched.pid, launched.startTime, exited, launched.ptyMaster);
  } finally {
    // Foreground (or a failed start): the container goes with the run, unless --keep.
    if (exited && !o.keep) {
      try {
        destroy(g, readState(g.root, o.id));
      } catch (e) {
        g.warn?.(`delete after run: ${(e as Error).message}`);
      }
    }
  }
}
