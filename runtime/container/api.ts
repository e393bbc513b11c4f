/**
 * What the CLI calls. One function per operation; each lives in its own file under
 * runtime/container/ and throws OciError subclasses (runtime/errors) on failure.
 */
export interface GlobalOptions {
  /** --root: state directory, default /run/oci-ts */
  root: string;
  /** --log FILE (undefined: stderr only) */
  log?: string;
  logFormat: 'text' | 'json';
  debug: boolean;
  systemdCgroup: boolean;
  /** where operations report warnings (poststart/poststop hook failures, config warnings); set by the CLI */
  warn?(message: string): void;
}

export interface CreateOptions {
  id: string;
  /** absolute or relative to cwd; default cwd */
  bundle: string;
  pidFile?: string;
  consoleSocket?: string;
  noPivot: boolean;
  noNewKeyring: boolean;
  preserveFds: number;
}

export interface RunOptions extends CreateOptions {
  detach: boolean;
  keep: boolean;
}

export interface ExecOptions {
  id: string;
  /** --process: a runtime-spec process object; the process flags below are then not used */
  processFile?: string;
  /** the command and its arguments (after the id) */
  args: string[];
  tty: boolean;
  consoleSocket?: string;
  cwd?: string;
  env: string[];
  /** UID[:GID], or names from the container's /etc/passwd and /etc/group */
  user?: string;
  additionalGids: string[];
  caps: string[];
  noNewPrivs: boolean;
  apparmor?: string;
  processLabel?: string;
  /** [CONTROLLER[,CONTROLLER...]:]PATH, a sub-cgroup of the container's */
  cgroups: string[];
  ignorePaused: boolean;
  detach: boolean;
  pidFile?: string;
  preserveFds: number;
  pidfdSocket?: string;
}
