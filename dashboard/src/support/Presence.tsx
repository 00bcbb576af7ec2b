import type { Present } from '../api/events';
import type { Member } from '../api/team';
import { displayName } from '../people';

// Who else is on the ticket: viewing, or typing a reply (so two agents do not answer at once).
export function Presence(props: { people: Present[]; members: Member[] }) {
  if (props.people.length === 0) return null;
  const nameOf = (userId: string) => displayName(props.members.find((m) => m.user_id === userId), 'A colleague');
  return (
    <p class="presence" role="status" aria-label="Also here">
      {props.people.map((p) => (
        <span key={p.user_id} class={`present present-${p.state}`} data-user-id={p.user_id}>
          {nameOf(p.user_id)} {p.state === 'typing' ? 'is typing…' : 'is viewing'}
        </span>
      ))}
    </p>
  );
}
