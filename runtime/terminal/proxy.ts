/**
 * Foreground run or exec with terminal:true and no --console-socket (CRI-O's streaming exec): the
 * runtime copies between its own stdio and the pty master, as runc does, with the local terminal
 * in raw mode meanwhile, and the local window size copied to the pty at start and on SIGWINCH
 * (the kernel then signals the container's foreground process group itself).
 */
import fs = require('fs');
import tty = require('tty');
import net = require('net');
import { Readable } from 'stream';
import { native } from '../native';

/** The local terminal's size (stdin, else stdout) onto the pty. */
function copyWindowSize(master: number): void {
  const ws = native().winsize(0) ?? native().winsize(1);
  if (ws && ws.rows && ws.cols) {
    try {
      native().setWinsize(master, ws.rows, ws.cols);
    } catch {
      /* the pty is gone */
    }
  }
}

/** A readable for an fd of any kind, that can be destroyed without a read left pending in a thread. */
function readableFd(fd: number): Readable {
  if (tty.isatty(fd)) return new tty.ReadStream(fd);
  const st = fs.fstatSync(fd);
  if (st.isFIFO() || st.isSocket()) return new net.Socket({ fd, readable: true, writable: false });
  return fs.createReadStream('', { fd, autoClose: false });
}

function writeAll(fd: number, data: Buffer): void {
  let off = 0;
  while (off < data.length) {
    try {
      off += fs.writeSync(fd, data, off);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
    }
  }
}

export function proxyTerminal(master: number): () => Promise<void> {
  copyWindowSize(master);
  const onWinch = () => copyWindowSize(master);
  process.on('SIGWINCH', onWinch);
  const local = tty.isatty(0) ? new tty.ReadStream(0) : undefined;
  local?.setRawMode(true);
  const input = local ?? readableFd(0);
  input.on('data', (d: Buffer) => {
    try {
      writeAll(master, d);
    } catch {
      /* the container closed its terminal */
    }
  });
  input.on('error', () => undefined);
  const m = new tty.ReadStream(master);
  const done = new Promise<void>((resolve) => {
    m.on('data', (d: Buffer) => writeAll(1, d));
    m.on('error', () => resolve()); // EIO once the last slave fd closes
    m.on('close', () => resolve());
    m.on('end', () => resolve());
  });
  return async () => {
    await Promise.race([done, new Promise((r) => setTimeout(r, 500))]);
    process.removeListener('SIGWINCH', onWinch);
    local?.setRawMode(false);
    input.destroy();
    m.destroy();
  };
}
