import { createHmac, timingSafeEqual } from 'node:crypto';

export const ROLES = ['reader', 'editor', 'admin'] as const;
export type Role = (typeof ROLES)[number];
const RANK: Record<Role, number> = { reader: 1, editor: 2, admin: 3 };

/** Who is calling, as established by the gateway. `anonymous` callers carry the configured anonymous role. */
export interface Identity {
  sub: string;
  role: Role;
  anonymous: boolean;
}

/** The header the gateway sets on every subgraph request; subgraphs trust nothing else. */
export const IDENTITY_HEADER = 'x-newsline-identity';
/** Signed identities older (or newer) than this are rejected: a captured header cannot be replayed for long. */
export const MAX_SKEW_MS = 60_000;

export function hasRole(role: Role | undefined, needed: readonly string[]): boolean {
  if (needed.length === 0) return role !== undefined;
  if (!role) return false;
  // Roles are ordered: admin may do what an editor may do, an editor what a reader may do.
  return needed.some((n) => n in RANK && RANK[role] >= RANK[n as Role]);
}

function mac(secret: string, payload: string): Buffer {
  return createHmac('sha256', secret).update(payload).digest();
}

/**
 * Signing time is rounded down to this window, so one principal gets the same header for the
 * whole window: the gateway's upstream websockets are keyed by their connectionParams and can be
 * shared only if the header does not change per request. With MAX_SKEW_MS a header stays valid
 * at least MAX_SKEW_MS - SIGN_WINDOW_MS (30 s) and at most MAX_SKEW_MS (60 s) after it is made.
 */
export const SIGN_WINDOW_MS = 30_000;

/** `<base64url(JSON{sub,role,anonymous,ts})>.<base64url(HMAC-SHA256)>`: the timestamp is inside the MAC. */
export function signIdentity(secret: string, id: Identity, now = Date.now()): string {
  const ts = now - (now % SIGN_WINDOW_MS);
  const payload = Buffer.from(JSON.stringify({ sub: id.sub, role: id.role, anonymous: id.anonymous, ts })).toString('base64url');
  return `${payload}.${mac(secret, payload).toString('base64url')}`;
}

/** Returns the identity when the signature is valid and fresh, undefined otherwise. */
export function verifyIdentity(
  secret: string,
  header: string | undefined,
  now = Date.now(),
  maxSkewMs = MAX_SKEW_MS,
): Identity | undefined {
  if (!header) return undefined;
  const [payload, sig] = header.split('.');
  if (!payload || !sig) return undefined;
  const expected = mac(secret, payload);
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    const v = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      sub?: unknown;
      role?: unknown;
      anonymous?: unknown;
      ts?: unknown;
    };
    if (typeof v.ts !== 'number' || Math.abs(now - v.ts) > maxSkewMs) return undefined;
    if (typeof v.sub !== 'string' || !ROLES.includes(v.role as Role)) return undefined;
    return { sub: v.sub, role: v.role as Role, anonymous: v.anonymous === true };
  } catch {
    return undefined;
  }
}
