import { createHmac, timingSafeEqual } from 'node:crypto';

export type SignatureCheck = 'valid' | 'missing' | 'invalid';

/** WebSub §8: `X-Hub-Signature: <method>=<hex HMAC of the body>`; these are the methods it names. */
const METHODS = new Set(['sha1', 'sha256', 'sha384', 'sha512']);

/** Checks a pushed body's signature against the subscription's secret. Pure; constant-time comparison. */
export function checkHubSignature(header: string | undefined, secret: string, body: Buffer): SignatureCheck {
  if (!header) return 'missing';
  const m = /^\s*(sha1|sha256|sha384|sha512)=([0-9a-f]+)\s*$/i.exec(header);
  if (!m || !METHODS.has(m[1]!.toLowerCase())) return 'invalid';
  const expected = createHmac(m[1]!.toLowerCase(), secret).update(body).digest();
  const given = Buffer.from(m[2]!, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected) ? 'valid' : 'invalid';
}
