/**
 * start (runtime.md "start", runc start): open the exec fifo the waiting init blocks on, read its
 * byte (the init then execs the user's program), remove the fifo, run poststart hooks (a failing
 * one stops the container and fails start).
 */
import fs = require('fs');
import { GlobalOptions } from './api';
import { StateError, OciError } from '../errors';
import { readState, withLock, fifoPath, SavedState } from '../state/store';
import { deriveStatus, initAlive } from '../state/status';
import { runHooks } from '../hooks/run';
import { killContainer } from './processes';
import { publicState } from '../state/public';
import { sleepSync } from '../sleep';
import { killPoint } from '../killpoint';
import { trace } from '../trace';


/** Release the init: returns once it has taken the byte, i.e. is about to exec. */
export function releaseInit(root: string, s: SavedState): void {
  const fifo = fifoPath(root, s.id);
  const fd = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  killPoint('start:opened');
  try {
    const buf = Buffer.alloc(1);
    const readByte = (): boolean => {
      try {
        return fs.readSync(fd, buf, 0, 1, null) === 1;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
        return false;
      }
    };
    for (let i = 0; !readByte(); i++) {
      if (!initAlive(s)) {
        // A short program may have run and exited between two reads: its byte is still in the fifo.
        if (readByte()) break;
        throw new OciError(`container ${s.id}: the init exited before start`);
      }
      sleepSync(i < 50 ? 0 : 1);
    }
  } finally {
    fs.closeSync(fd);
  }
  killPoint('start:released');
  fs.unlinkSync(fifo);
}

export async function start(g: GlobalOptions, id: string): Promise<void> {
  trace(`start: container ${id}`);
  const s = readState(g.root, id);
  await withLock(g.root, id, () => {
    const status = deriveStatus(g.root, s);
    if (status === 'stopped') throw new StateError('cannot start a container that has stopped');
    if (status === 'creating') throw new StateError('cannot start a container that is still being created');
    if (status !== 'created') throw new StateError(`cannot start an already ${status} container`);
    trace(`start: releasing the init (pid ${s.pid}) through its exec fifo`);
    releaseInit(g.root, s);
    trace('start: the init took the byte and execs the process');
  });
  runPoststart(s);
}

/**
 * poststart hooks, once the process runs. runtime-spec 1.3 lifecycle step 9: a failing one MUST
 * generate an error and stop the container (runc: start fails, the container's processes are
 * killed; it stays, stopped, for delete, which runs the poststop hooks).
 */
export function runPoststart(s: SavedState): void {
  const hooks = s.spec.hooks?.poststart;
  if (!hooks?.length) return;
  trace(`start: running ${hooks.length} poststart hook(s)`);
  try {
    runHooks(hooks, 'poststart', JSON.stringify(publicState(s, 'running')));
  } catch (e) {
    trace('start: a poststart hook failed: stopping the container');
    killContainer(s);
    throw e;
  }
}
