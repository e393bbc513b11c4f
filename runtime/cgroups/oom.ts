/**
 * Did the kernel's OOM killer act in these cgroup directories? cgroup v2 memory.events and v1
 * memory.oom_control both count kills as `oom_kill N`. Used to explain an init that died during
 * create: a memory limit too small for it reads as that, not as "exited before it was ready".
 */
import fs = require('fs');
import path = require('path');

export function oomKills(dirs: string[]): number {
  let kills = 0;
  for (const d of dirs) {
    for (const f of ['memory.events', 'memory.oom_control']) {
      const file = path.join(d, f);
      // most of the directories are other hierarchies: a failed read (an exception each) cost ~1 ms in all
      if (!fs.existsSync(file)) continue;
      try {
        const m = /^oom_kill (\d+)$/m.exec(fs.readFileSync(file, 'utf8'));
        if (m) kills += Number(m[1]);
      } catch {
        /* not this version, or not the memory hierarchy */
      }
    }
  }
  return kills;
}
