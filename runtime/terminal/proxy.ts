/**
 * Foreground run with terminal:true and no --console-socket: the runtime copies between its own
 * stdio and the pty master, as runc does, with the local terminal in raw mode meanwhile.
 */
import * as fs from 'fs';
import * as tty from 'tty';
import * as net from 'net';

export function proxyTerminal(master: number): () => Promise<void> {
  const stdinIsTty = tty.isatty(0);
  if (stdinIsTty) {
    const t = new tty.ReadStream(0);
    t.setRawMode(true);
    t.destroy();
  }
  // A socket over the master fd gives non-blocking reads in the event loop.
  const m = new net.Socket({ fd: master, readable: true, writable: true });
  const input = fs.createReadStream('', { fd: 0, autoClose: false });
  input.on('data', (d) => m.write(d));
  input.on('error', () => undefined);
  const done = new Promise<void>((resolve) => {
    m.on('data', (d) => fs.writeSync(1, d));
    m.on('error', () => resolve()); // EIO once the last slave fd closes
    m.on('close', () => resolve());
  });
  return async () => {
    await Promise.race([done, new Promise((r) => setTimeout(r, 200))]);
    input.destroy();
    m.destroy();
    if (stdinIsTty) {
      const t = new tty.ReadStream(0);
      t.setRawMode(false);
      t.destroy();
    }
  };
}
