import { createHmac, timingSafeEqual } from 'node:crypto';
import Mustache from 'mustache';
import { DomainError } from '../platform/errors.js';

/** What a citizen is told of: one kind per notable action of a dossier. */
export const NOTICE_KINDS = [
  'received',
  'submitted',
  'supplement',
  'payment',
  'apology',
  'result',
  'returned',
  'refused',
  'stopped',
  'feedback_answered',
  'feedback_refused',
  'feedback_info',
] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];
export type NoticeChannel = 'sms' | 'email';
export type NoticeLang = 'vi' | 'en';
export const NOTICE_CHANNELS: readonly NoticeChannel[] = ['sms', 'email'];
export const NOTICE_LANGS: readonly NoticeLang[] = ['vi', 'en'];

/**
 * The dossier actions that make a notice, and its kind. The same list is the SQL text of NOTICE_QUEUE_CTE
 * (dossier.repository.ts); a test compares them. flag_late is not one: the citizen's notice of a delay is the
 * apology with its new date (form 04), which staff issue once the flag shows them the dossier.
 */
export const NOTICE_ACTIONS: Readonly<Record<string, NoticeKind>> = {
  receive: 'received',
  submit_online: 'submitted',
  request_supplement: 'supplement',
  request_payment: 'payment',
  apologize: 'apology',
  result: 'result',
  return: 'returned',
  refuse: 'refused',
  stop: 'stopped',
};

const FEEDBACK_VARS = ['code', 'title', 'unit', 'note', 'followUrl'] as const;

/** The feedback outcomes a sender is told of, and their notice kind. */
export const FEEDBACK_NOTICES: Readonly<Record<string, NoticeKind>> = {
  answered: 'feedback_answered',
  refused: 'feedback_refused',
  info_requested: 'feedback_info',
};

/** Every kind's variables: the common ones, then its own. */
const COMMON_VARS = ['code', 'procedure', 'point', 'trackingUrl'] as const;
export const KIND_VARS: Readonly<Record<NoticeKind, readonly string[]>> = {
  received: [...COMMON_VARS, 'dueDate'],
  submitted: [...COMMON_VARS],
  supplement: [...COMMON_VARS, 'note', 'returnPoint', 'returnAddress'],
  payment: [...COMMON_VARS, 'amount', 'returnPoint'],
  apology: [...COMMON_VARS, 'newDate', 'note'],
  result: [...COMMON_VARS, 'returnPoint', 'returnAddress'],
  returned: [...COMMON_VARS, 'date'],
  refused: [...COMMON_VARS, 'note'],
  stopped: [...COMMON_VARS, 'note'],
  // Feedback (PAKN): its code and title, the competent unit, what the sender is told, where they follow it.
  feedback_answered: FEEDBACK_VARS,
  feedback_refused: FEEDBACK_VARS,
  feedback_info: FEEDBACK_VARS,
};

/** Longest SMS: 5 Unicode segments of 67 characters (Vietnamese with diacritics goes as UCS-2). */
export const SMS_MAX_CHARS = 335;
export const EMAIL_SUBJECT_MAX = 200;
export const EMAIL_BODY_MAX = 5000;

export interface NoticeText {
  subject: string | null;
  body: string;
}

type Defaults = Record<NoticeKind, Record<NoticeLang, { sms: string; subject: string; email: string }>>;

/** The texts used when an administrator has written none (notice_templates). SMS texts stay short: no opt-out line. */
export const DEFAULT_TEMPLATES: Defaults = {
  received: {
    vi: {
      sms: 'Hồ sơ {{code}} đã được tiếp nhận tại {{point}}. Ngày hẹn trả kết quả: {{dueDate}}. Tra cứu: {{trackingUrl}}',
      subject: 'Hồ sơ {{code}} đã được tiếp nhận',
      email:
        'Hồ sơ {{code}} ({{procedure}}) đã được tiếp nhận tại {{point}}.\nNgày hẹn trả kết quả: {{dueDate}}.\nTra cứu tình trạng hồ sơ: {{trackingUrl}}',
    },
    en: {
      sms: 'Dossier {{code}} was received at {{point}}. Result due on {{dueDate}}. Track it: {{trackingUrl}}',
      subject: 'Dossier {{code}} received',
      email: 'Dossier {{code}} ({{procedure}}) was received at {{point}}.\nThe result is due on {{dueDate}}.\nTrack it: {{trackingUrl}}',
    },
  },
  submitted: {
    vi: {
      sms: 'Hồ sơ {{code}} đã được nộp trực tuyến, đang chờ {{point}} tiếp nhận. Tra cứu: {{trackingUrl}}',
      subject: 'Đã nhận hồ sơ nộp trực tuyến {{code}}',
      email:
        'Hồ sơ {{code}} ({{procedure}}) đã được nộp trực tuyến và đang chờ {{point}} tiếp nhận. Ngày hẹn trả kết quả sẽ được báo khi hồ sơ được tiếp nhận.\nTra cứu tình trạng hồ sơ: {{trackingUrl}}',
    },
    en: {
      sms: 'Dossier {{code}} was filed online and awaits receipt by {{point}}. Track it: {{trackingUrl}}',
      subject: 'Online dossier {{code}} filed',
      email:
        'Dossier {{code}} ({{procedure}}) was filed online and awaits receipt by {{point}}. You will be told the due date once it is received.\nTrack it: {{trackingUrl}}',
    },
  },
  supplement: {
    vi: {
      sms: 'Hồ sơ {{code}} cần bổ sung: {{note}}. Nộp bổ sung tại {{returnPoint}}, {{returnAddress}}. Tra cứu: {{trackingUrl}}',
      subject: 'Hồ sơ {{code}} cần bổ sung, hoàn thiện',
      email:
        'Hồ sơ {{code}} ({{procedure}}) cần bổ sung, hoàn thiện.\nNội dung cần bổ sung: {{note}}\nNơi nộp bổ sung: {{returnPoint}}, {{returnAddress}}.\nThời gian chờ bổ sung không tính vào thời hạn giải quyết.\nTra cứu: {{trackingUrl}}',
    },
    en: {
      sms: 'Dossier {{code}} needs a supplement: {{note}}. Bring it to {{returnPoint}}, {{returnAddress}}. Track it: {{trackingUrl}}',
      subject: 'Dossier {{code}} needs a supplement',
      email:
        'Dossier {{code}} ({{procedure}}) needs a supplement.\nWhat is missing: {{note}}\nWhere to bring it: {{returnPoint}}, {{returnAddress}}.\nThe waiting time is not counted against the time limit.\nTrack it: {{trackingUrl}}',
    },
  },
  payment: {
    vi: {
      sms: 'Hồ sơ {{code}} cần nộp {{amount}} phí, lệ phí. Thanh toán trực tuyến: {{trackingUrl}} hoặc tại {{returnPoint}}.',
      subject: 'Hồ sơ {{code}}: đề nghị nộp phí, lệ phí',
      email:
        'Hồ sơ {{code}} ({{procedure}}) cần thực hiện nghĩa vụ tài chính: {{amount}}.\nCách nộp: thanh toán trực tuyến tại {{trackingUrl}} hoặc nộp trực tiếp tại {{returnPoint}}.',
    },
    en: {
      sms: 'Dossier {{code}}: please pay {{amount}} in fees. Pay online: {{trackingUrl}} or at {{returnPoint}}.',
      subject: 'Dossier {{code}}: fees to pay',
      email:
        'Dossier {{code}} ({{procedure}}) has fees to pay: {{amount}}.\nHow to pay: online at {{trackingUrl}} or in person at {{returnPoint}}.',
    },
  },
  apology: {
    vi: {
      sms: 'Xin lỗi: hồ sơ {{code}} chưa giải quyết kịp hạn. Ngày hẹn trả kết quả mới: {{newDate}}. Tra cứu: {{trackingUrl}}',
      subject: 'Thư xin lỗi và hẹn lại ngày trả kết quả hồ sơ {{code}}',
      email:
        'Chúng tôi xin lỗi vì hồ sơ {{code}} ({{procedure}}) chưa được giải quyết đúng hạn.\nLý do: {{note}}\nNgày hẹn trả kết quả mới: {{newDate}}.\nTra cứu: {{trackingUrl}}',
    },
    en: {
      sms: 'We apologize: dossier {{code}} is delayed. New result date: {{newDate}}. Track it: {{trackingUrl}}',
      subject: 'Apology and new return date for dossier {{code}}',
      email:
        'We apologize that dossier {{code}} ({{procedure}}) was not handled in time.\nReason: {{note}}\nThe new result date is {{newDate}}.\nTrack it: {{trackingUrl}}',
    },
  },
  result: {
    vi: {
      sms: 'Hồ sơ {{code}} đã có kết quả. Mời nhận tại {{returnPoint}}, {{returnAddress}}. Tra cứu: {{trackingUrl}}',
      subject: 'Hồ sơ {{code}} đã có kết quả',
      email:
        'Hồ sơ {{code}} ({{procedure}}) đã có kết quả giải quyết.\nNơi nhận kết quả: {{returnPoint}}, {{returnAddress}}.\nBản điện tử của kết quả đã được lưu vào kho dữ liệu của bạn.\nTra cứu: {{trackingUrl}}',
    },
    en: {
      sms: 'The result of dossier {{code}} is ready. Collect it at {{returnPoint}}, {{returnAddress}}. Track it: {{trackingUrl}}',
      subject: 'The result of dossier {{code}} is ready',
      email:
        'The result of dossier {{code}} ({{procedure}}) is ready.\nCollect it at {{returnPoint}}, {{returnAddress}}.\nIts electronic copy is in your document store.\nTrack it: {{trackingUrl}}',
    },
  },
  returned: {
    vi: {
      sms: 'Hồ sơ {{code}} đã trả kết quả ngày {{date}}. Cảm ơn bạn đã sử dụng dịch vụ. Đánh giá: {{trackingUrl}}',
      subject: 'Hồ sơ {{code}} đã trả kết quả',
      email: 'Kết quả của hồ sơ {{code}} ({{procedure}}) đã được trả ngày {{date}}.\nMời bạn đánh giá mức độ hài lòng tại {{trackingUrl}}',
    },
    en: {
      sms: 'The result of dossier {{code}} was returned on {{date}}. Thank you. Rate us: {{trackingUrl}}',
      subject: 'Dossier {{code}}: result returned',
      email: 'The result of dossier {{code}} ({{procedure}}) was returned on {{date}}.\nPlease rate the service: {{trackingUrl}}',
    },
  },
  refused: {
    vi: {
      sms: 'Hồ sơ {{code}} bị từ chối tiếp nhận. Lý do: {{note}}. Tra cứu: {{trackingUrl}}',
      subject: 'Hồ sơ {{code}} bị từ chối tiếp nhận',
      email: 'Hồ sơ {{code}} ({{procedure}}) bị từ chối tiếp nhận tại {{point}}.\nLý do: {{note}}\nTra cứu: {{trackingUrl}}',
    },
    en: {
      sms: 'Dossier {{code}} was refused. Reason: {{note}}. Track it: {{trackingUrl}}',
      subject: 'Dossier {{code}} refused',
      email: 'Dossier {{code}} ({{procedure}}) was refused at {{point}}.\nReason: {{note}}\nTrack it: {{trackingUrl}}',
    },
  },
  stopped: {
    vi: {
      sms: 'Hồ sơ {{code}} đã dừng xử lý. Lý do: {{note}}. Tra cứu: {{trackingUrl}}',
      subject: 'Thông báo dừng xử lý hồ sơ {{code}}',
      email: 'Việc giải quyết hồ sơ {{code}} ({{procedure}}) đã dừng.\nLý do: {{note}}\nTra cứu: {{trackingUrl}}',
    },
    en: {
      sms: 'Processing of dossier {{code}} was stopped. Reason: {{note}}. Track it: {{trackingUrl}}',
      subject: 'Processing of dossier {{code}} stopped',
      email: 'Processing of dossier {{code}} ({{procedure}}) was stopped.\nReason: {{note}}\nTrack it: {{trackingUrl}}',
    },
  },
  // The SMS names the feedback and the page where it is followed; the e-mail carries the text itself.
  feedback_answered: {
    vi: {
      sms: 'Phản ánh, kiến nghị {{code}} đã được {{unit}} trả lời. Xem nội dung trả lời: {{followUrl}}',
      subject: 'Trả lời phản ánh, kiến nghị {{code}}',
      email:
        'Phản ánh, kiến nghị {{code}} ("{{title}}") đã được {{unit}} trả lời:\n\n{{note}}\n\nTheo dõi phản ánh (cần mã bí mật đã nhận khi gửi): {{followUrl}}',
    },
    en: {
      sms: 'Feedback {{code}} was answered by {{unit}}. Read the answer: {{followUrl}}',
      subject: 'Answer to your feedback {{code}}',
      email:
        'Your feedback {{code}} ("{{title}}") was answered by {{unit}}:\n\n{{note}}\n\nFollow it (with the secret you were given when sending it): {{followUrl}}',
    },
  },
  feedback_refused: {
    vi: {
      sms: 'Phản ánh, kiến nghị {{code}} không được {{unit}} thụ lý. Lý do: {{note}}. Chi tiết: {{followUrl}}',
      subject: 'Phản ánh, kiến nghị {{code}} không được thụ lý',
      email: 'Phản ánh, kiến nghị {{code}} ("{{title}}") không được {{unit}} thụ lý.\nLý do: {{note}}\n\nTheo dõi phản ánh: {{followUrl}}',
    },
    en: {
      sms: 'Feedback {{code}} was not taken up by {{unit}}. Reason: {{note}}. Details: {{followUrl}}',
      subject: 'Feedback {{code}} not taken up',
      email: 'Your feedback {{code}} ("{{title}}") was not taken up by {{unit}}.\nReason: {{note}}\n\nFollow it: {{followUrl}}',
    },
  },
  feedback_info: {
    vi: {
      sms: '{{unit}} đề nghị bổ sung thông tin cho phản ánh {{code}}. Xem và trả lời tại: {{followUrl}}',
      subject: 'Đề nghị bổ sung thông tin cho phản ánh {{code}}',
      email:
        '{{unit}} đề nghị bổ sung thông tin cho phản ánh, kiến nghị {{code}} ("{{title}}"):\n\n{{note}}\n\nTrả lời tại (cần mã bí mật đã nhận khi gửi): {{followUrl}}',
    },
    en: {
      sms: '{{unit}} asks for more information on feedback {{code}}. Read and reply: {{followUrl}}',
      subject: 'More information asked on feedback {{code}}',
      email:
        '{{unit}} asks for more information on your feedback {{code}} ("{{title}}"):\n\n{{note}}\n\nReply there (with the secret you were given when sending it): {{followUrl}}',
    },
  },
};

/** The default text of a (kind, channel, lang). */
export function defaultTemplate(kind: NoticeKind, channel: NoticeChannel, lang: NoticeLang): NoticeText {
  const d = DEFAULT_TEMPLATES[kind][lang];
  return channel === 'sms' ? { subject: null, body: d.sms } : { subject: d.subject, body: d.email };
}

/** Values long enough to show a template that would overflow an SMS with real data (and for the preview). */
export const SAMPLE_VARS: Readonly<Record<string, string>> = {
  code: '000.00.00.H55-261206-0001',
  procedure: 'Cấp bản sao trích lục hộ tịch',
  point: 'Trung tâm Phục vụ hành chính công tỉnh',
  trackingUrl: 'https://dichvucong.example.gov.vn/tra-cuu/000.00.00.H55-261206-0001#ABCDEFGHJKLM',
  dueDate: '08/12/2026',
  note: 'Bản sao giấy khai sinh có chứng thực',
  returnPoint: 'Trung tâm Phục vụ hành chính công tỉnh',
  returnAddress: '1 Đường Trần Hưng Đạo, phường Hoa Lư',
  amount: '50.000 đồng',
  newDate: '15/12/2026',
  date: '10/12/2026',
  title: 'Hồ sơ của tôi chậm trả kết quả so với giấy hẹn',
  unit: 'Ủy ban nhân dân xã Quỳnh Lưu',
  followUrl: 'https://dichvucong.example.gov.vn/phan-anh?ma=PAKN-261206-0001',
};

// Text notices: no HTML escaping (the HTML part is built from the text, escaped there).
const PLAIN = { escape: (s: unknown) => String(s) };

/** Renders a template with a notice's values (plain text). */
export function renderText(template: string, vars: Record<string, string>): string {
  return Mustache.render(template, vars, undefined, PLAIN);
}

function invalid(message: string, field: string, reason: string, details: Record<string, unknown> = {}): DomainError {
  return new DomainError('VALIDATION', message, { field, details: { reason, ...details } });
}

/** The variables a template uses; refuses sections, partials and unknown variables, naming the field. */
function checkTokens(template: string, kind: NoticeKind, field: string): void {
  let tokens: unknown[];
  try {
    tokens = Mustache.parse(template);
  } catch (e) {
    throw invalid(`${field}: the template cannot be read (${(e as Error).message})`, field, 'syntax');
  }
  const known = KIND_VARS[kind];
  for (const t of tokens as [string, string][]) {
    const [type, value] = t;
    if (type === 'text' || type === '!') continue;
    if (type !== 'name' && type !== '&' && type !== '{')
      throw invalid(`${field}: only {{variables}} may be used (no sections, partials or delimiter changes)`, field, 'unsupported_tag', {
        tag: type,
      });
    if (!known.includes(value))
      throw invalid(
        `${field}: {{${value}}} is not a variable of a ${kind} notice (known: ${known.join(', ')})`,
        field,
        'unknown_variable',
        {
          variable: value,
          known,
        },
      );
  }
}

/** Validates an administrator's template: known variables for its kind, and lengths (an SMS rendered with long sample values). */
export function validateTemplate(kind: NoticeKind, channel: NoticeChannel, t: NoticeText): void {
  checkTokens(t.body, kind, 'body.body');
  if (channel === 'sms') {
    if (t.subject != null) throw invalid('body.subject: an SMS has no subject', 'body.subject', 'not_allowed');
    const n = renderText(t.body, SAMPLE_VARS).length;
    if (n > SMS_MAX_CHARS)
      throw invalid(`body.body: the SMS would be ${n} characters with real values; at most ${SMS_MAX_CHARS}`, 'body.body', 'too_long', {
        length: n,
        max: SMS_MAX_CHARS,
      });
    return;
  }
  if (!t.subject?.trim()) throw invalid('body.subject: an e-mail needs a subject', 'body.subject', 'required');
  checkTokens(t.subject, kind, 'body.subject');
  const s = renderText(t.subject, SAMPLE_VARS).length;
  if (s > EMAIL_SUBJECT_MAX)
    throw invalid(`body.subject: the subject would be ${s} characters; at most ${EMAIL_SUBJECT_MAX}`, 'body.subject', 'too_long', {
      length: s,
      max: EMAIL_SUBJECT_MAX,
    });
  const b = renderText(t.body, SAMPLE_VARS).length;
  if (b > EMAIL_BODY_MAX)
    throw invalid(`body.body: the e-mail would be ${b} characters; at most ${EMAIL_BODY_MAX}`, 'body.body', 'too_long', {
      length: b,
      max: EMAIL_BODY_MAX,
    });
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The e-mail's text and HTML parts: the rendered body, then the opt-out link (Vietnamese first, English second). */
export function emailParts(body: string, optOutUrl: string): { text: string; html: string } {
  const footer = `Không muốn nhận thư thông báo nữa / Stop these e-mails: ${optOutUrl}`;
  const text = `${body}\n\n--\n${footer}`;
  const paragraphs = body
    .split('\n')
    .map((line) => `<p>${escapeHtml(line).replace(/(https?:\/\/[^\s<]+)/g, (u) => `<a href="${u}">${u}</a>`)}</p>`)
    .join('\n');
  const html = `<!doctype html>\n<html><body>\n${paragraphs}\n<hr>\n<p style="font-size:small"><a href="${escapeHtml(optOutUrl)}">Không muốn nhận thư thông báo nữa / Stop these e-mails</a></p>\n</body></html>`;
  return { text, html };
}

/** The address as compared: a phone in its 0xxxxxxxxx form, an e-mail in lower case. */
export function normalizeAddress(channel: NoticeChannel, address: string): string {
  if (channel === 'email') return address.trim().toLowerCase();
  const p = address.replace(/[\s.-]/g, '');
  return p.startsWith('+84') ? `0${p.slice(3)}` : p;
}

/** The opt-out key of an address: a keyed digest (a bare hash of a phone number is reversed by trying them all). */
export function addressDigest(secret: string, channel: NoticeChannel, address: string): string {
  return createHmac('sha256', secret)
    .update(`optout:${channel}:${normalizeAddress(channel, address)}`)
    .digest('hex');
}

/** Masks an e-mail: "n***@example.com". */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  return `${email[0]}***${email.slice(at)}`;
}

/** What an opt-out link proves: the channel and the address's digest. */
export interface OptOutClaim {
  channel: NoticeChannel;
  digest: string;
  /** The notification it came with (for the audit). */
  notificationId: number;
}

const b64 = (s: string) => Buffer.from(s).toString('base64url');

/** The signed token of an e-mail's opt-out link. */
export function optOutToken(secret: string, claim: OptOutClaim): string {
  const payload = b64(JSON.stringify([claim.channel, claim.digest, claim.notificationId]));
  const sig = createHmac('sha256', secret).update(`optout-token:${payload}`).digest('base64url');
  return `${payload}.${sig}`;
}

/** The claim of a token, or null when it is not one of ours. */
export function readOptOutToken(secret: string, token: string): OptOutClaim | null {
  const [payload, sig, extra] = token.split('.');
  if (!payload || !sig || extra !== undefined) return null;
  const want = createHmac('sha256', secret).update(`optout-token:${payload}`).digest();
  const got = Buffer.from(sig, 'base64url');
  if (got.length !== want.length || !timingSafeEqual(got, want)) return null;
  try {
    const [channel, digest, id] = JSON.parse(Buffer.from(payload, 'base64url').toString()) as [string, string, number];
    if ((channel !== 'sms' && channel !== 'email') || typeof digest !== 'string' || !Number.isInteger(id)) return null;
    return { channel, digest, notificationId: id };
  } catch {
    return null;
  }
}

/** The signature of an SMS delivery report's callback URL: binds it to one message (its RequestId). */
export function reportSignature(secret: string, requestId: string): string {
  return createHmac('sha256', secret).update(`sms-report:${requestId}`).digest('hex');
}

/** Whether a delivery report's signature is right (constant time). */
export function reportSignatureValid(secret: string, requestId: string, sig: string): boolean {
  const want = Buffer.from(reportSignature(secret, requestId), 'hex');
  const got = Buffer.from(/^[0-9a-f]{64}$/.test(sig) ? sig : '', 'hex');
  return got.length === want.length && timingSafeEqual(got, want);
}

/**
 * The delay before the next attempt of a send that failed after `attempts` tries: the next run after the first (a
 * blip), then 5 s doubling, at most 10 minutes.
 */
export function retryDelayMs(attempts: number): number {
  if (attempts <= 1) return 0;
  return Math.min(5_000 * 2 ** (attempts - 2), 600_000);
}

/** Attempts before a notice is given up (its last error kept). */
export const MAX_ATTEMPTS = 5;

/** A notice's status as staff see it. */
export function noticeStatus(n: {
  sent_at: Date | null;
  cancelled_at: Date | null;
  skipped_reason: string | null;
  delivery_status: string | null;
  attempts: number;
}): 'queued' | 'sent' | 'delivered' | 'failed' | 'skipped_opted_out' | 'cancelled' {
  if (n.skipped_reason === 'opted_out') return 'skipped_opted_out';
  if (n.cancelled_at) return 'cancelled';
  if (n.delivery_status === 'delivered') return 'delivered';
  if (n.delivery_status === 'failed') return 'failed';
  if (n.sent_at) return 'sent';
  if (n.attempts >= MAX_ATTEMPTS) return 'failed';
  return 'queued';
}
