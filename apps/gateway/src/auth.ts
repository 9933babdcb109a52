import type { Config } from '@newsline/config';
import { ROLES, type Identity, type Role } from '@newsline/subgraph';
import { GraphQLError } from 'graphql';
import { jwtVerify } from 'jose';
import { createHash } from 'node:crypto';

export class AuthError extends GraphQLError {
  constructor(
    message: string,
    public readonly status: number,
  ) {
    super(message, { extensions: { code: status === 401 ? 'UNAUTHENTICATED' : 'FORBIDDEN' } });
  }
}

export function parseApiKeys(spec: string): Map<string, Role> {
  const keys = new Map<string, Role>();
  for (const pair of spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const i = pair.lastIndexOf(':');
    keys.set(pair.slice(0, i), pair.slice(i + 1) as Role);
  }
  return keys;
}

/** A short, stable, non-reversible id for a key: logs and rate-limit buckets never hold the key. */
export const keyId = (key: string) => createHash('sha256').update(key).digest('hex').slice(0, 16);

export interface Credentials {
  apiKey?: string;
  bearer?: string;
}

export function credentialsFrom(get: (name: string) => string | undefined): Credentials {
  const auth = get('authorization');
  const apiKey = get('x-api-key') ?? (auth && /^apikey\s+/i.test(auth) ? auth.replace(/^apikey\s+/i, '') : undefined);
  const bearer = auth && /^bearer\s+/i.test(auth) ? auth.replace(/^bearer\s+/i, '') : undefined;
  return { apiKey: apiKey?.trim() || undefined, bearer: bearer?.trim() || undefined };
}

/**
 * API key or HS256 JWT (claim `role`) → identity. No credentials → the anonymous role, or
 * undefined when ANONYMOUS_ROLE=none (the subgraphs then answer UNAUTHENTICATED, except the
 * public submitTakedown). Bad credentials are an error, never a silent downgrade.
 */
export function createAuthenticator(config: Pick<Config, 'API_KEYS' | 'JWT_SECRET' | 'ANONYMOUS_ROLE'>) {
  const keys = parseApiKeys(config.API_KEYS);
  const secret = config.JWT_SECRET ? new TextEncoder().encode(config.JWT_SECRET) : undefined;
  return async (c: Credentials): Promise<Identity | undefined> => {
    if (c.apiKey) {
      const role = keys.get(c.apiKey);
      if (!role) throw new AuthError('invalid API key', 401);
      return { sub: `key:${keyId(c.apiKey)}`, role, anonymous: false };
    }
    if (c.bearer) {
      if (!secret) throw new AuthError('bearer tokens are not accepted here', 401);
      try {
        const { payload } = await jwtVerify(c.bearer, secret, { algorithms: ['HS256'] });
        const role = payload.role;
        if (typeof role !== 'string' || !ROLES.includes(role as Role)) throw new AuthError('token has no valid role claim', 403);
        return { sub: `jwt:${payload.sub ?? 'unknown'}`, role: role as Role, anonymous: false };
      } catch (err) {
        if (err instanceof AuthError) throw err;
        throw new AuthError('invalid or expired token', 401);
      }
    }
    if (config.ANONYMOUS_ROLE === 'none') return undefined;
    return { sub: 'anonymous', role: config.ANONYMOUS_ROLE, anonymous: true };
  };
}
