/** Block the (single) thread for `ms`: the CLI's waits are short polls with nothing else to run. */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
