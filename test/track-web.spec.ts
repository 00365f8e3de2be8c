import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TOKEN_ALPHABET, TOKEN_LENGTH, TOKEN_PATTERN, trackingToken } from '../src/tracking/tracking.model.js';
import { TRACKING_TOKEN, tokenFromHash, trackingHref } from '../web/src/pages/TrackPage.model.js';

describe('the tracking token, as the server draws it and the page reads it', () => {
  it('draws 12 characters of the 32-letter alphabet from random bytes, each byte giving one', () => {
    expect(TOKEN_ALPHABET).toHaveLength(32);
    expect(new Set(TOKEN_ALPHABET).size).toBe(32);
    expect(TOKEN_ALPHABET).not.toMatch(/[01IO]/);
    expect(trackingToken(new Uint8Array([0, 1, 31, 32, 33, 255, 8, 9, 10, 11, 12, 13]))).toBe('AB9AB9JKLMNP');
    expect(() => trackingToken(new Uint8Array(11))).toThrow('12 random bytes');
    fc.assert(
      fc.property(fc.uint8Array({ minLength: TOKEN_LENGTH, maxLength: TOKEN_LENGTH }), (bytes) => {
        const t = trackingToken(bytes);
        expect(t).toMatch(new RegExp(TOKEN_PATTERN));
        expect(t).toMatch(TRACKING_TOKEN);
        expect(tokenFromHash(`#${t.toLowerCase()}`)).toBe(t);
      }),
    );
  });

  it('reads the token from the fragment only when it is one, and builds the QR code’s link', () => {
    expect(tokenFromHash('#ABCDEFGHJKLM')).toBe('ABCDEFGHJKLM');
    expect(tokenFromHash('abcdefghjklm')).toBe('ABCDEFGHJKLM');
    for (const wrong of ['', '#', '#ABCDEFGHIJKL', '#ABCDEFGHJKL', '#ABCDEFGHJKLMN', '#ABCD-EFGH-JKLM', '#ABCDEFGHJKL0'])
      expect(tokenFromHash(wrong), wrong).toBeNull();
    expect(trackingHref('000.00.01.H40-250908-0001', 'ABCDEFGHJKLM')).toEqual({
      pathname: '/tra-cuu/000.00.01.H40-250908-0001',
      hash: '#ABCDEFGHJKLM',
    });
  });
});
