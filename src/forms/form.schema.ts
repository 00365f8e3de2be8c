import { Type } from 'typebox';
import { IntId } from '../platform/http.schema.js';
import { CodeParam } from '../dossiers/dossier.schema.js';
import { DOSSIER_FORMS } from './form.model.js';

export const DossierFormParams = Type.Object({
  code: CodeParam.properties.code,
  form: Type.Enum([...DOSSIER_FORMS], {
    type: 'string',
    description:
      '01 Giấy tiếp nhận hồ sơ và hẹn trả kết quả · 02 Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ · 03 Phiếu từ chối tiếp nhận giải quyết hồ sơ · 04 Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết · 05 Thông báo dừng giải quyết hồ sơ · 06 Phiếu kiểm soát quá trình giải quyết hồ sơ',
  }),
});

const Day = (description: string) => Type.String({ minLength: 10, maxLength: 10, pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description });

export const TrackingBookQuery = Type.Object(
  {
    unitId: Type.Integer({
      minimum: 1,
      maximum: 2_147_483_647,
      description: 'The service point whose book this is (in the caller’s scope)',
    }),
    from: Day('First day of the period (YYYY-MM-DD, Vietnam time)'),
    to: Day('Last day of the period, included; at most 366 days after from'),
  },
  { additionalProperties: false },
);

export const MonthlyReportQuery = Type.Object(
  {
    unitId: Type.Optional(IntId({ description: 'The unit reported on (default: your own; the province for the administrator)' })),
    month: Type.String({
      minLength: 7,
      maxLength: 7,
      pattern: '^[0-9]{4}-(0[1-9]|1[0-2])$',
      description: 'The month reported on (YYYY-MM, Vietnam time), begun already',
    }),
  },
  { additionalProperties: false },
);

/** A PDF response, declared as binary content in the OpenAPI document. */
export const PdfResponse = {
  description: 'The form as a PDF (A4), shown inline',
  headers: { 'content-disposition': { type: 'string', description: 'inline; filename="mau-NN_….pdf"' } },
  content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } },
};
