import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { invalidTextField } from './http.js';

describe('invalidTextField', () => {
  it('accepts Vietnamese, emoji (a valid surrogate pair), tabs and line breaks', () => {
    expect(invalidTextField({ name: 'Nguyễn Văn An', note: 'Số 1\tngõ 2\r\nPhường Một 🏠' }, 'body')).toBeNull();
  });

  it.each([
    ['NUL', '\u0000'],
    ['a bell', 'a\u0007b'],
    ['an escape', '\u001b[31m'],
    ['a vertical tab', 'a\u000Bb'],
    ['a unit separator', '\u001F'],
    ['a lone high surrogate', 'x\uD83D'],
    ['a lone low surrogate', '\uDE00y'],
    ['two high surrogates', '\uD83D\uD83D'],
    ['U+FFFE', '\uFFFE'],
    ['U+FFFF', 'a\uFFFF'],
  ])('names the field holding %s', (_label, bad) => {
    expect(invalidTextField({ applicant: { name: 'An', address: bad } }, 'body')).toBe('body.applicant.address');
  });

  it('names array elements by index and bad keys with their bad characters as ?', () => {
    expect(invalidTextField({ components: [{ code: 'TK' }, { code: 'G\u0000S' }] }, 'body')).toBe('body.components.1.code');
    expect(invalidTextField({ ['na\u0000me']: 'An' }, 'body')).toBe('body.na?me');
    expect(invalidTextField('a\u0000', 'headers.idempotency-key')).toBe('headers.idempotency-key');
    expect(invalidTextField(undefined, 'body')).toBeNull();
    expect(invalidTextField(Buffer.from([0, 1, 2]), 'body')).toBeNull();
  });

  it('finds exactly the strings that are not well-formed or hold a refused control character', () => {
    const refused = (c: number) => (c <= 0x1f && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0xfffe || c === 0xffff;
    // Any UTF-16 code unit (so lone surrogates too), and often an emoji's valid pair or a kept whitespace.
    const unit = fc.oneof(
      fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
      fc.constantFrom('😀', '\t', '\n', '\r', 'ễ', '\uD83D', '\uDE00'),
    );
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 40 }), (s) => {
        const units = [...s].map((ch) => ch.codePointAt(0)!);
        const lone = units.some((c) => c >= 0xd800 && c <= 0xdfff); // spread keeps lone surrogates as one-unit strings
        const expected = lone || units.some(refused);
        expect(invalidTextField({ s }, 'q') === 'q.s').toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });
});
