// The project's Telegram and Max bots, and what they say.
import { answer, api, done } from './client';
import { page, type Answer, type Page } from './contract';
import { ApiError } from './errors';

type LanguageTextsRoute = '/v1/projects/{projectId}/channels/texts/{lang}';
type LanguagesRoute = '/v1/projects/{projectId}/channels/settings';

export type Bot = NonNullable<Answer<'/v1/projects/{projectId}/channels', 'get'>['items']>[number];
export type LanguageTexts = Answer<LanguageTextsRoute, 'get'>;
export type BotLanguages = Answer<LanguagesRoute, 'get'>;
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

/** The bots' default language and the languages they speak. */
export const getBotLanguages = (projectId: string) =>
  answer(api.GET('/v1/projects/{projectId}/channels/settings', { params: { path: { projectId } } }));

export const setDefaultBotLanguage = (projectId: string, language: string) =>
  answer(api.PUT('/v1/projects/{projectId}/channels/settings', { params: { path: { projectId } }, body: { default_language: language } }));

/** What the bots say in one language, with the defaults each text falls back to. */
export const getLanguageTexts = (projectId: string, lang: string) =>
  answer(api.GET('/v1/projects/{projectId}/channels/texts/{lang}', { params: { path: { projectId, lang } } }));

/** Replaces the project's own texts and type names in one language (what is left out is the default). */
export const putLanguageTexts = (projectId: string, lang: string, texts: Record<string, string>, ticketTypeNames: Record<string, string>) =>
  answer(api.PUT('/v1/projects/{projectId}/channels/texts/{lang}', {
    params: { path: { projectId, lang } },
    body: { texts, ticket_type_names: ticketTypeNames },
  }));
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
