/** A dossier code as the API accepts it: <agency code>-<yymmdd>-<4-digit sequence>. */
export const TRACKING_CODE = /^[0-9A-Z.]+-[0-9]{6}-[0-9]{4}$/;

/** The tracking page of a dossier (what the receipt's QR code opens). */
export const trackingPath = (code: string): string => `/tra-cuu/${encodeURIComponent(code)}`;
