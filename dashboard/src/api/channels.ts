// The project's Telegram and Max bots, and what they say.
import { answer, api, done } from './client';
import { page, type Answer, type Page } from './contract';

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
