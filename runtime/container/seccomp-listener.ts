import fs = require('fs');
import { Spec, State } from '../spec/types';
import { ConfigError } from '../errors';
import { native } from '../native';

/**
 * runtime-spec config-linux.md "seccomp": the container process state as JSON and the listener
 * fd as SCM_RIGHTS, over a connection to listenerPath.
 */
export function sendSeccompListener(spec: Spec, state: State, fd: number): void {
  const sc = spec.linux!.seccomp!;
  let sock: number;
  try {
    sock = native().connectUnix(sc.listenerPath!);
  } catch (e) {
    throw new ConfigError('/linux/seccomp/listenerPath', `failed to connect with seccomp agent: ${sc.listenerPath}: ${(e as Error).message}`);
  }
  try {
    const msg = { ociVersion: spec.ociVersion, fds: ['seccompFd'], pid: state.pid, metadata: sc.listenerMetadata ?? '', state };
    native().send(sock, Buffer.from(JSON.stringify(msg)), [fd]);
  } finally {
    fs.closeSync(sock);
  }
}

