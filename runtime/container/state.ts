/** state (runtime.md "state", runc state): the saved state with a derived status; pid 0 once stopped. */
import { GlobalOptions } from './api';
import { State } from '../spec/types';
import { readState } from '../state/store';
import { deriveStatus } from '../state/status';
import { publicState } from '../state/public';

export async function state(g: GlobalOptions, id: string): Promise<State> {
  const s = readState(g.root, id);
  const status = deriveStatus(g.root, s);
  return publicState(s, status, status === 'stopped' ? 0 : s.pid);
}
