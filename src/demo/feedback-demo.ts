import type { Actor } from '../auth/auth.model.js';
import type { StaffRole } from '../platform/db.types.js';
import type { FeedbackInput } from '../feedback/feedback.service.js';
import type { Services } from '../services.js';
import type { WorkingCalendar } from '../calendar/calendar.model.js';
import { pick, type Rng } from './demo.model.js';

/** What the demo's feedback needs of the seed: its clock, the staff, and dossiers to complain about. */
export interface FeedbackDemoInput {
  services: Services;
  rng: Rng;
  /** Sets the seed's simulated clock (the services read it). */
  setNow: (at: Date) => void;
  until: Date;
  calendar: WorkingCalendar;
  actor: (unitId: number, role: StaffRole) => Actor;
  /** Dossiers open past their due date, or decided late: the usual subject of a complaint. */
  lateDossiers: { code: string; competentAgencyId: number | null; receivingUnitId: number; trackingToken: string }[];
  /** Service points (a complaint about the premises or a clerk's conduct goes to the point). */
  points: { id: number; name: string }[];
}

const ABOUT_DOSSIER = [
  [
    'Hồ sơ của tôi đã quá hẹn trả kết quả',
    'Tôi nộp hồ sơ đã quá ngày hẹn trên giấy tiếp nhận nhưng vẫn chưa nhận được kết quả, đề nghị cơ quan kiểm tra và trả lời.',
  ],
  [
    'Đề nghị cho biết lý do hồ sơ chậm giải quyết',
    'Hồ sơ đã quá hạn mà chưa có thư xin lỗi hay hẹn lại ngày trả, đề nghị cơ quan cho biết lý do và ngày trả kết quả.',
  ],
  [
    'Hồ sơ bị yêu cầu bổ sung nhiều lần',
    'Tôi đã được yêu cầu bổ sung giấy tờ hai lần với các nội dung khác nhau, đề nghị hướng dẫn một lần đầy đủ theo quy định.',
  ],
] as const;
const ABOUT_POINT = [
  ['Thời gian chờ tại quầy quá lâu', 'Buổi sáng tôi phải chờ hơn một giờ mới đến lượt, đề nghị bố trí thêm quầy vào giờ cao điểm.'],
  [
    'Thiếu chỗ để xe cho người dân',
    'Bãi để xe trước trụ sở quá chật, người dân phải để xe dưới lòng đường, đề nghị bố trí thêm chỗ để xe.',
  ],
  ['Cán bộ hướng dẫn nhiệt tình', 'Tôi được cán bộ tại quầy hướng dẫn rất chu đáo, đề nghị biểu dương cán bộ này.'],
  ['Máy lấy số thứ tự không hoạt động', 'Máy lấy số ở sảnh bị hỏng cả buổi sáng, người dân phải xếp hàng tự phát, đề nghị sửa chữa.'],
] as const;
const ANSWERS = [
  'Cơ quan đã kiểm tra, hồ sơ của ông/bà đã có kết quả; mời ông/bà đến Bộ phận Một cửa nhận kết quả. Cơ quan xin lỗi vì sự chậm trễ.',
  'Cơ quan đã kiểm điểm bộ phận liên quan và hẹn lại ngày trả kết quả; thư xin lỗi đã được gửi tới ông/bà.',
  'Trung tâm đã bố trí thêm quầy tiếp nhận vào buổi sáng các ngày thứ Hai và thứ Sáu.',
  'Trung tâm tiếp thu ý kiến và đã sửa chữa, đưa thiết bị vào hoạt động trở lại.',
] as const;

/**
 * About thirty feedback over the demo's last six weeks, through the real use cases on the seed's clock: most answered
 * and published within their deadlines, some answered late, a few refused or still open (one of them overdue), liked
 * or disliked, one complaint repeating another. So the inbox, the public answers and indicators 5.2–5.4 have data.
 */
export async function seedFeedbackDemo(x: FeedbackDemoInput): Promise<{ filed: number; published: number }> {
  const { services, rng, calendar } = x;
  let filed = 0;
  let published = 0;
  // A repeat names an answer already published (what a citizen can see and complain of again).
  let previous: string | null = null;
  const start = new Date(x.until.getTime() - 42 * 86_400_000);
  const count = 30;
  for (let i = 0; i < count; i++) {
    let now = new Date(start.getTime() + Math.round((i / count) * 40 * 86_400_000) + Math.floor(rng() * 6) * 3_600_000);
    x.setNow(now);
    const onDossier = i % 3 !== 2 && x.lateDossiers.length > 0;
    const d = onDossier ? pick(rng, x.lateDossiers) : null;
    const p = pick(rng, x.points);
    const [title, content] = d ? pick(rng, ABOUT_DOSSIER) : pick(rng, ABOUT_POINT);
    const phone = `09${String(Math.floor(rng() * 100_000_000)).padStart(8, '0')}`;
    const input: Omit<FeedbackInput, 'channel'> = {
      subject: d ? { kind: 'dossier' as const, dossierCode: d.code } : { kind: 'unit' as const, unitId: p.id },
      title,
      content,
      sender: { name: pick(rng, ['Nguyễn Văn Hùng', 'Trần Thị Lan', 'Lê Minh Tuấn', 'Phạm Thu Hà', 'Vũ Đức Long']), phone },
      ...(i % 10 === 7 && previous ? { repeatOf: previous } : {}),
    };
    // Most from the portal; some by the hotline, recorded by the point's clerk.
    const f =
      i % 4 === 3
        ? await services.feedback.record(x.actor(d?.receivingUnitId ?? p.id, 'clerk'), { ...input, channel: 'hotline' })
        : d
          ? // From the dossier's tracking page, opened by the receipt's QR code.
            await services.feedback.filePublic(
              { ...input, channel: 'tracking', tracking: { token: d.trackingToken } },
              { client: 'demo-generator' },
            )
          : await services.feedback.filePublic({ ...input, channel: 'portal' }, { client: 'demo-generator' });
    filed++;
    const code: string = f.code;
    const competent: number = f.unitId;
    // An agency's specialist drafts and its leader answers; at a service point its manager does both.
    const atPoint = x.points.some((q) => q.id === competent);
    const specialist = x.actor(competent, atPoint ? 'manager' : 'specialist');
    const leader = x.actor(competent, atPoint ? 'manager' : 'approver');
    const fate = rng();
    // The last few stay open: waiting in the inbox, one of them already past its refusal deadline.
    if (i >= count - 4) continue;
    // A step that would fall after the demo's end is not taken: the feedback waits there, as it would today.
    const later = (workingDays: number) => {
      now = calendar.addWorkingMs(now, Math.max(1, Math.round(workingDays * 8 * 3_600_000)));
      x.setNow(now);
      return now < x.until;
    };
    // An answer about the subject: a dossier's delay, or the point's premises and service.
    const answer = d ? pick(rng, ANSWERS.slice(0, 2)) : pick(rng, ANSWERS.slice(2));
    if (fate < 0.1) {
      if (!later(1)) continue;
      await services.feedback.act(leader, code, 'refuse', { reason: 'Nội dung phản ánh không thuộc thẩm quyền giải quyết của cơ quan' });
      continue;
    }
    if (!later(0.5 + rng())) continue;
    await services.feedback.act(specialist, code, 'assign', {});
    const late = fate > 0.85;
    if (!later(late ? 16 + rng() * 4 : 3 + rng() * 8)) continue;
    if (atPoint) await services.feedback.act(leader, code, 'answer', { answer });
    else {
      await services.feedback.act(specialist, code, 'draft', { answer });
      if (!later(0.3)) continue;
      await services.feedback.act(leader, code, 'answer', {});
    }
    if (!later(late ? 3 : 0.5 + rng())) continue;
    await services.feedback.act(leader, code, 'publish', {});
    published++;
    previous = code;
    // Readers' reactions: mostly liked, the late ones disliked.
    const voters = 1 + Math.floor(rng() * 5);
    for (let v = 0; v < voters; v++)
      await services.feedback.react(code, late || rng() < 0.15 ? 'dislike' : 'like', { client: `demo-reader-${i}-${v}` });
  }
  return { filed, published };
}
