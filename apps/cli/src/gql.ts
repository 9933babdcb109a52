import { CliError } from './errors';

export interface GqlOptions {
  url: string;
  apiKey?: string;
}

/** One GraphQL request to the gateway; any error (transport, HTTP, GraphQL) becomes a CliError with a readable message. */
export async function gql<T>(opts: GqlOptions, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(opts.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(opts.apiKey ? { 'x-api-key': opts.apiKey } : {}) },
      body: JSON.stringify({ query, variables }),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new CliError(
      `cannot reach the gateway at ${opts.url}: ${cause?.code ?? cause?.message ?? (err as Error).message}`,
      'UNREACHABLE',
    );
  }
  let body: { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
  try {
    body = (await res.json()) as typeof body;
  } catch {
    throw new CliError(`gateway answered HTTP ${res.status} without a GraphQL body`, 'BAD_RESPONSE');
  }
  const first = body.errors?.[0];
  if (first) {
    const code = first.extensions?.code;
    const hint = code === 'UNAUTHENTICATED' || code === 'FORBIDDEN' ? ' (pass --api-key or set NEWSLINE_API_KEY)' : '';
    throw new CliError(`${first.message}${code ? ` [${code}]` : ''}${hint}`, code);
  }
  if (!body.data) throw new CliError(`gateway answered HTTP ${res.status} with no data`, 'BAD_RESPONSE');
  return body.data;
}
