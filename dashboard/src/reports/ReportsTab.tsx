import { useState } from 'preact/hooks';
import { agentsReport, downloadCsv, hoursReport, overviewReport, volumeReport, type CsvReport, type Figures, type GroupBy, type ReportRange, type ReportRow } from '../api/reports';
import { href, type TicketListFilter } from '../route';
import { ErrorNote, useLoad } from '../ui';
import { BarChart, HeatMap, LineChart } from './charts';
import { daysOf, isoDayOfWeek, nextDay, zonedStart } from './zoned';
import './reports.css';

// The Reports tab (owner, admin), loaded only when opened: a range of days with an optional
// comparison, the overview, tickets per day, a breakdown, agents and the busiest hours. A number
// of tickets created links to the ticket list under the same filter: the range's days (or a day,
// or an hour) in the project's time zone, and the group's channel, priority, type or tag.

const day = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;

function lastDays(days: number, compare: boolean): ReportRange {
  const to = new Date();
  const from = new Date(to);
  from.setDate(to.getDate() - days + 1);
  return { from: day(from), to: day(to), compare };
}

export function ReportsTab(props: { projectId: string }) {
  const { projectId } = props;
  const [range, setRange] = useState<ReportRange>(() => lastDays(30, false));
  const [groupBy, setGroupBy] = useState<Exclude<GroupBy, 'day' | 'week'>>('channel');
  const [csvError, setCsvError] = useState<unknown>(null);
  const overview = useLoad(() => overviewReport(projectId, range), [projectId, range]);
  const perDay = useLoad(() => volumeReport(projectId, range, 'day'), [projectId, range]);
  const groups = useLoad(() => volumeReport(projectId, range, groupBy), [projectId, range, groupBy]);
  const agents = useLoad(() => agentsReport(projectId, range), [projectId, range]);
  const hours = useLoad(() => hoursReport(projectId, range), [projectId, range]);
  const csv = (report: CsvReport, by?: GroupBy) => {
    setCsvError(null);
    downloadCsv(projectId, report, range, by).catch(setCsvError);
  };
  const error = overview.error ?? perDay.error ?? groups.error ?? agents.error ?? hours.error;
  const zone = overview.data?.time_zone ?? 'UTC';
  // Tickets created from the start of day `from` to the end of day `to` in the project's zone.
  const createdIn = (from: string, to: string): TicketListFilter =>
    ({ created_from: zonedStart(from, 0, zone), created_to: zonedStart(nextDay(to), 0, zone) });
  const list = (filter: TicketListFilter) => href({ page: 'tickets', projectId, filter });
  // With a week or less, each day-and-hour cell of the heat map is one hour of one day.
  const days = daysOf(range.from, range.to);
  const hourLink = days.length <= 7 ? (dow: number, hour: number) => {
    const day = days.find((d) => isoDayOfWeek(d) === dow);
    return day ? list({ created_from: zonedStart(day, hour, zone), created_to: zonedStart(day, hour + 1, zone) }) : undefined;
  } : undefined;

  return (
    <main class="page reports">
      <h1>Reports</h1>
      <form class="report-range" onSubmit={(e) => e.preventDefault()}>
        <label>From <input type="date" value={range.from} max={range.to} onChange={(e) => e.currentTarget.value && setRange({ ...range, from: e.currentTarget.value })} /></label>
        <label>To <input type="date" value={range.to} min={range.from} onChange={(e) => e.currentTarget.value && setRange({ ...range, to: e.currentTarget.value })} /></label>
        {[7, 30, 90, 365].map((n) => <button type="button" key={n} onClick={() => setRange(lastDays(n, range.compare))}>{n} days</button>)}
        <label class="check"><input type="checkbox" checked={range.compare} onChange={(e) => setRange({ ...range, compare: e.currentTarget.checked })} /> Compare with the previous period</label>
        <button type="button" onClick={() => csv('tickets')}>Download tickets (CSV)</button>
      </form>
      <ErrorNote error={error ?? csvError} />
      {overview.data && (
        <section aria-label="Overview">
          <Cards figures={overview.data.current.figures} previous={overview.data.previous?.figures} createdLink={list(createdIn(range.from, range.to))} />
          <p class="muted">Days in {overview.data.time_zone}. <button type="button" class="link" onClick={() => csv('overview')}>CSV</button></p>
        </section>
      )}
      {perDay.data && (
        <section aria-label="Tickets per day">
          <LineChart title="Tickets per day" labels={perDay.data.current.rows.map((r) => r.key)} series={[
            { name: 'Created', values: perDay.data.current.rows.map((r) => r.figures.created), tone: 'a' },
            { name: 'Closed', values: perDay.data.current.rows.map((r) => r.figures.closed), tone: 'b' },
          ]} links={perDay.data.current.rows.map((r) => ({ label: `${r.key}: ${r.figures.created} created`, href: list(createdIn(r.key, r.key)) }))} />
          <button type="button" class="link" onClick={() => csv('volume', 'day')}>CSV</button>
        </section>
      )}
      <section aria-label="Breakdown">
        <label>Break down by <select value={groupBy} onChange={(e) => setGroupBy(e.currentTarget.value as typeof groupBy)}>
          <option value="channel">Channel</option><option value="priority">Priority</option><option value="type">Type</option><option value="tag">Tag</option>
        </select></label>
        {groups.data && (
          <>
            <BarChart title={`Tickets created by ${groupBy}`} bars={groups.data.current.rows.map((r) => ({ label: rowName(r), value: r.figures.created }))} />
            <SortableTable rows={groups.data.current.rows} projectId={projectId} drill={(r) => { const f = drillFilter(groupBy, r.key); return f && { ...f, ...createdIn(range.from, range.to) }; }} label={groupBy} />
            <button type="button" class="link" onClick={() => csv('volume', groupBy)}>CSV</button>
          </>
        )}
      </section>
      {agents.data && (
        <section aria-label="Agents">
          <h2>Agents</h2>
          <SortableTable rows={agents.data.current.rows} projectId={projectId} drill={(r) => ({ assignee_id: r.key })} label="agent" />
          <button type="button" class="link" onClick={() => csv('agents')}>CSV</button>
        </section>
      )}
      {hours.data && (
        <section aria-label="Busiest hours">
          <HeatMap title="Tickets created by day and hour" cells={hours.data.current.cells.map((c) => ({ day: c.day_of_week, hour: c.hour, value: c.created }))} link={hourLink} />
          <button type="button" class="link" onClick={() => csv('hours')}>CSV</button>
        </section>
      )}
    </main>
  );
}

const minutes = (seconds: number | null | undefined) =>
  seconds == null ? '—' : seconds < 3600 ? `${Math.round(seconds / 60)} min` : `${(seconds / 3600).toFixed(1)} h`;
const percent = (share: number | null | undefined) => (share == null ? '—' : `${Math.round(share * 100)}%`);
const score = (average: number | null | undefined) => (average == null ? '—' : average.toFixed(1));

function Cards(props: { figures: Figures; previous?: Figures | null; createdLink: string }) {
  const f = props.figures, p = props.previous;
  const cards: [string, string, string | undefined][] = [
    ['Created', String(f.created), p ? String(p.created) : undefined],
    ['Closed', String(f.closed), p ? String(p.closed) : undefined],
    ['Reopened', String(f.reopened), p ? String(p.reopened) : undefined],
    ['First response (median)', minutes(f.first_response.median_seconds), p ? minutes(p.first_response.median_seconds) : undefined],
    ['Resolution (median)', minutes(f.resolution.median_seconds), p ? minutes(p.resolution.median_seconds) : undefined],
    ['First response, business hours (median)', minutes(f.first_response_business.median_seconds), p ? minutes(p.first_response_business.median_seconds) : undefined],
    ['Resolution, business hours (median)', minutes(f.resolution_business.median_seconds), p ? minutes(p.resolution_business.median_seconds) : undefined],
    ['First reply SLA met', percent(f.first_reply_sla.met_share), p ? percent(p.first_reply_sla.met_share) : undefined],
    ['Resolution SLA met', percent(f.resolution_sla.met_share), p ? percent(p.resolution_sla.met_share) : undefined],
    ['Replies per ticket', f.replies_per_ticket == null ? '—' : String(f.replies_per_ticket), undefined],
    ['Credits spent', String(f.credits_spent), p ? String(p.credits_spent) : undefined],
    ['CSAT (average of 5)', score(f.csat.average_score), p ? score(p.csat.average_score) : undefined],
    ['CSAT response rate', percent(f.csat.response_rate), p ? percent(p.csat.response_rate) : undefined],
  ];
  return (
    <dl class="cards">
      {cards.map(([name, value, before]) => (
        <div key={name} class="card"><dt>{name}</dt>
          <dd>{name === 'Created' ? <a href={props.createdLink} title="Show these tickets">{value}</a> : value}</dd>
          {before !== undefined && <dd class="muted">before: {before}</dd>}</div>
      ))}
    </dl>
  );
}

const rowName = (r: ReportRow) => r.name ?? (r.key === '' ? 'none' : r.key);

/** The ticket list's filter for a group, when the list can filter by it (not by "no type"). */
function drillFilter(groupBy: string, key: string): TicketListFilter | undefined {
  if (groupBy === 'channel') return { channel: key };
  if (groupBy === 'priority') return { priority: key };
  if (groupBy === 'type') return key === '' ? undefined : { type_id: key };
  if (groupBy === 'tag') return { tag_id: key };
  return undefined;
}

type Column = { name: string; value: (r: ReportRow) => number | null | undefined; show?: (r: ReportRow) => string };
const columns: Column[] = [
  { name: 'Created', value: (r) => r.figures.created },
  { name: 'Assigned', value: (r) => r.figures.assigned },
  { name: 'Closed', value: (r) => r.figures.closed },
  { name: 'Reopened', value: (r) => r.figures.reopened },
  { name: 'Replies', value: (r) => r.figures.replies },
  { name: 'Notes', value: (r) => r.figures.notes },
  { name: 'First response', value: (r) => r.figures.first_response.median_seconds, show: (r) => minutes(r.figures.first_response.median_seconds) },
  { name: 'Resolution', value: (r) => r.figures.resolution.median_seconds, show: (r) => minutes(r.figures.resolution.median_seconds) },
  { name: 'SLA met', value: (r) => r.figures.first_reply_sla.met_share, show: (r) => percent(r.figures.first_reply_sla.met_share) },
  { name: 'Credits', value: (r) => r.figures.credits_spent },
  { name: 'CSAT', value: (r) => r.figures.csat.average_score, show: (r) => score(r.figures.csat.average_score) },
];

/** A table that sorts by the column clicked (again: the other way); numbers link to the ticket list where it can filter. */
function SortableTable(props: { rows: ReportRow[]; projectId: string; label: string; drill: (r: ReportRow) => TicketListFilter | undefined }) {
  const [sort, setSort] = useState<{ column: number; descending: boolean }>({ column: 0, descending: true });
  const column = columns[sort.column];
  const rows = [...props.rows].sort((a, b) => ((column.value(a) ?? -1) - (column.value(b) ?? -1)) * (sort.descending ? -1 : 1));
  return (
    <table class="report-table">
      <thead>
        <tr>
          <th scope="col">{props.label}</th>
          {columns.map((c, i) => (
            <th scope="col" key={c.name} aria-sort={sort.column === i ? (sort.descending ? 'descending' : 'ascending') : undefined}>
              <button type="button" class="link" onClick={() => setSort({ column: i, descending: sort.column === i ? !sort.descending : true })}>{c.name}</button>
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => {
          const filter = props.drill(r);
          return (
            <tr key={r.key}>
              <th scope="row">{rowName(r)}</th>
              {columns.map((c, i) => (
                <td key={c.name}>{i === 0 && filter
                  ? <a href={href({ page: 'tickets', projectId: props.projectId, filter })} title="Show these tickets">{c.show?.(r) ?? c.value(r)}</a>
                  : c.show?.(r) ?? c.value(r) ?? '—'}</td>
              ))}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
