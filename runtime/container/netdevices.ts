import fs = require('fs');
import { Spec } from '../spec/types';
import { ConfigError } from '../errors';
import { native } from '../native';

/**
 * linux.netDevices: each host interface moves into the container's (new) network namespace, which
 * exists once the init has forked; it returns to the host when that namespace goes away.
 */
export function moveNetDevices(spec: Spec, pid: number): void {
  const devices = Object.entries(spec.linux?.netDevices ?? {});
  if (!devices.length) return;
  const fd = fs.openSync(`/proc/${pid}/ns/net`, fs.constants.O_RDONLY);
  try {
    for (const [name, d] of devices) {
      try {
        native().moveNetDevice(name, fd, d.name || name);
      } catch (e) {
        throw new ConfigError(`/linux/netDevices/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`, `moving ${name} into the container: ${(e as Error).message}`);
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}

