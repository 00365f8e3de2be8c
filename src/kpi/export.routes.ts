import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type, type TProperties } from 'typebox';
import type { HttpApp } from '../platform/http.js';
import { problems } from '../platform/http.schema.js';
import { attachment, CONTENT_TYPES, primed, SPREADSHEET_FORMATS, spreadsheetStream, type Table } from '../platform/spreadsheet.js';
import { actorOf, requireStaff, SECURED } from '../auth/auth.hook.js';
import type { Services } from '../services.js';
import { GROUPINGS } from './kpi.model.js';
import {
  costlyTable,
  exportFileName,
  figuresTable,
  productivityTable,
  rankingsTable,
  scorecardTable,
  trendsTable,
  type ExportLang,
} from './kpi.export.js';
import { Query, RankingLevel, TrendPeriodParam } from './kpi.routes.js';

const Params = Type.Object({
  format: Type.Union(
    SPREADSHEET_FORMATS.map((f) => Type.Literal(f)),
    { description: 'csv (UTF-8 with a byte order mark, for Excel) or xlsx' },
  ),
});
const Lang = {
  lang: Type.Optional(
    Type.Union([Type.Literal('both'), Type.Literal('vi'), Type.Literal('en')], {
      description: 'Column headers and names in Vietnamese, English or both ("Mã hồ sơ / Dossier code", the default)',
    }),
  ),
};
const Download = {
  description: 'The table as a file to download (Content-Disposition: attachment)',
  content: {
    'text/csv': { schema: Type.String({ description: 'CSV, RFC 4180, one header row' }) },
    [CONTENT_TYPES.xlsx]: {
      schema: Type.Unsafe<Buffer>({ type: 'string', format: 'binary', description: 'An XLSX workbook of one sheet' }),
    },
  },
};
const schema = <Q extends TProperties>(summary: string, querystring: Q) => ({
  tags: ['kpi'],
  security: SECURED,
  summary,
  description:
    'Managers (their points), approvers (their agency) and the administrator, as the JSON route. Text cells starting with = + - @, a tab or a carriage return get a leading apostrophe (no formula runs when opened).',
  params: Params,
  querystring: Type.Object({ ...querystring, ...Lang }, { additionalProperties: false }),
  response: { 200: Download, ...problems(400, 401, 403, 404) },
});

/**
 * Sends a table as a download, its rows written as they are read; logs the export once it ends (what and how many
 * rows, never their content).
 */
async function download(
  req: FastifyRequest,
  reply: FastifyReply,
  format: (typeof SPREADSHEET_FORMATS)[number],
  fileName: string,
  table: Table,
  what: Record<string, unknown>,
) {
  const source = await primed(table.rows);
  async function* counted() {
    let rows = 0;
    let complete = false;
    try {
      for await (const r of source) {
        rows++;
        yield r;
      }
      complete = true;
    } finally {
      req.log.info({ ...what, format, rows, complete, staffId: req.actor?.staffId }, 'kpi export');
    }
  }
  return reply
    .type(CONTENT_TYPES[format])
    .header('content-disposition', attachment(fileName))
    .header('cache-control', 'no-store')
    .header('x-content-type-options', 'nosniff')
    .send(spreadsheetStream(format, { ...table, rows: counted() }));
}

const lang = (q: { lang?: ExportLang | undefined }): ExportLang => q.lang ?? 'both';

/** The leaders' tables as CSV or XLSX: the same scope, validation and numbers as the JSON routes of kpi.routes.ts. */
export async function kpiExportRoutes(app: HttpApp, s: Services): Promise<void> {
  const onRequest = requireStaff(s.auth);

  app.get(
    '/kpi/export/figures.:format',
    {
      onRequest,
      schema: schema("A unit's figures over a period, one row per group (`by`) and the total, as GET /kpi/figures", {
        ...Query,
        by: Type.Optional(Type.Union(GROUPINGS.map((g) => Type.Literal(g)))),
      }),
    },
    async (req, reply) => {
      const f = await s.kpi.figures(actorOf(req), { ...req.query, fieldCode: req.query.field });
      const name = exportFileName(['Số liệu', 'Figures'], f.unit, f.from, f.to, req.params.format, lang(req.query));
      return download(req, reply, req.params.format, name, figuresTable(f, lang(req.query)), {
        export: 'figures',
        unitId: f.unit.id,
        from: f.from,
        to: f.to,
        by: f.by,
      });
    },
  );

  app.get(
    '/kpi/export/scorecard.:format',
    {
      onRequest,
      schema: schema("A unit's Decision 766 scorecard over a period, one row per indicator and the total, as GET /kpi/scorecard", Query),
    },
    async (req, reply) => {
      const c = await s.kpi.scorecard(actorOf(req), { ...req.query, fieldCode: req.query.field });
      const name = exportFileName(['Chỉ số 766', 'Decision 766 scorecard'], c.unit, c.from, c.to, req.params.format, lang(req.query));
      return download(req, reply, req.params.format, name, scorecardTable(c, lang(req.query)), {
        export: 'scorecard',
        unitId: c.unit.id,
        from: c.from,
        to: c.to,
      });
    },
  );

  app.get(
    '/kpi/export/costly-dossiers.:format',
    {
      onRequest,
      schema: schema(
        'Every dossier that cost a scorecard indicator its points over a period, latest first, without the JSON route’s limit (streamed from the database page by page); no applicant’s data',
        {
          indicator: Type.String({ maxLength: 8, description: 'Indicator id: 2.1, 3.1, 4.1, 4.2, 4.3, 4.4, 4.5b or 5.4' }),
          ...Query,
        },
      ),
    },
    async (req, reply) => {
      const c = await s.kpi.allCostlyDossiers(actorOf(req), req.query.indicator, { ...req.query, fieldCode: req.query.field });
      const name = exportFileName(
        [`Hồ sơ mất điểm ${c.indicator}`, `Dossiers costing ${c.indicator}`],
        c.unit,
        c.from,
        c.to,
        req.params.format,
        lang(req.query),
      );
      return download(req, reply, req.params.format, name, costlyTable(c, lang(req.query)), {
        export: 'costly-dossiers',
        indicator: c.indicator,
        unitId: c.unit.id,
        from: c.from,
        to: c.to,
      });
    },
  );

  app.get(
    '/kpi/export/productivity.:format',
    {
      onRequest,
      schema: schema('Receipts per receiving clerk over a period, annualized against the norm of the area, as GET /kpi/productivity', {
        unitId: Query.unitId,
        from: Query.from,
        to: Query.to,
      }),
    },
    async (req, reply) => {
      const p = await s.kpi.productivity(actorOf(req), req.query);
      const name = exportFileName(['Năng suất tiếp nhận', 'Clerk productivity'], p.unit, p.from, p.to, req.params.format, lang(req.query));
      return download(req, reply, req.params.format, name, productivityTable(p, lang(req.query)), {
        export: 'productivity',
        unitId: p.unit.id,
        from: p.from,
        to: p.to,
      });
    },
  );

  app.get(
    '/kpi/export/rankings.:format',
    {
      onRequest,
      schema: schema(
        'The service points (or agencies) under a unit ranked by their Decision 766 score over a period, overall and by group, with the change from the period before, as GET /kpi/rankings',
        { ...Query, level: RankingLevel },
      ),
    },
    async (req, reply) => {
      const k = await s.kpi.rankings(actorOf(req), { ...req.query, fieldCode: req.query.field });
      const name = exportFileName(['Xếp hạng', 'Rankings'], k.unit, k.from, k.to, req.params.format, lang(req.query));
      return download(req, reply, req.params.format, name, rankingsTable(k, lang(req.query)), {
        export: 'rankings',
        unitId: k.unit.id,
        level: k.level,
        from: k.from,
        to: k.to,
      });
    },
  );

  app.get(
    '/kpi/export/trends.:format',
    {
      onRequest,
      schema: schema(
        "A unit's weeks or months: the score and the rates with their change from the period before, against the targets, as GET /kpi/trends",
        { ...Query, period: TrendPeriodParam },
      ),
    },
    async (req, reply) => {
      const t = await s.kpi.trends(actorOf(req), { ...req.query, fieldCode: req.query.field });
      const name = exportFileName(
        [t.period === 'week' ? 'Xu hướng theo tuần' : 'Xu hướng theo tháng', t.period === 'week' ? 'Weekly trend' : 'Monthly trend'],
        t.unit,
        t.from,
        t.to,
        req.params.format,
        lang(req.query),
      );
      return download(req, reply, req.params.format, name, trendsTable(t, lang(req.query)), {
        export: 'trends',
        unitId: t.unit.id,
        period: t.period,
        from: t.from,
        to: t.to,
      });
    },
  );
}
