import { pipeline, Transform, type Readable } from 'node:stream';
import zlib from 'node:zlib';

export type BodyOutcome =
  { ok: true; body: Buffer; truncated: boolean } | { ok: false; code: 'too-large' | 'decompression-bomb' | 'network'; message: string };

export interface BodyLimits {
  /** Cap on wire bytes and on decoded bytes. */
  maxBytes: number;
  /** Decoded/wire ratio that marks a compression bomb. */
  maxRatio: number;
  /** Cut the body at maxBytes instead of failing (robots.txt: RFC 9309 parses only a prefix). */
  truncate?: boolean;
}

/** Below this much decoded output the ratio is not judged: tiny, very repetitive bodies are legitimate. */
export const BOMB_FLOOR_BYTES = 1024 * 1024;

function decoderFor(encoding: string): Transform | null | undefined {
  switch (encoding) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip();
    case 'deflate':
      return zlib.createInflate();
    case 'br':
      return zlib.createBrotliDecompress();
    case 'identity':
    case '':
      return null;
    default:
      return undefined;
  }
}

/**
 * Streams a response body through the Content-Encoding decoders while counting wire and decoded
 * bytes, stopping the moment a cap is crossed so neither a huge body nor a bomb is ever buffered.
 */
export async function readBody(body: Readable, contentEncoding: string | undefined, limits: BodyLimits): Promise<BodyOutcome> {
  const decoders: Transform[] = [];
  // Codings are listed in the order applied, so undo them last-first.
  const codings = (contentEncoding ?? '')
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .reverse();
  for (const coding of codings) {
    const d = decoderFor(coding);
    if (d === undefined) {
      body.destroy();
      return { ok: false, code: 'network', message: `unsupported Content-Encoding: ${contentEncoding}` };
    }
    if (d) decoders.push(d);
  }

  let wire = 0;
  let failure: BodyOutcome | undefined;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      wire += chunk.length;
      if (!limits.truncate && wire > limits.maxBytes) {
        failure = { ok: false, code: 'too-large', message: `body exceeds ${limits.maxBytes} bytes on the wire` };
        cb(new Error(failure.message));
        return;
      }
      cb(null, chunk);
    },
  });
  const out = pipeline([body, counter, ...decoders], () => {}) as unknown as Readable;

  const chunks: Buffer[] = [];
  let decoded = 0;
  let truncated = false;
  try {
    for await (const chunk of out as AsyncIterable<Buffer>) {
      decoded += chunk.length;
      if (decoders.length > 0 && decoded > BOMB_FLOOR_BYTES && decoded > limits.maxRatio * Math.max(1, wire)) {
        failure = {
          ok: false,
          code: 'decompression-bomb',
          message: `decoded ${decoded} bytes from ${wire} (ratio > ${limits.maxRatio})`,
        };
        break;
      }
      if (decoded > limits.maxBytes) {
        if (limits.truncate) {
          chunks.push(chunk.subarray(0, chunk.length - (decoded - limits.maxBytes)));
          truncated = true;
          break;
        }
        failure = { ok: false, code: 'too-large', message: `decoded body exceeds ${limits.maxBytes} bytes` };
        break;
      }
      chunks.push(chunk);
    }
  } catch (err) {
    if (!failure) failure = { ok: false, code: 'network', message: `body read failed: ${(err as Error).message}` };
  } finally {
    // Leaving the loop early must also tear down the socket-side stream.
    out.destroy();
    body.destroy();
  }
  if (failure) return failure;
  return { ok: true, body: Buffer.concat(chunks), truncated };
}
