/**
 * spec + options + host facts → LaunchPlan. Pure: no I/O (facts come in as data), so the whole
 * ordering is unit-tested without root. The order, and why:
 *   stage 0  namespaces (namespaces.ts), fork
 *   init     rootfs: propagation, bind, mounts, devices            (rootfs.ts)
 *            SYNC PRESTART: parent runs prestart + createRuntime hooks
 *            createContainer hooks (container mount ns, before pivot_root: runtime-spec config.md)
 *            pivot_root (or MS_MOVE+chroot with --no-pivot), root propagation
 *            console, sysctl, masked/readonly paths, root.readonly, hostname
 *            oom_score_adj, rlimits, descriptors, identity and capabilities, cwd  (process.ts)
 *            program lookup, no_new_privs, exec fifo, startContainer hooks, execve
 */
import { ConfigError } from '../errors';
import { Spec, Hook, Process, Linux } from '../spec/types';
import { lowerSeccomp, LoweredProfile } from './seccomp';
import { ungrantable } from './capabilities';
import { LaunchPlan, Op, Step, SyncTag, FileRef, step } from './types';
import { namespaceSteps, hasNamespace, hasNewNamespace, CLONE_NEWCGROUP, CLONE_NEWUSER } from './namespaces';
import { rootfsSteps, afterPivotSteps, pathSteps, noMountNamespaceSteps, RootfsFacts } from './rootfs';
import { RLIMITS, privilegedProcessSteps, identitySteps, cwdSteps, mkdirCwdSteps, KeptFds, lookupStep, execStep, unraisableAmbient, schedulingSteps, lsmSteps, LsmFacts, listToMask } from './process';

export interface PlanOptions {
  bundle: string;
  rootfs: string;
  /** the state directory, which holds exec.fifo */
  stateDir: string;
  noPivot: boolean;
  consoleSocket?: string;
  preserveFds: number;
  /** a cgroup v2 directory the init is cloned into (CLONE_INTO_CGROUP), instead of being migrated */
  cloneIntoCgroup?: string;
}

export interface HostFacts extends RootfsFacts {
  /** capabilities this kernel knows (≤ cap_last_cap) and the runtime holds in its bounding set */
  grantableCaps: bigint;
  lsm: LsmFacts;
  /** the caller's RLIMIT_NOFILE when ours differs (Node raises its soft limit): the process gets it back */
  callerNofile?: { soft: number; hard: number };
  /** the addon's libseccomp compiler (injected so the planner stays pure and testable) */
  compileSeccomp(p: LoweredProfile): { bpf: Buffer; unknown: string[] };
}

/** State JSON index (1-based) the init feeds to hooks: 1 = "creating", 2 = "created". */
export const STATE_CREATING = 1;
export const STATE_CREATED = 2;

function hookSteps(hooks: Hook[] | undefined, kind: string, stateIndex: number): Step[] {
  return (hooks ?? []).map((h, i) =>
    step(Op.HOOK, [h.path, h.args ?? [h.path], h.env ?? [], (h.timeout ?? 0) * 1000, stateIndex, `/hooks/${kind}/${i}`], `/hooks/${kind}/${i}`, `${kind} hook ${h.path}`),
  );
}

export function buildPlan(spec: Spec, opts: PlanOptions, facts: HostFacts): LaunchPlan {
  const plan: LaunchPlan = { version: 1, steps: [], files: [], warnings: [] };
  const s = plan.steps;
  const proc = spec.process!;
  if (proc.execCPUAffinity?.initial) {
    s.push(step(Op.SCHED_AFFINITY, [listToMask(proc.execCPUAffinity.initial, '/process/execCPUAffinity/initial')], '/process/execCPUAffinity/initial', 'sched_setaffinity'));
  }
  s.push(...namespaceSteps(spec, plan.files, plan, opts.cloneIntoCgroup));
  const mountNs = hasNamespace(spec, 'mount');
  const label = spec.linux?.mountLabel;
  if (label && !facts.lsm.selinux) plan.warnings.push(`/linux/mountLabel: SELinux is not enabled on this host: "${label}" is not applied (runc ignores it too)`);
  const withLabel = { ...facts, mountLabel: label && facts.lsm.selinux ? label : undefined };
  if (mountNs) s.push(...rootfsSteps(spec, opts.bundle, opts.rootfs, withLabel, plan.files));
  // The parent has placed the init in its cgroups by now (it does so on MSG_PID, while the init
  // mounts): a new cgroup namespace must be rooted there, so it is unshared only after this sync.
  s.push(step(Op.SYNC, [SyncTag.PRESTART], '/hooks', 'run prestart and createRuntime hooks'));
  if (hasNewNamespace(spec, 'cgroup')) s.push(step(Op.UNSHARE, [CLONE_NEWCGROUP], '/linux/namespaces', 'unshare cgroup'));
  s.push(...hookSteps(spec.hooks?.createContainer, 'createContainer', STATE_CREATING));
  if (!mountNs) s.push(...noMountNamespaceSteps(spec, opts.rootfs, plan.warnings));
  else if (opts.noPivot) {
    for (const p of facts.hostProcSysMounts ?? []) s.push(step(Op.HIDE_HOST_MOUNT, [p], '', `detach the host's ${p} (--no-pivot)`));
    s.push(step(Op.MOVE_ROOT, [], '/root/path', 'move the rootfs to / (--no-pivot)'));
  }
  else s.push(step(Op.PIVOT_ROOT, [], '/root/path', 'pivot_root'));
  if (mountNs) s.push(...afterPivotSteps(spec));
  s.push(...mkdirCwdSteps(proc));
  if (proc.terminal) s.push(consoleStep(proc, opts.consoleSocket, plan.files));
  for (const [key, value] of Object.entries(spec.linux?.sysctl ?? {})) {
    s.push(step(Op.WRITE_FILE, [`/proc/sys/${key.replace(/\./g, '/')}`, value], `/linux/sysctl/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`, `sysctl ${key}`));
  }
  s.push(...pathSteps(spec));
  if (spec.root?.readonly) s.push(step(Op.REMOUNT_RO, ['/'], '/root/readonly', 'remount / read-only'));
  if (spec.hostname !== undefined && spec.hostname !== '') s.push(step(Op.SETHOSTNAME, [spec.hostname], '/hostname', 'sethostname'));
  if (spec.domainname !== undefined && spec.domainname !== '') s.push(step(Op.SETDOMAINNAME, [spec.domainname], '/domainname', 'setdomainname'));
  // the state directory holds exec.fifo: the one host directory the init keeps past CHDIR (close-on-exec)
  plan.files.push({ path: opts.stateDir, kind: 'dir', pointer: '' });
  const stateDir = { file: plan.files.length - 1 };
  s.push(...processSteps(proc, spec.linux, facts, plan.warnings, { preserved: opts.preserveFds, files: [stateDir] }, (plan.notes = [])));
  s.push(step(Op.WAIT_START, [stateDir, 'exec.fifo'], '', 'wait for start'));
  s.push(...hookSteps(spec.hooks?.startContainer, 'startContainer', STATE_CREATED));
  s.push(execStep(proc, opts.preserveFds));
  return plan;
}

/** The pty: its master goes to the console socket, or to the parent (-1) that proxies it. */
function consoleStep(proc: Process, consoleSocket: string | undefined, files: FileRef[]): Step {
  let sock = -1;
  if (consoleSocket) {
    files.push({ path: consoleSocket, kind: 'socket', pointer: '' });
    sock = files.length - 1;
  }
  return step(Op.CONSOLE, [sock < 0 ? -1 : { file: sock }, proc.consoleSize?.height ?? 0, proc.consoleSize?.width ?? 0, proc.user.uid], '/process/terminal', 'set up the console');
}

/** What the process steps need of the host. */
export type ProcessFacts = Pick<HostFacts, 'grantableCaps' | 'lsm' | 'compileSeccomp' | 'callerNofile'>;

export interface ExecPlanOptions {
  /** the container's init: a pidfd of it names the namespaces to join */
  initPid: number;
  initStartTime: string;
  /** CLONE_NEW* flags of the namespaces the container has and this process is not in */
  joinFlags: number;
  rootfs: string;
  consoleSocket?: string;
  preserveFds: number;
}

/**
 * exec: a new process in a running container. Stage 0 joins the container's namespaces with one
 * setns(pidfd of the init): the kernel enters the user namespace first and the rest with the
 * capabilities it gives, all or nothing. The parent has put stage 0 in the container's cgroups
 * before sending this plan, so the fork (needed: pid and time namespaces apply to children only)
 * is born there. The forked process is in the container's root from setns(mount) on (the mount
 * namespace's root is the container's rootfs after pivot_root); then the console and the same
 * process steps as the container's own process, and EXEC: no code of the image runs before.
 */
export function buildExecPlan(spec: Spec, proc: Process, opts: ExecPlanOptions, facts: ProcessFacts): LaunchPlan {
  const plan: LaunchPlan = { version: 1, steps: [], files: [], warnings: [] };
  const s = plan.steps;
  // execCPUAffinity.initial is set on stage 0 by the parent before it joins the cgroups
  // (initialAffinity below); the final one comes with the process steps, after the fork.
  if (opts.joinFlags) {
    plan.files.push({ path: `/proc/${opts.initPid}`, kind: 'pidfd', startTime: opts.initStartTime, pointer: '/linux/namespaces' });
    const pidfd = plan.files.length - 1;
    s.push(step(Op.SETNS, [{ file: pidfd }, opts.joinFlags], '/linux/namespaces', 'setns (the container\'s namespaces)'));
    s.push(step(Op.CLOSE_FD, [{ file: pidfd }], '', 'close the pidfd'));
    if (opts.joinFlags & CLONE_NEWUSER) s.push(step(Op.SETID, [0, 0], '/linux/namespaces', 'become root in the container\'s user namespace'));
  }
  s.push(step(Op.FORK, [0], '', 'fork the process'));
  if (!hasNamespace(spec, 'mount')) s.push(step(Op.CHROOT, [opts.rootfs], '/root/path', 'chroot into the rootfs (no mount namespace)'));
  if (proc.terminal) s.push(consoleStep(proc, opts.consoleSocket, plan.files));
  s.push(...processSteps(proc, spec.linux, facts, plan.warnings, { preserved: opts.preserveFds, files: [] }, (plan.notes = [])));
  s.push(execStep(proc, opts.preserveFds));
  return plan;
}

/**
 * execCPUAffinity.initial for exec: the CPUs stage 0 runs on before it joins the container's
 * cgroups (runtime-spec: "before the transition to the container's cgroup"), so it may name CPUs
 * outside the container's cpuset. The parent applies it to stage 0 before placing it.
 */
export function initialAffinity(proc: Process): Buffer | undefined {
  const list = proc.execCPUAffinity?.initial;
  return list ? listToMask(list, '/process/execCPUAffinity/initial') : undefined;
}

/**
 * The steps that turn a process of the container into the user's program, shared by create and
 * exec: rlimits and scheduling while privileged, seccomp (before the capabilities go unless
 * no_new_privs is set), identity and capabilities, umask, cwd, the program lookup, LSM labels,
 * no_new_privs. Create waits for `start` between these and the exec; exec does not.
 */
export function processSteps(proc: Process, linux: Linux | undefined, facts: ProcessFacts, warnings: string[], kept: KeptFds, notes: string[] = []): Step[] {
  const s: Step[] = [];
  let seccomp: Step | undefined;
  if (linux?.seccomp) {
    const { profile, flags } = lowerSeccomp(linux.seccomp);
    let compiled: { bpf: Buffer; unknown: string[] };
    try {
      compiled = facts.compileSeccomp(profile);
    } catch (e) {
      // libseccomp refused a rule that the checks before let through: name the profile, not an errno alone
      throw new ConfigError('/linux/seccomp', `libseccomp cannot compile the profile: ${(e as Error).message}`);
    }
    const { bpf, unknown } = compiled;
    // Engines' default profiles name system calls newer than this libseccomp on every container:
    // runc skips them silently, so this is a debug fact, not a warning on every run.
    if (unknown.length) notes.push(`/linux/seccomp/syscalls: unknown to libseccomp, skipped: ${[...new Set(unknown)].join(', ')}`);
    seccomp = step(Op.SECCOMP, [bpf, flags], '/linux/seccomp', 'load the seccomp filter');
  }
  s.push(...cwdSteps(proc, kept));
  s.push(...privilegedProcessSteps(proc));
  // Node raised our soft NOFILE limit: without a config value, the process gets the caller's (as under runc).
  if (facts.callerNofile && !(proc.rlimits ?? []).some((r) => r.type === 'RLIMIT_NOFILE')) {
    const { soft, hard } = facts.callerNofile;
    s.push(step(Op.RLIMIT, [RLIMITS.RLIMIT_NOFILE, soft, hard], '', "restore the caller's RLIMIT_NOFILE"));
  }
  s.push(...schedulingSteps(proc, linux));
  // Without no_new_privs, loading a filter needs CAP_SYS_ADMIN: before the capabilities go.
  if (seccomp && !proc.noNewPrivileges) s.push(seccomp);
  s.push(...identitySteps(proc, facts.grantableCaps));
  const missing = ungrantable(proc.capabilities, facts.grantableCaps);
  // runtime-spec 1.3 config.md: capabilities that cannot be granted are warned about, not fatal.
  if (missing.length) warnings.push(`/process/capabilities: ${missing.join(', ')} cannot be granted (not in this runtime's bounding set or unknown to this kernel): left out`);
  const ambient = unraisableAmbient(proc);
  // A fact, not something to act on: runc's default config lists ambient capabilities that are
  // not inheritable, and runc is silent about them at its default level.
  if (ambient.length) notes.push(`/process/capabilities/ambient: ${ambient.join(', ')} not raised: an ambient capability must also be permitted and inheritable`);
  s.push(lookupStep(proc));
  s.push(...lsmSteps(proc, facts.lsm, warnings));
  if (proc.noNewPrivileges) s.push(step(Op.NO_NEW_PRIVS, [], '/process/noNewPrivileges', 'set no_new_privs'));
  if (seccomp && proc.noNewPrivileges) s.push(seccomp);
  return s;
}
