/**
 * Signal names for `kill` (runc-kill(8)): a number, or a name with or without "SIG", any case;
 * default SIGTERM. The table and the parse are addon/common/ocistate.c (oci_parse_signal), which
 * the launcher also compiles, so a signal means the same with and without Node: Linux numbering
 * (asm-generic, as on x86_64 and arm64), RT names as moby/sys/signal (runc): RTMIN, RTMIN+1..
 * RTMIN+15, RTMAX-14..RTMAX-1, RTMAX (glibc reserves 32 and 33, so RTMIN is 34).
 */
import { UsageError } from '../errors';
import { native } from '../native';

/** name (without SIG) → number, from the native table */
export function signalTable(): Record<string, number> {
  return native().signalTable();
}

/** runc kill.go parseSignal: the error names the raw argument, `unknown signal "X"`. */
export function parseSignal(raw: string | undefined): number {
  const n = native().parseSignal(raw ?? '');
  if (n < 0) throw new UsageError(`unknown signal "${raw}"`);
  return n;
}
