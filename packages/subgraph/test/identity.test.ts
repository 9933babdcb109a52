import { MAX_SKEW_MS, SIGN_WINDOW_MS, signIdentity, verifyIdentity, type Identity } from '../src/identity';

const SECRET = 'identity-test-secret-0123456789abcdef';
const reader: Identity = { sub: 'key:r', role: 'reader', anonymous: false };
const admin: Identity = { sub: 'key:a', role: 'admin', anonymous: false };
const T = 1_800_000_000_000; // a window boundary (a multiple of 30 s)

describe('signed identity header', () => {
  it('is the same for one principal within a signing window, so upstream sockets can be shared', () => {
    const h = signIdentity(SECRET, reader, T);
    expect(signIdentity(SECRET, reader, T + SIGN_WINDOW_MS - 1)).toBe(h);
    expect(signIdentity(SECRET, reader, T + SIGN_WINDOW_MS)).not.toBe(h);
    // Different principals never get the same header.
    expect(signIdentity(SECRET, admin, T)).not.toBe(h);
    expect(signIdentity(SECRET, { ...reader, anonymous: true }, T)).not.toBe(h);
  });

  it('stays valid for at least MAX_SKEW_MS - SIGN_WINDOW_MS after signing and at most MAX_SKEW_MS', () => {
    // Signed at the very end of a window: the shortest life.
    const late = signIdentity(SECRET, reader, T + SIGN_WINDOW_MS - 1);
    expect(verifyIdentity(SECRET, late, T + SIGN_WINDOW_MS - 1 + (MAX_SKEW_MS - SIGN_WINDOW_MS))).toEqual(reader);
    // Signed at the start of a window: the longest life, and not a millisecond more.
    const early = signIdentity(SECRET, reader, T);
    expect(verifyIdentity(SECRET, early, T + MAX_SKEW_MS)).toEqual(reader);
    expect(verifyIdentity(SECRET, early, T + MAX_SKEW_MS + 1)).toBeUndefined();
  });

  it('rejects a tampered payload, another secret, and garbage', () => {
    const h = signIdentity(SECRET, reader, T);
    const [payload, sig] = h.split('.');
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), role: 'admin' }),
    ).toString('base64url');
    expect(verifyIdentity(SECRET, `${forged}.${sig}`, T)).toBeUndefined();
    expect(verifyIdentity('another-secret-0123456789abcdefghij', h, T)).toBeUndefined();
    expect(verifyIdentity(SECRET, 'not-a-header', T)).toBeUndefined();
    expect(verifyIdentity(SECRET, undefined, T)).toBeUndefined();
  });
});
