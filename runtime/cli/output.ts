/**
 * stdout for command results. Raw fd writes, never process.stdout: creating that stream makes libuv
 * set O_NONBLOCK on a pipe the container process may share with us.
 */
import { writeAll } from '../log';

/** Print to stdout; a reader that went away (EPIPE) is not our error. */
export function print(text: string): void {
  try {
    writeAll(1, text);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPIPE') throw e;
  }
}
