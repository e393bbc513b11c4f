/**
 * The setup steps of create, start, exec and delete: at debug level through the log (--debug, to
 * stderr or --log), and with OCI_TS_TRACE=1 also on stderr with milliseconds since the process
 * started, to see where the time goes. Off: one test and one env lookup.
 */
import fs = require('fs');
import { debugLog } from './log';

const on = process.env.OCI_TS_TRACE === '1';

export function trace(label: string): void {
  debugLog(label);
  if (on) fs.writeSync(2, `oci-ts trace ${performance.now().toFixed(1)} ms ${label}\n`);
}
