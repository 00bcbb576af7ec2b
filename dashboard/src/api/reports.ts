// Reports (owner, admin): figures read from the server's rollups, and every table as CSV.
import { answer, api } from './client';
import { type Answer } from './contract';

export type Overview = Answer<'/v1/projects/{projectId}/reports/overview', 'get'>;
export type Figures = Overview['current']['figures'];
export type ReportTable = Answer<'/v1/projects/{projectId}/reports/volume', 'get'>;
export type ReportRow = ReportTable['current']['rows'][number];
export type HoursReport = Answer<'/v1/projects/{projectId}/reports/hours', 'get'>;
export type HourCell = HoursReport['current']['cells'][number];
export type GroupBy = 'day' | 'week' | 'channel' | 'type' | 'tag' | 'priority';

/** Days from..to (YYYY-MM-DD, the project's time zone, both included); compare adds the period before. */
export interface ReportRange { from: string; to: string; compare: boolean }

const query = (r: ReportRange) => ({ from: r.from, to: r.to, compare: r.compare || undefined });

export const overviewReport = (projectId: string, r: ReportRange) =>
  answer(api.GET('/v1/projects/{projectId}/reports/overview', { params: { path: { projectId }, query: query(r) } }));

export const volumeReport = (projectId: string, r: ReportRange, groupBy: GroupBy) =>
  answer(api.GET('/v1/projects/{projectId}/reports/volume', { params: { path: { projectId }, query: { ...query(r), group_by: groupBy } } }));

export const agentsReport = (projectId: string, r: ReportRange) =>
  answer(api.GET('/v1/projects/{projectId}/reports/agents', { params: { path: { projectId }, query: query(r) } }));

export const hoursReport = (projectId: string, r: ReportRange) =>
  answer(api.GET('/v1/projects/{projectId}/reports/hours', { params: { path: { projectId }, query: query(r) } }));

export type CsvReport = 'overview' | 'volume' | 'agents' | 'hours' | 'tickets';

/**
 * A report (or the range's tickets) as a CSV file. Fetched with the session, since a plain link
 * cannot carry the bearer token, then handed to the browser as a download.
 */
export async function downloadCsv(projectId: string, report: CsvReport, r: ReportRange, groupBy?: GroupBy): Promise<void> {
  const query = { from: r.from, to: r.to, compare: r.compare || undefined, format: 'csv' };
  const path = { projectId };
  const asText = { parseAs: 'text' as const };
  const { data } = await (
    report === 'tickets' ? api.GET('/v1/projects/{projectId}/helpdesk/tickets/export', { params: { path, query }, ...asText })
      : report === 'volume' ? api.GET('/v1/projects/{projectId}/reports/volume', { params: { path, query: { ...query, group_by: groupBy } }, ...asText })
        : report === 'agents' ? api.GET('/v1/projects/{projectId}/reports/agents', { params: { path, query }, ...asText })
          : report === 'hours' ? api.GET('/v1/projects/{projectId}/reports/hours', { params: { path, query }, ...asText })
            : api.GET('/v1/projects/{projectId}/reports/overview', { params: { path, query }, ...asText }));
  const url = URL.createObjectURL(new Blob([typeof data === 'string' ? data : ''], { type: 'text/csv' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = `${report}${groupBy ? `-by-${groupBy}` : ''}-${r.from}-${r.to}.csv`;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
