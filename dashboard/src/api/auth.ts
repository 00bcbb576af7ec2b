// Logging in with an emailed code, the signed-in person, and their sessions.
import { answer, api, done } from './client';
import { page, type Answer, type Page } from './contract';

export type User = Answer<'/v1/auth/me', 'get'>;
export type Session = Answer<'/v1/auth/verify', 'post'>;
export type SignedInSession = Answer<'/v1/auth/sessions', 'get'>['items'] extends (infer S)[] | null ? S : never;

export const requestCode = (email: string) => done(api.POST('/v1/auth/login', { body: { email } }));

export const verifyCode = (email: string, code: string) => answer(api.POST('/v1/auth/verify', { body: { email, code } }));

export const logOut = () => done(api.POST('/v1/auth/logout'));

export const logOutEverywhere = () => done(api.POST('/v1/auth/logout-everywhere'));

export const me = () => answer(api.GET('/v1/auth/me'));

export const renameMe = (name: string) => answer(api.PATCH('/v1/auth/me', { body: { name } }));

export const mySessions = async (): Promise<Page<SignedInSession>> => page(await answer(api.GET('/v1/auth/sessions')));

export const endSignedInSession = (sessionId: string) =>
  done(api.DELETE('/v1/auth/sessions/{sessionId}', { params: { path: { sessionId } } }));
