// The project's Telegram and Max bots, and what they say.
import { answer, api, done } from './client';
import { page, type Answer, type Page } from './contract';
import { ApiError } from './errors';

type TextsRoute = '/v1/projects/{projectId}/channels/texts';

export type Bot = NonNullable<Answer<'/v1/projects/{projectId}/channels', 'get'>['items']>[number];
export type BotTexts = Answer<TextsRoute, 'get'>;
export type Messenger = Exclude<Bot['channel'], 'api'>;

export const listBots = async (projectId: string): Promise<Page<Bot>> =>
  page(await answer(api.GET('/v1/projects/{projectId}/channels', { params: { path: { projectId } } })));

export const connectTelegram = (projectId: string, botToken: string) =>
  answer(api.PUT('/v1/projects/{projectId}/channels/telegram', { params: { path: { projectId } }, body: { bot_token: botToken } }));

export const connectMax = (projectId: string, accessToken: string) =>
  answer(api.PUT('/v1/projects/{projectId}/channels/max', { params: { path: { projectId } }, body: { access_token: accessToken } }));

export const disconnectBot = (projectId: string, messenger: Messenger) =>
  done(messenger === 'telegram'
    ? api.DELETE('/v1/projects/{projectId}/channels/telegram', { params: { path: { projectId } } })
    : api.DELETE('/v1/projects/{projectId}/channels/max', { params: { path: { projectId } } }));

export const getBotTexts = (projectId: string) => answer(api.GET('/v1/projects/{projectId}/channels/texts', { params: { path: { projectId } } }));

/** Changes the texts by key; null returns a text to its default (the document types the values as strings only). */
export const changeBotTexts = (projectId: string, change: Record<string, string | null>) =>
  answer(api.PATCH('/v1/projects/{projectId}/channels/texts', { params: { path: { projectId } }, body: change as Record<string, string> }));

type StaffGroupRoute = '/v1/projects/{projectId}/channels/telegram/staff-group';
export type StaffGroup = Answer<StaffGroupRoute, 'get'>;

/** The project's Telegram staff group, or null when none is linked (the API answers 404). */
export async function getStaffGroup(projectId: string): Promise<StaffGroup | null> {
  try {
    return await answer(api.GET('/v1/projects/{projectId}/channels/telegram/staff-group', { params: { path: { projectId } } }));
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  }
}

export const linkStaffGroup = (projectId: string, code: string) =>
  answer(api.PUT('/v1/projects/{projectId}/channels/telegram/staff-group', { params: { path: { projectId } }, body: { code } }));

export const unlinkStaffGroup = (projectId: string) =>
  done(api.DELETE('/v1/projects/{projectId}/channels/telegram/staff-group', { params: { path: { projectId } } }));

/** A one-time code for the signed-in person: `/link <code>` in the group links their Telegram account. */
export const newTelegramLinkCode = () => answer(api.POST('/v1/me/telegram-link'));
