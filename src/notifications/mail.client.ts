import nodemailer, { type Transporter } from 'nodemailer';

/** One e-mail notice. The Message-ID is the notification's own, so a resend is recognisably the same message. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
  /** The opt-out link (List-Unsubscribe). */
  unsubscribeUrl: string;
}

/** Delivers one e-mail; throws when the server refuses it (retried later). */
export interface MailSender {
  readonly name: string;
  send(m: MailMessage): Promise<{ providerId: string }>;
}

/** E-mail through an SMTP server (MOTCUA_SMTP_URL, e.g. smtp://user:pass@mail.example.vn:587), with nodemailer. */
export class SmtpMailSender implements MailSender {
  readonly name = 'smtp';
  private readonly transport: Transporter;
  constructor(
    url: string,
    private readonly from: string,
  ) {
    // Pooled: a few connections kept open and reused, since opening one costs a round of greetings (a local sink
    // such as smtp-server waits 100 ms before its greeting) while a message on an open one is a few milliseconds.
    this.transport = nodemailer.createTransport({ url, pool: true, maxConnections: 8, maxMessages: Infinity });
  }

  async send(m: MailMessage): Promise<{ providerId: string }> {
    await this.transport.sendMail({
      from: this.from,
      to: m.to,
      subject: m.subject,
      text: m.text,
      html: m.html,
      messageId: m.messageId,
      headers: { 'List-Unsubscribe': `<${m.unsubscribeUrl}>` },
    });
    return { providerId: m.messageId };
  }

  close(): void {
    this.transport.close();
  }
}
