import type { LoggerOptions } from 'pino';

/** Paths whose values are personal data or secrets: never written to logs. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["idempotency-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.token',
  '*.idNumber',
  '*.phone',
  '*.address',
  '*.applicantIdNumber',
  '*.applicantPhone',
  '*.applicantAddress',
  '*.applicant.idNumber',
  '*.applicant.phone',
  '*.applicant.address',
];

/** Removes query-string values from a logged URL (tracking look-ups carry phone digits there). */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  const keys = [...new Set(params.keys())];
  return `${url.slice(0, q)}?${keys.map((k) => `${k}=[redacted]`).join('&')}`;
}

/** Pino options: structured JSON, pretty on a terminal, personal data redacted centrally. */
export function loggerOptions(level: string, pretty = process.stdout.isTTY === true): LoggerOptions {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: {
      req(req: { id?: string; method?: string; url?: string; ip?: string }) {
        return { id: req.id, method: req.method, url: redactUrl(req.url ?? ''), ip: req.ip };
      },
    },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:standard', ignore: 'pid,hostname' } } } : {}),
  };
}
