import { useEffect, useState } from 'preact/hooks';
import { listNotifications, markNotificationsRead, type Notification, type NotificationPage } from '../api/notifications';
import { BellIcon } from '../icons';
import { navigate } from '../route';
import { dateTime } from '../support/format';
import { ErrorNote, useInterval } from '../ui';

/** How often the bell asks; while it does, the person counts as active (no emails, see README). */
export const bellPollMs = 30_000;

// The bell: the unread count, and the latest notifications across the person's projects. A click
// opens the ticket and marks that notification read. The tab's title shows the count too.
export function Bell() {
  const [page, setPage] = useState<NotificationPage | null>(null);
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const load = async () => {
    try {
      setPage(await listNotifications());
      setError(null);
    } catch (e) {
      setError(e);
    }
  };
  useEffect(() => { void load(); }, []);
  useInterval(() => void load(), bellPollMs);

  const unread = page?.unread_count ?? 0;
  useEffect(() => {
    const base = document.title.replace(/^\(\d+\) /, '');
    document.title = unread > 0 ? `(${unread}) ${base}` : base;
  }, [unread]);

  const openOne = async (n: Notification) => {
    setOpen(false);
    navigate({ page: 'tickets', projectId: n.project_id, ticketId: n.ticket_id });
    try {
      if (!n.read_at) await markNotificationsRead([n.id]);
    } catch (e) {
      setError(e);
    }
    await load();
  };

  const readAll = async () => {
    try {
      await markNotificationsRead();
    } catch (e) {
      setError(e);
    }
    await load();
  };

  return (
    <div class="bell">
      <button type="button" aria-expanded={open} aria-label={`Notifications, ${unread} unread`} onClick={() => { setOpen(!open); if (!open) void load(); }}>
        <BellIcon />
        {unread > 0 && <span class="bell-count" aria-hidden="true">{unread > 99 ? '99+' : unread}</span>}
      </button>
      {open && (
        <section class="bell-panel" aria-label="Notifications">
          <header>
            <strong>Notifications</strong>
            {unread > 0 && <button type="button" class="link" onClick={() => void readAll()}>Mark all read</button>}
          </header>
          <ErrorNote error={error} />
          {page && page.items.length === 0 && <p class="muted">Nothing yet. Teammates can mention you in a note with @ and your name or email.</p>}
          <ul>
            {page?.items.map((n) => (
              <li key={n.id} class={n.read_at ? 'read' : 'unread'}>
                <button type="button" onClick={() => void openOne(n)}>
                  <span>{describe(n)}</span>
                  {n.excerpt && <span class="excerpt">{n.excerpt}</span>}
                  <span class="muted excerpt">{n.project_name} · <time dateTime={n.created_at}>{dateTime(n.created_at)}</time></span>
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}

function describe(n: Notification): string {
  // A system actor is Zapnoty itself (auto-assignment).
  const who = n.actor_name ?? (n.actor.kind === 'api_key' ? 'An API key' : n.actor.kind === 'system' ? 'Zapnoty' : 'Someone');
  if (n.kind === 'rule') return `Rule "${n.actor_name ?? 'deleted'}" calls for you on #${n.ticket_number}`;
  return n.kind === 'mention' ? `${who} mentioned you on #${n.ticket_number}` : `${who} assigned you #${n.ticket_number}`;
}
