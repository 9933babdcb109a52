import { createReadStream, existsSync, statSync } from 'node:fs';
import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { extname, join, normalize, sep } from 'node:path';

export const PUBLIC_DIR = join(__dirname, '..', 'dist', 'public');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

/** Paths the dashboard forwards to the gateway, so the page talks to its own origin (no CORS). */
const PROXIED = (path: string) => path === '/graphql' || path === '/admin/queues' || path.startsWith('/admin/queues/');

// The page only loads its own bundle; connect-src 'self' covers /graphql and its WebSocket.
const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'";

/**
 * Static files of the Vite build (hashed assets cached for a year, index.html never), an SPA
 * fallback to index.html, and a transparent proxy of /graphql (HTTP and graphql-ws upgrades)
 * and /admin/queues to the gateway.
 */
export function createDashboardServer(opts: { gatewayUrl: string; publicDir?: string }) {
  const root = opts.publicDir ?? PUBLIC_DIR;
  const gateway = new URL(opts.gatewayUrl);
  const gatewayPort = Number(gateway.port || 80);

  function proxy(req: IncomingMessage, res: ServerResponse): void {
    const upstream = request(
      { host: gateway.hostname, port: gatewayPort, method: req.method, path: req.url, headers: { ...req.headers, host: gateway.host } },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ message: `gateway unreachable: ${err.message}`, extensions: { code: 'BAD_GATEWAY' } }] }));
    });
    res.once('close', () => upstream.destroy());
    req.pipe(upstream);
  }

  function serveFile(res: ServerResponse, file: string, immutable: boolean): void {
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      'x-content-type-options': 'nosniff',
      ...(extname(file) === '.html' ? { 'content-security-policy': CSP } : {}),
    });
    createReadStream(file).pipe(res);
  }

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/');
    if (PROXIED(path)) return proxy(req, res);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const index = join(root, 'index.html');
    if (!existsSync(index)) {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('dashboard not built: run `npm run build -w @newsline/dashboard`\n');
      return;
    }
    const file = normalize(join(root, path));
    if (!file.startsWith(root + sep)) {
      res.writeHead(400).end();
      return;
    }
    if (existsSync(file) && statSync(file).isFile()) return serveFile(res, file, path.startsWith('/assets/'));
    // Unknown asset: 404; anything else is a client-side route.
    if (path.startsWith('/assets/')) {
      res.writeHead(404).end();
      return;
    }
    serveFile(res, index, false);
  };

  /** graphql-ws upgrades are piped byte for byte to the gateway, which does the auth. */
  const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if ((req.url ?? '').split('?')[0] !== '/graphql') return void socket.destroy();
    const up: Socket = connect(gatewayPort, gateway.hostname, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        const name = req.rawHeaders[i]!;
        lines.push(`${name}: ${name.toLowerCase() === 'host' ? gateway.host : req.rawHeaders[i + 1]}`);
      }
      up.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length) up.write(head);
      up.pipe(socket);
      socket.pipe(up);
    });
    const close = () => {
      up.destroy();
      socket.destroy();
    };
    up.on('error', close);
    socket.on('error', close);
    up.on('close', close);
    socket.on('close', close);
  };

  return { handler, upgrade };
}
