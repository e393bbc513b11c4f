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

/**
 * Catches the forwarded signals from before the process exists (a signal sent as soon as the
 * program runs must not kill the runtime instead), queues them, and delivers them once the
 * process is known. With a proxied pty, SIGWINCH is left to the proxy (it resizes the pty and
 * the kernel signals the process group).
 */
export class SignalForwarder {
  private queued: number[] = [];
  private target?: { pid: number; startTime: string };
  private handlers: [NodeJS.Signals, () => void][];

  constructor(withPty: boolean) {
    const signals = withPty ? FORWARDED.filter((s) => s !== 'SIGWINCH') : FORWARDED;
    this.handlers = signals.map((sig) => {
      const n = osConstants.signals[sig];
      const h = () => (this.target ? signalProcess(this.target.pid, this.target.startTime, n) : this.queued.push(n));
      process.on(sig, h);
      return [sig, h];
    });
  }

  forwardTo(pid: number, startTime: string): void {
    this.target = { pid, startTime };
    for (const n of this.queued.splice(0)) signalProcess(pid, startTime, n);
  }

  stop(): void {
    for (const [sig, h] of this.handlers) process.removeListener(sig, h);
  }
}

export async function foreground(pid: number, startTime: string, exited: Exited, ptyMaster?: number, signals?: SignalForwarder): Promise<number> {
  const forwarder = signals ?? new SignalForwarder(ptyMaster !== undefined);
  forwarder.forwardTo(pid, startTime);
  // the proxy needs node:net, tty and stream (~10 ms to load): only when there is a pty to proxy
  const stopProxy = ptyMaster !== undefined ? (require('../terminal/proxy') as typeof import('../terminal/proxy')).proxyTerminal(ptyMaster) : undefined;
  try {
    const status = await exited;
    return status.code ?? 128 + (status.signal ?? 0);
  } finally {
    forwarder.stop();
    if (stopProxy) await stopProxy(); // closes the master
  }
}
