/**
 * list (runc list): every container under --root with its derived status. A container whose
 * state.json cannot be read is still listed, with status "unreadable", pid 0 and empty fields,
 * and a warning names the file and the problem (`delete --force` removes it).
 */
import fs = require('fs');
import os = require('os');
import { GlobalOptions } from './api';
import { State } from '../spec/types';
import { readState, isContainerName, UnreadableStateError } from '../state/store';
import { deriveStatus } from '../state/status';
import { publicState } from '../state/public';

/** `status` is one of State's, or "unreadable". */
export type Listed = Omit<State, 'status'> & { status: State['status'] | 'unreadable' };

export async function list(g: GlobalOptions): Promise<Listed[]> {
  let ids: string[];
  try {
    ids = fs.readdirSync(g.root);
  } catch {
    return [];
  }
  const out: Listed[] = [];
  for (const id of ids.filter(isContainerName).sort()) {
    let st: fs.Stats;
    try {
      st = fs.statSync(`${g.root}/${id}`);
      if (!st.isDirectory()) continue;
      const s = readState(g.root, id);
      const status = deriveStatus(g.root, s);
      out.push({ ...publicState(s, status, status === 'stopped' ? 0 : s.pid), owner: ownerName(st.uid) });
    } catch (e) {
      if (!(e instanceof UnreadableStateError)) continue; // removed meanwhile, or not a container's name
      g.warn?.(e.message);
      out.push({ ociVersion: '', id, pid: 0, status: 'unreadable', bundle: '', rootfs: '', created: '', owner: ownerName(st!.uid) });
    }
  }
  return out;
}

function ownerName(uid: number): string {
  try {
    if (uid === os.userInfo().uid) return os.userInfo().username;
  } catch {
    /* no passwd entry */
  }
  return `#${uid}`;
}
