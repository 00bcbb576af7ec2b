import type { Channel } from '../api/tickets';

const minute = 60_000;

/** "5 min", "3 h", "2 d": how long ago, for the list's age column. */
export function age(iso: string, now: number): string {
  return span(Math.max(0, now - Date.parse(iso)));
}

/** "2 h 5 min left" or "overdue by 10 min". */
export function timeLeft(iso: string, now: number): string {
  const ms = Date.parse(iso) - now;
  return ms >= 0 ? `${span(ms, true)} left` : `overdue by ${span(-ms, true)}`;
}

function span(ms: number, precise = false): string {
  const minutes = Math.floor(ms / minute);
  if (minutes < 1) return precise ? 'under a minute' : 'now';
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return precise && minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  return `${Math.floor(hours / 24)} d`;
}

export function dateTime(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

const channelNames: Record<Channel, string> = { telegram: 'Telegram', max: 'Max', api: 'Website / API' };

/** The channel as a small inline icon with its name for screen readers and tooltips. */
export function ChannelIcon({ channel }: { channel: Channel }) {
  const name = channelNames[channel];
  return (
    <span class={`channel channel-${channel}`} title={name} role="img" aria-label={name}>
      {channel === 'telegram' && (
        <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true"><circle cx="12" cy="12" r="12" fill="#229ED9" /><path fill="#fff" d="M5.4 11.8l11.6-4.5c.5-.2 1 .1.8.9l-2 9.3c-.1.6-.5.8-1 .5l-3-2.2-1.4 1.4c-.2.2-.3.3-.6.3l.2-3.1 5.6-5.1c.2-.2 0-.3-.4-.1l-6.9 4.4-3-.9c-.6-.2-.6-.6.1-.9z" /></svg>
      )}
      {channel === 'max' && (
        <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true"><rect width="24" height="24" rx="6" fill="#6B3CF6" /><path fill="#fff" d="M6 17V7h2.2l3.8 5 3.8-5H18v10h-2.3v-6.4L12 15.3l-3.7-4.7V17z" /></svg>
      )}
      {channel === 'api' && (
        <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true"><circle cx="12" cy="12" r="12" fill="#64748B" /><path fill="none" stroke="#fff" stroke-width="1.6" d="M4.5 12h15M12 4.5c2.2 2 3.2 4.5 3.2 7.5s-1 5.5-3.2 7.5c-2.2-2-3.2-4.5-3.2-7.5s1-5.5 3.2-7.5z" /></svg>
      )}
    </span>
  );
}
