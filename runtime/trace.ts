/**
 * OCI_TS_TRACE=1: each phase of create on stderr with milliseconds since the process started, to
 * see where the time goes (a first step toward the planned setup-step trace). Off: one env lookup.
 */
import fs = require('fs');

const on = process.env.OCI_TS_TRACE === '1';

export function trace(label: string): void {
  if (on) fs.writeSync(2, `oci-ts trace ${performance.now().toFixed(1)} ms ${label}\n`);
}
