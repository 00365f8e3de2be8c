import { Type } from 'typebox';
import type { HttpApp } from '../platform/http.js';
import { IntId, problems } from '../platform/http.schema.js';
import type { Services } from '../services.js';
import { CommuneSchema, UnitSchema } from './org.schema.js';
import { presentUnit } from './org.service.js';

const TAG = ['organization'];

export async function orgRoutes(app: HttpApp, s: Services): Promise<void> {
  app.get(
    '/units',
    {
      schema: {
        tags: TAG,
        summary: 'Units of the province: centers, branches, commune centers, agencies',
        querystring: Type.Object(
          { kind: Type.Optional(Type.String({ maxLength: 200, pattern: '^[a-z_]+(,[a-z_]+)*$' })) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Array(UnitSchema), ...problems(400) },
      },
    },
    async (req) => (await s.org.listUnits(req.query.kind?.split(','))).map(presentUnit),
  );

  app.get(
    '/units/:id',
    {
      schema: {
        tags: TAG,
        summary: 'One unit',
        params: Type.Object({ id: IntId() }),
        response: { 200: UnitSchema, ...problems(400, 404) },
      },
    },
    async (req) => presentUnit(await s.org.unit(req.params.id)),
  );

  app.get(
    '/communes',
    {
      schema: {
        tags: TAG,
        summary: 'Communes and wards, with their People’s Committee and service center',
        response: { 200: Type.Array(CommuneSchema) },
      },
    },
    async () =>
      (await s.org.listCommunes()).map((c) => ({
        code: c.code,
        nameVi: c.name_vi,
        nameEn: c.name_en,
        kind: c.kind,
        areaType: c.area_type,
        committeeUnitId: c.committee_unit_id,
        centerUnitId: c.center_unit_id,
      })),
  );
}
