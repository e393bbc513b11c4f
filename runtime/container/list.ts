/** list (runc list): every container under --root with its derived status. */
import fs = require('fs');
import os = require('os');
import { GlobalOptions } from './api';
import { State } from '../spec/types';
import { readState } from '../state/store';
import { deriveStatus } from '../state/status';
import { publicState } from '../state/public';

export async function list(g: GlobalOptions): Promise<State[]> {
  let ids: string[];
  try {
    ids = fs.readdirSync(g.root);
  } catch {
    return [];
  }
  const out: State[] = [];
  for (const id of ids.sort()) {
    try {
      const s = readState(g.root, id);
      const status = deriveStatus(g.root, s);
      const st = fs.statSync(`${g.root}/${id}`);
      out.push({ ...publicState(s, status, status === 'stopped' ? 0 : s.pid), owner: ownerName(st.uid) });
    } catch {
      /* not a container directory, or removed meanwhile */
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
