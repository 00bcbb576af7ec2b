// Reports count days in the project's time zone; the ticket list filters by instants. These turn a
// day (and an hour) of that zone into the instant it starts, with the browser's own zone data.

/** The instant (RFC 3339, UTC) at which hour `hour` of `day` (YYYY-MM-DD) starts in `timeZone`; hour 24 is the next midnight. */
export function zonedStart(day: string, hour: number, timeZone: string): string {
  const [y, m, d] = day.split('-').map(Number);
  const wall = Date.UTC(y, m - 1, d, hour);
  // The zone's offset at a first guess, then at the corrected instant (they differ across a DST change).
  let at = wall - offsetAt(wall, timeZone);
  at = wall - offsetAt(at, timeZone);
  return new Date(at).toISOString().replace('.000Z', 'Z');
}

/** The day after `day` (YYYY-MM-DD). */
export function nextDay(day: string): string {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}

/** The days from..to (YYYY-MM-DD, both included). */
export function daysOf(from: string, to: string): string[] {
  const days: string[] = [];
  for (let day = from; day <= to && days.length < 1200; day = nextDay(day)) days.push(day);
  return days;
}

/** ISO day of week (1 Monday .. 7 Sunday) of a day (YYYY-MM-DD). */
export function isoDayOfWeek(day: string): number {
  const [y, m, d] = day.split('-').map(Number);
  return ((new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7) + 1;
}

// The zone's offset from UTC at an instant, in milliseconds; a zone the browser does not know counts as UTC.
function offsetAt(at: number, timeZone: string): number {
  let parts: Record<string, string>;
  try {
    parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    }).formatToParts(new Date(at)).map((p) => [p.type, p.value]));
  } catch {
    return 0;
  }
  const wall = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second);
  return wall - Math.floor(at / 1000) * 1000;
}
