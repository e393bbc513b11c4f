/**
 * Signal names for `kill` (runc-kill(8)): a number, or a name with or without "SIG", any case;
 * default SIGTERM. Linux numbering (asm-generic, as on x86_64 and arm64). The RT names follow
 * moby/sys/signal, which runc uses: RTMIN, RTMIN+1..RTMIN+15, RTMAX-14..RTMAX-1, RTMAX
 * (glibc reserves 32 and 33, so RTMIN is 34).
 */
import { UsageError } from '../errors';

export const SIGRTMIN = 34;
export const SIGRTMAX = 64;

export const SIGNALS: Record<string, number> = {
  ABRT: 6, ALRM: 14, BUS: 7, CHLD: 17, CLD: 17, CONT: 18, FPE: 8, HUP: 1, ILL: 4, INT: 2, IO: 29,
  IOT: 6, KILL: 9, PIPE: 13, POLL: 29, PROF: 27, PWR: 30, QUIT: 3, SEGV: 11, STKFLT: 16, STOP: 19,
  SYS: 31, TERM: 15, TRAP: 5, TSTP: 20, TTIN: 21, TTOU: 22, URG: 23, USR1: 10, USR2: 12,
  VTALRM: 26, WINCH: 28, XCPU: 24, XFSZ: 25,
  RTMIN: SIGRTMIN, RTMAX: SIGRTMAX,
};
for (let n = 1; n <= 15; n++) SIGNALS[`RTMIN+${n}`] = SIGRTMIN + n;
for (let n = 14; n >= 1; n--) SIGNALS[`RTMAX-${n}`] = SIGRTMAX - n;

/** runc kill.go parseSignal: the error names the raw argument, `unknown signal "X"`. */
export function parseSignal(raw: string | undefined): number {
  if (raw === undefined || raw === '') return SIGNALS.TERM;
  if (/^\d+$/.test(raw)) return Number(raw);
  let name = raw.toUpperCase();
  if (name.startsWith('SIG')) name = name.slice(3);
  const n = Object.prototype.hasOwnProperty.call(SIGNALS, name) ? SIGNALS[name] : undefined;
  if (n === undefined) throw new UsageError(`unknown signal "${raw}"`);
  return n;
}
