/** The state document (runtime-spec state.md plus runc's created/owner/rootfs), kept apart from create.ts so `state` loads nothing else. */
import { State } from '../spec/types';
import { SavedState } from './store';

/** The state document given to hooks and printed by `state` (runtime-spec state.md + runc's extras). */
export function publicState(s: SavedState, status: State['status'], pid = s.pid): State {
  const out: State = {
    ociVersion: s.ociVersion,
    id: s.id,
    pid,
    status,
    bundle: s.bundle,
    rootfs: s.rootfs,
    created: s.created,
    owner: s.owner,
  };
  if (s.annotations && Object.keys(s.annotations).length) out.annotations = s.annotations;
  return out;
}

