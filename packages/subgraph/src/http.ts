import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApolloServer, HeaderMap, type BaseContext as ApolloContext } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { GraphQLFormattedError, GraphQLSchema } from 'graphql';
import { IDENTITY_HEADER, verifyIdentity } from './identity';
import type { BaseContext } from './auth';

export interface GraphQLHandlerOptions<C extends BaseContext> {
  schema: GraphQLSchema;
  /** Per-request context; receives the verified identity (undefined if absent or badly signed). */
  context: (req: IncomingMessage, identity: BaseContext['identity']) => C | Promise<C>;
  internalSecret: string;
  /** Stack traces and internal messages only in development. */
  development: boolean;
  maxBodyBytes?: number;
  path?: string;
}

class HttpError extends Error {
  constructor(
    public status: number,
    message: string,
  ) {
    super(message);
  }
}

async function readBody(req: IncomingMessage, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) throw new HttpError(413, 'request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Masks unexpected errors outside development: typed GraphQL errors keep their message and code. */
export function formatError(development: boolean) {
  return (formatted: GraphQLFormattedError): GraphQLFormattedError => {
    if (development) return formatted;
    const code = formatted.extensions?.code;
    const { stacktrace: _s, ...ext } = (formatted.extensions ?? {}) as Record<string, unknown>;
    if (code === 'INTERNAL_SERVER_ERROR' || code === undefined)
      return {
        message: 'Unexpected error',
        locations: formatted.locations,
        path: formatted.path,
        extensions: { code: 'INTERNAL_SERVER_ERROR' },
      };
    return { ...formatted, extensions: ext };
  };
}

/**
 * Apollo Server on our own node:http server (startService's handler): POST/GET /graphql via
 * executeHTTPGraphQLRequest, so health routes and graceful shutdown stay in lifecycle.
 */
export async function createGraphQLHandler<C extends BaseContext>(opts: GraphQLHandlerOptions<C>) {
  const server = new ApolloServer<C & ApolloContext>({
    schema: opts.schema,
    introspection: true,
    includeStacktraceInErrorResponses: opts.development,
    formatError: formatError(opts.development),
    // No landing page: it would load assets from a CDN.
    plugins: [ApolloServerPluginLandingPageDisabled(), ApolloServerPluginInlineTraceDisabled()],
  });
  await server.start();
  const path = opts.path ?? '/graphql';
  const max = opts.maxBodyBytes ?? 1_000_000;

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== path) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      return;
    }
    let body: unknown = undefined;
    if (req.method === 'POST') {
      try {
        const raw = await readBody(req, max);
        body = raw ? JSON.parse(raw) : undefined;
      } catch (err) {
        const status = err instanceof HttpError ? err.status : 400;
        res
          .writeHead(status, { 'content-type': 'application/json' })
          .end(JSON.stringify({ errors: [{ message: status === 413 ? 'request body too large' : 'invalid JSON body' }] }));
        return;
      }
    }
    const headers = new HeaderMap();
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
    const hv = req.headers[IDENTITY_HEADER];
    const identity = verifyIdentity(opts.internalSecret, Array.isArray(hv) ? hv[0] : hv);
    const result = await server.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
      context: async () => (await opts.context(req, identity)) as C & ApolloContext,
    });
    const outHeaders: Record<string, string> = {};
    for (const [k, v] of result.headers) outHeaders[k] = v;
    res.writeHead(result.status ?? 200, outHeaders);
    if (result.body.kind === 'complete') {
      res.end(result.body.string);
    } else {
      for await (const chunk of result.body.asyncIterator) res.write(chunk);
      res.end();
    }
  };
  return { handler, stop: () => server.stop() };
}
