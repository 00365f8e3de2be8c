import { SMS_ACCEPTED, SMS_SEND_PATH, type SmsSendRequest, type SmsSendResponse } from './sms.contract.js';
import type { SmsSender } from './notification.service.js';

export interface EsmsConfig {
  baseUrl: string;
  apiKey: string;
  secretKey: string;
  brandname: string;
  timeoutMs: number;
}

/**
 * The SMS adapter for a gateway of the eSMS.vn contract (sms.contract.ts). Each message carries our RequestId, so a
 * retry after a lost answer or a crash is sent once by the gateway, which answers with the same SMSID.
 */
export class EsmsSmsSender implements SmsSender {
  readonly name = 'esms';
  constructor(private readonly c: EsmsConfig) {}

  async send(to: string, body: string, meta?: { requestId: string; callbackUrl?: string }): Promise<{ providerId: string }> {
    const req: SmsSendRequest = {
      ApiKey: this.c.apiKey,
      SecretKey: this.c.secretKey,
      Phone: to,
      Content: body,
      Brandname: this.c.brandname,
      SmsType: '2',
      IsUnicode: /[^\x00-\x7f]/.test(body) ? '1' : '0',
      Sandbox: '0',
      RequestId: meta?.requestId ?? '',
      CallbackUrl: meta?.callbackUrl ?? '',
    };
    const r = await fetch(new URL(SMS_SEND_PATH, this.c.baseUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(req),
      signal: AbortSignal.timeout(this.c.timeoutMs),
    });
    if (!r.ok) throw new Error(`sms gateway answered HTTP ${r.status}`);
    const a = (await r.json()) as SmsSendResponse;
    if (a.CodeResult !== SMS_ACCEPTED || !a.SMSID) throw new Error(`sms gateway refused the message: CodeResult ${a.CodeResult}`);
    return { providerId: a.SMSID };
  }
}
