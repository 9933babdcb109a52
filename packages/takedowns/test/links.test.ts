import { hashNonce, LinkError, signLink, verifyLink } from '../src/links';

const secret = 'test-secret-0123456789';
const id = '65a1b2c3d4e5f60718293a4b';
const later = new Date(Date.now() + 60_000);

const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e instanceof LinkError ? e.code : `untyped: ${String(e)}`;
  }
  return 'accepted';
};

describe('signed takedown links', () => {
  it('verifies its own link and stores only the nonce hash', () => {
    const { token, nonceHash } = signLink(secret, id, 'confirm', later);
    const p = verifyLink(secret, token, 'confirm');
    expect(p).toMatchObject({ r: id, p: 'confirm' });
    expect(hashNonce(p.n)).toBe(nonceHash);
    expect(token).not.toContain(nonceHash);
  });
  it('rejects tampered, forged, re-targeted, wrong-purpose and expired links with typed codes', () => {
    const { token } = signLink(secret, id, 'confirm', later);
    const [body, sig] = token.split('.');
    const payload = JSON.parse(Buffer.from(body!, 'base64url').toString()) as Record<string, unknown>;
    const other = Buffer.from(JSON.stringify({ ...payload, r: '65a1b2c3d4e5f60718293a4c' })).toString('base64url');
    expect(code(() => verifyLink(secret, `${other}.${sig}`, 'confirm'))).toBe('TOKEN_INVALID');
    expect(code(() => verifyLink(secret, `${body}.${sig!.slice(0, -2)}AA`, 'confirm'))).toBe('TOKEN_INVALID');
    expect(code(() => verifyLink('another-secret-0123456', token, 'confirm'))).toBe('TOKEN_INVALID');
    expect(code(() => verifyLink(secret, 'garbage', 'confirm'))).toBe('TOKEN_INVALID');
    expect(code(() => verifyLink(secret, token, 'counter'))).toBe('TOKEN_INVALID');
    const old = signLink(secret, id, 'confirm', new Date(Date.now() - 1)).token;
    expect(code(() => verifyLink(secret, old, 'confirm'))).toBe('TOKEN_EXPIRED');
  });
});
