import { Type } from 'typebox';
import type { HttpApp } from '../platform/http.js';
import { problems } from '../platform/http.schema.js';
import { actorOf, requireStaff, SECURED } from '../auth/auth.hook.js';
import type { Services } from '../services.js';
import { CatalogSchema, FieldSchema, ProcedureDetailSchema, ProcedureSearchQuery, ProcedureSummarySchema } from './catalog.schema.js';

const TAG = ['catalog'];

export async function catalogRoutes(app: HttpApp, s: Services): Promise<void> {
  app.get(
    '/procedures',
    {
      schema: {
        tags: TAG,
        summary: 'Search procedures (ignores diacritics, tolerates typos, ranked)',
        querystring: ProcedureSearchQuery,
        response: { 200: Type.Array(ProcedureSummarySchema), ...problems(400) },
      },
    },
    async (req) => s.catalog.search(req.query),
  );

  app.get(
    '/procedures/:code',
    {
      schema: {
        tags: TAG,
        summary: 'A procedure: the version in force, its components, fees, time limit and where to file',
        params: Type.Object({ code: Type.String({ maxLength: 40 }) }),
        response: { 200: ProcedureDetailSchema, ...problems(404) },
      },
    },
    async (req) => s.catalog.detail(req.params.code),
  );

  app.get(
    '/fields',
    { schema: { tags: TAG, summary: 'Fields (sectors) of procedures', response: { 200: Type.Array(FieldSchema) } } },
    async () => s.catalog.listFields(),
  );

  app.get(
    '/catalog/export',
    { schema: { tags: TAG, summary: 'The whole catalog with every version, as JSON (import format)', response: { 200: CatalogSchema } } },
    async () => s.catalog.exportCatalog(),
  );

  app.post(
    '/catalog/import',
    {
      onRequest: requireStaff(s.auth),
      bodyLimit: 20 * 1024 * 1024,
      schema: {
        tags: TAG,
        security: SECURED,
        summary:
          'Import a catalog (administrator); unchanged versions are skipped, versions in use never change (except in their document types)',
        body: CatalogSchema,
        response: {
          200: Type.Object({
            fields: Type.Integer(),
            documentTypes: Type.Integer({ description: 'Document types listed (added or renamed)' }),
            procedures: Type.Integer(),
            added: Type.Integer(),
            unchanged: Type.Integer(),
            replaced: Type.Integer({ description: 'Versions no dossier uses, replaced' }),
            typed: Type.Integer({ description: 'Versions in use whose document types changed (nothing else may)' }),
          }),
          ...problems(400, 401, 403, 409),
        },
      },
    },
    async (req) => s.catalog.importCatalog(actorOf(req), req.body),
  );
}
