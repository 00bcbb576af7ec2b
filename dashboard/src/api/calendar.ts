// Business hours: the project's calendar (time zone, weekly periods, holidays, working days,
// a published iCal URL) and where a span of business time ends by it.
import { answer, api } from './client';
import type { Answer, Body } from './contract';

export type Calendar = Answer<'/v1/projects/{projectId}/helpdesk/calendar', 'get'>;
export type CalendarChange = Body<'/v1/projects/{projectId}/helpdesk/calendar', 'put'>;

export const getCalendar = (projectId: string) =>
  answer(api.GET('/v1/projects/{projectId}/helpdesk/calendar', { params: { path: { projectId } } }));

export const setCalendar = (projectId: string, calendar: CalendarChange) =>
  answer(api.PUT('/v1/projects/{projectId}/helpdesk/calendar', { params: { path: { projectId } }, body: calendar }));

/** Adds an .ics file's holidays and working days to the team's own lists. */
export const importIcs = (projectId: string, ics: string) =>
  answer(api.PUT('/v1/projects/{projectId}/helpdesk/calendar/ical', { params: { path: { projectId } }, body: { ics } }));

/** When `minutes` of business time from `from` (default now) end. */
export const previewCalendar = (projectId: string, minutes: number, from?: string) =>
  answer(api.GET('/v1/projects/{projectId}/helpdesk/calendar/preview', { params: { path: { projectId }, query: { minutes, from } } }));
