import { GraphQLError } from 'graphql';
import type { AuthChecker } from 'type-graphql';
import { hasRole, type Identity } from './identity';

export interface BaseContext {
  identity?: Identity;
}

export const unauthenticated = (msg = 'Authentication required') => new GraphQLError(msg, { extensions: { code: 'UNAUTHENTICATED' } });
export const forbidden = (msg = 'Not allowed for this role') => new GraphQLError(msg, { extensions: { code: 'FORBIDDEN' } });

/**
 * `@Authorized('editor')` etc. Throws instead of returning false so the error carries our codes:
 * no identity (or anonymous) → UNAUTHENTICATED, a known caller with too small a role → FORBIDDEN.
 */
export const authChecker: AuthChecker<BaseContext> = ({ context }, roles) => {
  const id = context.identity;
  if (id && hasRole(id.role, roles)) return true;
  if (!id || id.anonymous) throw unauthenticated();
  throw forbidden();
};
