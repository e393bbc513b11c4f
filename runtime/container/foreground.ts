/**
 * A process in the foreground of the runtime (run, exec): it is the runtime's child (forked with
 * CLONE_PARENT), so the runtime waits for it, forwards the signals it receives, proxies the pty
 * when it holds the master, and returns its status (128+n for a signal, as a shell reports it).
 */
import { constants as osConstants } from 'os';
import { native } from '../native';
import { signalProcess } from './signal';

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'];

export type Exited = Promise<{ code: number | null; signal: number | null }>;

/** Start waiting for the child now (before anything can reap it elsewhere). */
export function waitChild(pid: number): Exited {
  return native().waitPid(pid);
}

export async function foreground(pid: number, startTime: string, exited: Exited, ptyMaster?: number): Promise<number> {
  // With a proxied pty the window size goes to the pty (the kernel signals the process group).
  const signals = ptyMaster === undefined ? FORWARDED : FORWARDED.filter((s) => s !== 'SIGWINCH');
  const handlers = signals.map((sig) => {
    const h = () => signalProcess(pid, startTime, osConstants.signals[sig]);
    process.on(sig, h);
    return [sig, h] as const;
  });
  // the proxy needs node:net, tty and stream (~10 ms to load): only when there is a pty to proxy
  const stopProxy = ptyMaster !== undefined ? (require('../terminal/proxy') as typeof import('../terminal/proxy')).proxyTerminal(ptyMaster) : undefined;
  try {
    const status = await exited;
    return status.code ?? 128 + (status.signal ?? 0);
  } finally {
    for (const [sig, h] of handlers) process.removeListener(sig, h);
    if (stopProxy) await stopProxy(); // closes the master
  }
}
