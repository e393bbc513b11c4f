/**
 * cgroup v2 `unified` map (runc libcontainer/cgroups/fs2/fs2.go setUnified).
 *
 * Consumes /linux/resources/unified/<key>: each key is a file name in the container's cgroup
 * ("memory.high", "cgroup.freeze"...), its value written line by line (runc WriteFileByLine).
 * A key with a slash is refused; a missing file names the controller when it is not available.
 */
import { ConfigError } from '../../errors';
import { Resources } from '../../spec/types';
import { errnoOf, RES, Writer } from '../writer';

export function pointerOf(key: string): string {
  return `${RES}/unified/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

/** Key shape checks (pure): "<controller>.<parameter>", no slash. Returns the controller. */
export function checkKey(key: string): string {
  if (key.includes('/')) throw new ConfigError(pointerOf(key), `unified resource "${key}" must be a file name (no slashes)`);
  const dot = key.indexOf('.');
  if (dot <= 0) throw new ConfigError(pointerOf(key), `unified resource "${key}" must be in the form CONTROLLER.PARAMETER`);
  return key.slice(0, dot);
}

export function apply(dir: string, r: Resources, w: Writer, available: string[] = []): void {
  for (const [key, value] of Object.entries(r.unified ?? {})) {
    const ctrl = checkKey(key);
    for (const line of String(value).split('\n')) {
      if (line === '' && String(value) !== '') continue;
      try {
        w.write(dir, key, line, pointerOf(key));
      } catch (e) {
        const code = errnoOf(e);
        if ((code === 'ENOENT' || code === 'EPERM' || code === 'EACCES') && ctrl !== 'cgroup' && !available.includes(ctrl)) {
          throw new ConfigError(pointerOf(key), `unified resource "${key}" can't be set: controller "${ctrl}" not available`);
        }
        throw e;
      }
    }
  }
}
