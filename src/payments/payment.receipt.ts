import type { Block, FormDocument, Run, UnitInfo } from '../forms/form.model.js';
import { headerOf, vnDateTime, vnd } from '../forms/form.model.js';
import { vndInWords } from './payment.model.js';

/** What an e-receipt prints: the payment, the fee lines it paid, the dossier and who paid. */
export interface ReceiptInput {
  receiptNo: string;
  series: string;
  paidAt: Date;
  method: 'online' | 'counter';
  txnRef: string;
  transactionNo: string | null;
  bankCode: string | null;
  amountVnd: number;
  lines: { nameVi: string; amountVnd: number }[];
  dossier: { code: string; procedureNameVi: string; applicantName: string; applicantAddress: string };
  /** The unit collecting: the dossier's receiving point. */
  unitId: number;
  /** The clerk who collected at the counter (their name), null online. */
  collectedBy: string | null;
  /** Where the receipt can be checked (the dossier's tracking page). */
  checkUrl: string;
  refunded: { at: Date; amountVnd: number } | null;
}

const r = (text: string): Run => ({ text });
const b = (text: string): Run => ({ text, bold: true });
const para = (...runs: Run[]): Block => ({ kind: 'para', runs });

/**
 * The e-receipt of a fee payment (biên lai điện tử thu phí, lệ phí): the collecting unit's header, the series and
 * number, who paid for which dossier, the lines with the total in figures and in words, how it was paid, and a QR
 * code opening the dossier's page where the payment can be checked.
 */
export function eReceiptForm(input: ReceiptInput, unit: (unitId: number) => UnitInfo): FormDocument {
  const u = unit(input.unitId);
  const how =
    input.method === 'online'
      ? `Trực tuyến qua cổng thanh toán (mã giao dịch ${input.transactionNo ?? '—'}${input.bankCode ? `, ${input.bankCode}` : ''}; mã tham chiếu ${input.txnRef})`
      : `Tại Bộ phận Một cửa (mã tham chiếu ${input.txnRef})`;
  const blocks: Block[] = [
    { kind: 'title', text: 'BIÊN LAI THU PHÍ, LỆ PHÍ', lines: [[{ text: '(Biên lai điện tử)', italic: true }]] },
    // The number within its series (the stored receipt number is series and number, unique across years).
    { kind: 'para', runs: [r('Ký hiệu: '), b(input.series), r('        Số: '), b(input.receiptNo.split('-').pop()!)], align: 'center' },
    para(r('Đơn vị thu: '), b(u.nameVi)),
    ...(u.address ? [para(r(`Địa chỉ: ${u.address}`))] : []),
    para(r('Tên người nộp: '), b(input.dossier.applicantName)),
    para(r(`Địa chỉ: ${input.dossier.applicantAddress}`)),
    para(r('Hồ sơ: '), b(input.dossier.code), r(` — ${input.dossier.procedureNameVi}`)),
    {
      kind: 'table',
      columns: [
        { title: 'STT', weight: 1, align: 'center' },
        { title: 'Nội dung thu', weight: 9 },
        { title: 'Số tiền', weight: 3, align: 'center' },
      ],
      rows: [...input.lines.map((l, i) => [String(i + 1), l.nameVi, vnd(l.amountVnd)]), ['', 'Tổng cộng', vnd(input.amountVnd)]],
      strong: [input.lines.length],
    },
    para(r('Số tiền bằng chữ: '), { text: vndInWords(input.amountVnd), italic: true }),
    para(r(`Hình thức thanh toán: ${how}`)),
    para(r(`Thời điểm thanh toán: ${vnDateTime(input.paidAt)}`)),
    ...(input.refunded
      ? [para(b(`Đã hoàn trả ${vnd(input.refunded.amountVnd)} lúc ${vnDateTime(input.refunded.at)} do dừng xử lý hồ sơ.`))]
      : []),
    {
      kind: 'signatures',
      // Paid online, nobody signs on the payer's side.
      left: input.method === 'online' ? null : { title: 'NGƯỜI NỘP TIỀN', hint: '(Ký, ghi rõ họ tên)', name: null },
      right: {
        title: 'NGƯỜI THU TIỀN',
        hint: input.method === 'online' ? '(Biên lai điện tử, không cần chữ ký tay)' : '(Ký, ghi rõ họ tên)',
        name: input.collectedBy,
      },
    },
    { kind: 'qr', payload: input.checkUrl, lines: [[r('Quét mã để kiểm tra hồ sơ và khoản thanh toán')]] },
  ];
  return {
    form: 'e-receipt',
    formNo: '',
    title: 'Biên lai thu phí, lệ phí',
    fileName: `bien-lai-${input.receiptNo}.pdf`,
    orientation: 'portrait',
    header: headerOf(u, input.paidAt),
    blocks,
    subject: `Biên lai ${input.receiptNo}, hồ sơ ${input.dossier.code}`,
  };
}
