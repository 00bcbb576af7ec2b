// The signed-in person's notifications (the bell): mentions in notes and assignments, across
// the projects they belong to.
import { answer, api } from './client';
import type { Answer } from './contract';

export type NotificationPage = Answer<'/v1/me/notifications', 'get'>;
export type Notification = NotificationPage['items'][number];

export const listNotifications = (limit = 20) => answer(api.GET('/v1/me/notifications', { params: { query: { limit } } }));

/** Marks the named notifications read, or all of them when `ids` is left out; answers the unread count left. */
export const markNotificationsRead = (ids?: string[]) =>
  answer(api.POST('/v1/me/notifications/read', { body: ids ? { ids } : {} }));
