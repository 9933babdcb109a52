import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Signed links sent to takedown requesters and source contacts. A token is
 * `base64url(payload).base64url(HMAC-SHA256(secret, payload))` with payload
 * `{ r: requestId, p: purpose, n: nonce, e: expiry ms }`. The signature stops forgery and
 * tampering; the nonce is stored only hashed on the request and consumed atomically, so a
 * token works once (replay fails) and a leaked database gives no usable links.
 */
export type LinkPurpose = 'confirm' | 'counter' | 'status';

export interface LinkPayload {
  r: string;
  p: LinkPurpose;
  n: string;
  e: number;
}

export type LinkErrorCode = 'TOKEN_INVALID' | 'TOKEN_EXPIRED' | 'TOKEN_USED';

export class LinkError extends Error {
  constructor(
    public readonly code: LinkErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'LinkError';
  }
}

const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64url');
const mac = (secret: string, body: string) => createHmac('sha256', secret).update(`newsline-takedown-link\n${body}`).digest();

export const hashNonce = (nonce: string) => createHash('sha256').update(nonce).digest('hex');

/** A fresh link; `nonceHash` is what the request stores. Status links never expire and are not single-use. */
export function signLink(
  secret: string,
  requestId: string,
  purpose: LinkPurpose,
  expiresAt: Date | undefined,
): { token: string; nonceHash: string } {
  const n = purpose === 'status' ? '' : randomBytes(16).toString('base64url');
  const body = b64(JSON.stringify({ r: requestId, p: purpose, n, e: expiresAt?.getTime() ?? 0 } satisfies LinkPayload));
  return { token: `${body}.${b64(mac(secret, body))}`, nonceHash: hashNonce(n) };
}

/** Checks signature, purpose and expiry (not single use: the caller's atomic update does that). */
export function verifyLink(secret: string, token: string, purpose: LinkPurpose, now = Date.now()): LinkPayload {
  const [body, sig, extra] = token.trim().split('.');
  if (!body || !sig || extra !== undefined || token.length > 1000) throw new LinkError('TOKEN_INVALID', 'malformed link');
  const want = mac(secret, body);
  const got = Buffer.from(sig, 'base64url');
  if (got.length !== want.length || !timingSafeEqual(got, want)) throw new LinkError('TOKEN_INVALID', 'link signature does not match');
  let p: LinkPayload;
  try {
    p = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as LinkPayload;
  } catch {
    throw new LinkError('TOKEN_INVALID', 'malformed link');
  }
  if (typeof p.r !== 'string' || typeof p.n !== 'string' || typeof p.e !== 'number') throw new LinkError('TOKEN_INVALID', 'malformed link');
  if (p.p !== purpose) throw new LinkError('TOKEN_INVALID', `not a ${purpose} link`);
  if (p.e && p.e < now) throw new LinkError('TOKEN_EXPIRED', 'link expired');
  return p;
}
