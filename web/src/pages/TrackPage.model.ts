/** A dossier code as the API accepts it: <agency code>-<yymmdd>-<4-digit sequence>. */
export const TRACKING_CODE = /^[0-9A-Z.]+-[0-9]{6}-[0-9]{4}$/;

/** A receipt's tracking token: 12 letters and digits without look-alikes (no 0/O, 1/I), in either case. */
export const TRACKING_TOKEN = /^[A-HJ-NP-Z2-9]{12}$/i;

/** The tracking page of a dossier (the form asks for the phone digits). */
export const trackingPath = (code: string): string => `/tra-cuu/${encodeURIComponent(code)}`;

/** What the receipt's QR code opens: the token in the fragment, which the browser never sends to a server. */
export const trackingHref = (code: string, token: string): { pathname: string; hash: string } => ({
  pathname: trackingPath(code),
  hash: `#${token}`,
});

/** The token in a location's fragment ('#ABCD…'), upper-cased; null when there is none or it is not a token. */
export function tokenFromHash(hash: string): string | null {
  const t = hash.replace(/^#/, '').trim();
  return TRACKING_TOKEN.test(t) ? t.toUpperCase() : null;
}
