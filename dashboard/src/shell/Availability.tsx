import { useState } from 'preact/hooks';
import { setAvailability } from '../api/assignment';
import type { User } from '../api/auth';
import { listMembers } from '../api/team';
import { ErrorNote, useLoad } from '../ui';

// The agent's own switch beside the bell: available for auto-assigned tickets, or away.
export function Availability(props: { projectId: string; me: User }) {
  const { projectId, me } = props;
  const mine = useLoad(async () => (await listMembers(projectId)).items.find((m) => m.user_id === me.id)?.available ?? null, [projectId, me.id]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  if (mine.data === undefined || mine.data === null) return null;
  const available = mine.data;

  const toggle = async () => {
    setBusy(true);
    try {
      mine.setData((await setAvailability(projectId, !available)).available);
      setError(null);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <span class="availability">
      <button type="button" class={available ? 'available' : 'away'} aria-pressed={available} aria-label="Available for auto-assigned tickets" disabled={busy} onClick={() => void toggle()}
        title={available ? 'You get auto-assigned tickets. Click to go away.' : 'You get no auto-assigned tickets. Click to become available.'}>
        <span class="dot" aria-hidden="true" /><span class="availability-label">{available ? 'Available' : 'Away'}</span>
      </button>
      <ErrorNote error={error} />
    </span>
  );
}
