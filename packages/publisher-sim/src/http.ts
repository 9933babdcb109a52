import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import iconv from 'iconv-lite';

/** One encoded response body with its validators. */
export interface Representation {
  body: Buffer;
  contentType: string;
  etag: string;
  lastModified: Date;
}

export const isUtf8 = (charset: string): boolean => /^utf-?8$/i.test(charset);

const encodableCache = new Map<string, Map<string, boolean>>();

/** Whether the character survives a round trip through the charset. */
export function canEncode(ch: string, charset: string): boolean {
  if (isUtf8(charset) || ch.charCodeAt(0) < 0x80) return true;
  let cache = encodableCache.get(charset);
  if (!cache) encodableCache.set(charset, (cache = new Map()));
  let ok = cache.get(ch);
  if (ok === undefined) {
    ok = iconv.decode(iconv.encode(ch, charset), charset) === ch;
    cache.set(ch, ok);
  }
  return ok;
}

/**
 * Encodes markup (XML or HTML) in the charset; characters the charset lacks (©, ·) become
 * numeric character references, as a real publisher's CMS would write them.
 */
export function encodeText(text: string, charset: string): Buffer {
  if (isUtf8(charset)) return Buffer.from(text, 'utf8');
  let out = '';
  for (const ch of text) out += canEncode(ch, charset) ? ch : `&#${ch.codePointAt(0)};`;
  return iconv.encode(out, charset);
}

export function representation(text: string, mime: string, charset: string, lastModified: Date): Representation {
  const body = encodeText(text, charset);
  const etag = `"${createHash('sha1').update(body).digest('base64url').slice(0, 22)}"`;
  return { body, contentType: `${mime}; charset=${charset}`, etag, lastModified: floorToSecond(lastModified) };
}

export function floorToSecond(d: Date): Date {
  return new Date(Math.floor(d.getTime() / 1000) * 1000);
}

/** Last-Modified of a changed resource: whole seconds, strictly later than the previous one. */
export function nextLastModified(previous: Date, now = new Date()): Date {
  return new Date(Math.max(floorToSecond(now).getTime(), previous.getTime() + 1000));
}

const opaque = (tag: string) => tag.trim().replace(/^W\//, '');

/** RFC 9110 §13.1: If-None-Match (weak comparison) takes precedence over If-Modified-Since. */
export function notModified(req: IncomingMessage, rep: Representation): boolean {
  const inm = req.headers['if-none-match'];
  if (inm !== undefined) {
    if (inm.trim() === '*') return true;
    const mine = opaque(rep.etag);
    return inm.split(',').some((t) => opaque(t) === mine);
  }
  const ims = req.headers['if-modified-since'];
  if (ims !== undefined) {
    const since = Date.parse(ims);
    return !Number.isNaN(since) && rep.lastModified.getTime() <= since;
  }
  return false;
}

/** Sends a representation honouring conditional requests and HEAD. Returns the status sent. */
export function sendRepresentation(req: IncomingMessage, res: ServerResponse, rep: Representation): number {
  res.setHeader('ETag', rep.etag);
  res.setHeader('Last-Modified', rep.lastModified.toUTCString());
  res.setHeader('Cache-Control', 'no-cache');
  if (notModified(req, rep)) {
    res.statusCode = 304;
    res.end();
    return 304;
  }
  res.statusCode = 200;
  res.setHeader('Content-Type', rep.contentType);
  res.setHeader('Content-Length', rep.body.length);
  res.end(req.method === 'HEAD' ? undefined : rep.body);
  return 200;
}

export function sendText(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  text: string,
  contentType = 'text/plain; charset=utf-8',
  headers: Record<string, string> = {},
): number {
  const body = Buffer.from(text, 'utf8');
  res.statusCode = status;
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', body.length);
  res.end(req.method === 'HEAD' ? undefined : body);
  return status;
}

export const ROBOTS_TXT = `# Simulated publisher: everything may be crawled except /private/.
User-agent: *
Disallow: /private/
Allow: /
`;

export function baseUrlFor(host: string, port: number): string {
  const h = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${h.includes(':') ? `[${h}]` : h}:${port}`;
}
