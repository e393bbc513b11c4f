import { Spec } from '../spec/types';

/**
 * systemd socket activation, as runc does: when LISTEN_FDS/LISTEN_PID name this process, fds
 * 3..3+LISTEN_FDS-1 are passed on (before --preserve-fds ones) and the container is told
 * LISTEN_FDS=n, LISTEN_PID=1. Returns the number of fds.
 */
export function socketActivation(spec: Spec): number {
  const n = Number(process.env.LISTEN_FDS);
  if (!n || n < 0 || Number(process.env.LISTEN_PID) !== process.pid || !spec.process) return 0;
  spec.process.env = [...(spec.process.env ?? []).filter((e) => !/^LISTEN_(FDS|PID)=/.test(e)), `LISTEN_FDS=${n}`, 'LISTEN_PID=1'];
  return n;
}

