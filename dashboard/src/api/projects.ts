// The projects a person belongs to, and one project's name and life.
import { answer, api, done } from './client';
import { page, type Answer, type Page } from './contract';

export type Project = Answer<'/v1/projects/{projectId}', 'get'>;
export type Role = Project['role'];

export const myProjects = async (): Promise<Page<Project>> => page(await answer(api.GET('/v1/projects', { params: { query: { limit: 200 } } })));

export const getProject = (projectId: string) => answer(api.GET('/v1/projects/{projectId}', { params: { path: { projectId } } }));

export const createProject = (name: string, slug: string) => answer(api.POST('/v1/projects', { body: { name, slug } }));

export const renameProject = (projectId: string, name: string) =>
  answer(api.PATCH('/v1/projects/{projectId}', { params: { path: { projectId } }, body: { name } }));

export const deleteProject = (projectId: string) => done(api.DELETE('/v1/projects/{projectId}', { params: { path: { projectId } } }));
