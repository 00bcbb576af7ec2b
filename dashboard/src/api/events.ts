// Live updates: the project's server-sent event stream (GET /v1/projects/{projectId}/events) and
// presence heartbeats. The stream is read with fetch rather than EventSource, which cannot send
// the session's bearer token; it resumes with Last-Event-ID after a drop, as EventSource would.
import { done, api } from './client';
import { endSession, sessionToken } from './session';

/** The stream's events (see the route's description in the API document). */
export type LiveEventName = 'ticket.created' | 'ticket.updated' | 'message.created' | 'counts' | 'presence' | 'reset';

export interface LiveEvent { name: LiveEventName; data: Record<string, unknown> }

/** live: events flow; connecting: (re)connecting; down: the stream cannot be used, so callers poll. */
export type LiveState = 'live' | 'connecting' | 'down';

export interface ProjectEvents {
  /** Tells `listener` every event from now on; returns the unsubscribe. */
  subscribe(listener: (event: LiveEvent) => void): () => void;
  /** Tells `listener` the stream's state now and at every change. */
  watch(listener: (state: LiveState) => void): () => void;
  close(): void;
}

/** After this many failed connects in a row the stream counts as down (callers poll) while it keeps retrying. */
const failuresBeforeDown = 3;

export function openProjectEvents(projectId: string): ProjectEvents {
  const listeners = new Set<(event: LiveEvent) => void>();
  const watchers = new Set<(state: LiveState) => void>();
  let state: LiveState = 'connecting';
  let lastEventId: string | null = null;
  let failures = 0;
  let stopped = false;
  let abort = new AbortController();

  const setState = (next: LiveState) => {
    if (next === state) return;
    state = next;
    watchers.forEach((w) => w(next));
  };
  const dispatch = (event: LiveEvent) => listeners.forEach((l) => l(event));

  async function connect(): Promise<void> {
    while (!stopped) {
      abort = new AbortController();
      try {
        const headers: Record<string, string> = { Accept: 'text/event-stream' };
        const token = sessionToken();
        if (token) headers.Authorization = `Bearer ${token}`;
        if (lastEventId !== null) headers['Last-Event-ID'] = lastEventId;
        const response = await fetch(`/v1/projects/${encodeURIComponent(projectId)}/events`, { headers, signal: abort.signal });
        if (response.status === 401) { endSession(); return; }
        if (!response.ok || !response.body) throw new Error(`The event stream answered ${response.status}.`);
        failures = 0;
        setState('live');
        await read(response.body);
      } catch {
        if (stopped) return;
      }
      failures += 1;
      // A stream that keeps failing (a proxy that buffers, an old server): the screens poll meanwhile.
      setState(failures >= failuresBeforeDown ? 'down' : 'connecting');
      await new Promise((resolve) => setTimeout(resolve, Math.min(30_000, 1000 * 2 ** Math.min(failures, 5))));
    }
  }

  /** Parses text/event-stream: blocks separated by a blank line, fields "event", "data", "id". */
  async function read(body: ReadableStream<Uint8Array>): Promise<void> {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done: ended } = await reader.read();
      if (ended) return;
      buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let name = 'message';
        const data: string[] = [];
        for (const line of block.split('\n')) {
          const colon = line.indexOf(':');
          if (colon === 0) continue;
          const field = colon < 0 ? line : line.slice(0, colon);
          const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'event') name = text;
          else if (field === 'data') data.push(text);
          else if (field === 'id') lastEventId = text;
        }
        if (data.length === 0 || data.join('') === '' || name === 'heartbeat') continue;
        try {
          dispatch({ name: name as LiveEventName, data: JSON.parse(data.join('\n')) as Record<string, unknown> });
        } catch {
          // An event this version cannot read is skipped; the next reset or refetch catches up.
        }
      }
    }
  }

  void connect();
  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    watch(listener) {
      watchers.add(listener);
      listener(state);
      return () => watchers.delete(listener);
    },
    close() {
      stopped = true;
      abort.abort();
    },
  };
}

/** The ticket an event is about, if any. */
export function ticketIdOf(event: LiveEvent): string | undefined {
  if (event.name === 'presence') return event.data.ticket_id as string;
  const ticket = event.data.ticket as { id?: string } | undefined;
  return ticket?.id;
}

/** Someone on a ticket, as a presence event lists them. */
export interface Present { user_id: string; state: 'viewing' | 'typing' }

export const sendPresence = (ticketId: string, state: 'viewing' | 'typing') =>
  done(api.POST('/v1/helpdesk/tickets/{ticketId}/presence', { params: { path: { ticketId } }, body: { state } }));
