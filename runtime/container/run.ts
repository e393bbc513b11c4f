/**
 * run (runc run): create and start in one process. In the foreground the runtime stays the init's
 * parent (the init is forked with CLONE_PARENT), forwards signals to it, and exits with its status
 * (128+n for a signal); the container is deleted afterwards unless --keep. --detach returns once
 * the program runs.
 */
import fs = require('fs');
import { GlobalOptions, RunOptions } from './api';
import { native } from '../native';
import { createContainer } from './create';
import { releaseInit } from './start';
import { destroy } from './delete';
import { runHooksWarn } from '../hooks/run';
import { publicState } from '../state/public';
import { signalProcess } from './signal';
import { readState } from '../state/store';
import { proxyTerminal } from '../terminal/proxy';
import { constants as osConstants } from 'os';

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'];

export async function run(g: GlobalOptions, o: RunOptions): Promise<number> {
  const { saved, launched } = await createContainer(g, o, !o.detach);
  let status: { code: number | null; signal: number | null } | undefined;
  const exited = o.detach ? undefined : native().waitPid(launched.pid);
  try {
    releaseInit(g.root, saved);
    for (const w of runHooksWarn(saved.spec.hooks?.poststart, 'poststart', JSON.stringify(publicState(saved, 'running')))) g.warn?.(w);
    if (!exited) {
      if (launched.ptyMaster !== undefined) fs.closeSync(launched.ptyMaster);
      return 0;
    }
    const handlers = FORWARDED.map((sig) => {
      const h = () => signalProcess(launched.pid, launched.startTime, osConstants.signals[sig]);
      process.on(sig, h);
      return [sig, h] as const;
    });
    const stopProxy = launched.ptyMaster !== undefined ? proxyTerminal(launched.ptyMaster) : undefined;
    status = await exited;
    for (const [sig, h] of handlers) process.removeListener(sig, h);
    if (stopProxy) await stopProxy();
    return status.code ?? 128 + (status.signal ?? 0);
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
