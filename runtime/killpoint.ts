/**
 * Test-only kill points: `OCI_TS_TEST_KILL_AT=<point>` makes the runtime SIGKILL itself when it
 * reaches that point, so a test can stop it at every step of create, run, start, exec and delete
 * (test/integration/killsafe.test.ts). It can only kill this process: the variable names a point,
 * never a pid, and the signal goes to process.pid. Unset, it costs one environment lookup.
 */
export const KILL_POINTS = {
  create: [
    'create:planned', // validated and planned, nothing made yet
    'create:temp-state', // the state directory exists under its temporary name
    'create:state-dir', // the state directory is in place (state.json records the cgroups about to be made)
    'create:cgroup-mkdir', // between two cgroup directories
    'create:cgroups', // cgroup directories made
    'create:spawned', // the init helper (stage 0) is running
    'create:pid', // the init's pid is known, not yet saved
    'create:pid-saved', // the init's pid is in state.json, the init not yet in its cgroups
    'create:placed', // the init is in its cgroups
    'create:prestart', // the init waits at the prestart sync
    'create:ready', // the init is blocked on exec.fifo, state.json still says creating
    'create:saved', // state.json says created, the pid file is not written
  ],
  start: ['start:opened', 'start:released'],
  exec: ['exec:spawned', 'exec:pid', 'exec:execd'],
  delete: ['delete:locked', 'delete:killed', 'delete:cgroups', 'delete:state-renamed'],
} as const;

export type KillPoint = (typeof KILL_POINTS)[keyof typeof KILL_POINTS][number];

export function killPoint(point: KillPoint): void {
  if (process.env.OCI_TS_TEST_KILL_AT === point) process.kill(process.pid, 'SIGKILL');
}
