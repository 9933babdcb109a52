import { createHmac, randomBytes } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a topic URL serves now: the hub distributes it to the topic's subscribers (a "fat ping"). */
export interface TopicContent {
  body: Buffer;
  contentType: string;
}

export interface HubSubscription {
  topic: string;
  callback: string;
  secret?: string;
  leaseSeconds: number;
  expiresAt: Date;
  verifiedAt: Date;
}

export interface HubStats {
  subscribeRequests: number;
  verified: number;
  verificationFailures: number;
  deliveries: number;
  deliveryFailures: number;
}

export interface WebSubHubOptions {
  /** The hub's public URL, as feeds advertise it. */
  url: string;
  /** Reads a topic's current content; undefined when the topic is not one this hub serves (the request is denied). */
  fetchTopic: (topic: string) => TopicContent | undefined | Promise<TopicContent | undefined>;
  /** Lease granted when the subscriber asks for none, and the most granted. Defaults 3600 and 864 000 s. */
  defaultLeaseSeconds?: number;
  maxLeaseSeconds?: number;
  /** HMAC digest for X-Hub-Signature. Default sha256. */
  signatureAlgorithm?: 'sha1' | 'sha256' | 'sha384' | 'sha512';
  /** Delivery attempts per subscriber (WebSub §7: hubs retry). Default 3. */
  deliveryAttempts?: number;
  /** Bound on one HTTP exchange with a subscriber. Default 5 000 ms. */
  timeoutMs?: number;
}

export interface WebSubHub {
  url: string;
  /** Serves the hub endpoint (POST subscribe/unsubscribe/publish) on any server. */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Distributes the topic's current content (or `content`) to its verified subscribers now. */
  publish(topic: string, content?: TopicContent): Promise<{ delivered: number; failed: number }>;
  /** Resolves once pending verifications of intent and deliveries have finished (tests, benchmarks). */
  idle(): Promise<void>;
  subscriptions(topic?: string): HubSubscription[];
  stats(): HubStats;
}

const MAX_REQUEST_BYTES = 64 * 1024;

interface Exchange {
  status: number;
  body: string;
}

function exchange(
  url: string,
  method: 'GET' | 'POST',
  timeoutMs: number,
  body?: Buffer,
  headers: Record<string, string> = {},
): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method, headers: { ...headers, ...(body ? { 'content-length': String(body.length) } : {}) }, timeout: timeoutMs },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          if (text.length < MAX_REQUEST_BYTES) text += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  return new Promise((resolve) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_REQUEST_BYTES) chunks.push(c);
    });
    req.on('end', () => resolve(size > MAX_REQUEST_BYTES ? undefined : new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', () => resolve(undefined));
  });
}

const isHttpUrl = (u: string | null): u is string => {
  if (!u) return false;
  try {
    return /^https?:$/.test(new URL(u).protocol);
  } catch {
    return false;
  }
};

const withQuery = (url: string, params: Record<string, string>): string => {
  const u = new URL(url);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.href;
};

/**
 * A WebSub hub (W3C Recommendation, 2018) for local publishers: subscription requests are answered
 * 202 and verified asynchronously by a GET with a random `hub.challenge` the subscriber must echo;
 * content is distributed by POST with the topic's Content-Type, a `Link` header naming hub and
 * topic, and `X-Hub-Signature: <algo>=<HMAC of the body with hub.secret>` when a secret was given.
 * Publishers notify with `publish()` or the PubSubHubbub ping `hub.mode=publish&hub.url=<topic>`.
 */
export function createWebSubHub(opts: WebSubHubOptions): WebSubHub {
  const subs = new Map<string, HubSubscription>();
  const stats: HubStats = { subscribeRequests: 0, verified: 0, verificationFailures: 0, deliveries: 0, deliveryFailures: 0 };
  const pending = new Set<Promise<void>>();
  const defaultLease = opts.defaultLeaseSeconds ?? 3600;
  const maxLease = opts.maxLeaseSeconds ?? 864_000;
  const algorithm = opts.signatureAlgorithm ?? 'sha256';
  const attempts = opts.deliveryAttempts ?? 3;
  const timeoutMs = opts.timeoutMs ?? 5000;
  const keyOf = (topic: string, callback: string) => `${topic}\u0000${callback}`;

  const track = (p: Promise<void>) => {
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };

  const verify = async (mode: 'subscribe' | 'unsubscribe', topic: string, callback: string, secret: string | undefined, lease: number) => {
    const known = await opts.fetchTopic(topic);
    if (!known && mode === 'subscribe') {
      await exchange(
        withQuery(callback, { 'hub.mode': 'denied', 'hub.topic': topic, 'hub.reason': 'unknown topic' }),
        'GET',
        timeoutMs,
      ).catch(() => undefined);
      return;
    }
    const challenge = randomBytes(16).toString('hex');
    const params: Record<string, string> = { 'hub.mode': mode, 'hub.topic': topic, 'hub.challenge': challenge };
    if (mode === 'subscribe') params['hub.lease_seconds'] = String(lease);
    const r = await exchange(withQuery(callback, params), 'GET', timeoutMs).catch(() => undefined);
    if (!r || r.status < 200 || r.status >= 300 || r.body !== challenge) {
      stats.verificationFailures++;
      return;
    }
    stats.verified++;
    const key = keyOf(topic, callback);
    if (mode === 'unsubscribe') subs.delete(key);
    else
      subs.set(key, {
        topic,
        callback,
        secret,
        leaseSeconds: lease,
        verifiedAt: new Date(),
        expiresAt: new Date(Date.now() + lease * 1000),
      });
  };

  const deliver = async (sub: HubSubscription, content: TopicContent): Promise<boolean> => {
    const headers: Record<string, string> = {
      'content-type': content.contentType,
      link: `<${opts.url}>; rel="hub", <${sub.topic}>; rel="self"`,
    };
    if (sub.secret) headers['x-hub-signature'] = `${algorithm}=${createHmac(algorithm, sub.secret).update(content.body).digest('hex')}`;
    for (let i = 0; i < attempts; i++) {
      const r = await exchange(sub.callback, 'POST', timeoutMs, content.body, headers).catch(() => undefined);
      if (r && r.status >= 200 && r.status < 300) return true;
      if (r?.status === 410) return false; // the subscriber is gone for good
      await new Promise((res) => setTimeout(res, 200 * 2 ** i));
    }
    return false;
  };

  const distribute = async (topic: string, content?: TopicContent) => {
    const now = Date.now();
    const targets = [...subs.values()].filter((s) => s.topic === topic && s.expiresAt.getTime() > now);
    const body = content ?? (targets.length ? await opts.fetchTopic(topic) : undefined);
    if (!body || !targets.length) return { delivered: 0, failed: 0 };
    const results = await Promise.all(targets.map((s) => deliver(s, body)));
    const delivered = results.filter(Boolean).length;
    stats.deliveries += delivered;
    stats.deliveryFailures += results.length - delivered;
    return { delivered, failed: results.length - delivered };
  };

  // Tracked, so idle() also waits for deliveries in flight.
  const publish = (topic: string, content?: TopicContent) => {
    const p = distribute(topic, content);
    track(
      p.then(
        () => undefined,
        () => undefined,
      ),
    );
    return p;
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.method !== 'POST') return void res.writeHead(405, { allow: 'POST' }).end('WebSub hub: POST only\n');
    void readForm(req).then((form) => {
      if (!form) return void res.writeHead(413).end('request too large\n');
      const mode = form.get('hub.mode');
      if (mode === 'publish') {
        const topic = form.get('hub.url') ?? form.get('hub.topic');
        if (!isHttpUrl(topic)) return void res.writeHead(400).end('hub.url must be an http(s) URL\n');
        void publish(topic).catch(() => undefined);
        return void res.writeHead(204).end();
      }
      const topic = form.get('hub.topic');
      const callback = form.get('hub.callback');
      if (mode !== 'subscribe' && mode !== 'unsubscribe')
        return void res.writeHead(400).end('hub.mode must be subscribe, unsubscribe or publish\n');
      if (!isHttpUrl(topic) || !isHttpUrl(callback))
        return void res.writeHead(400).end('hub.topic and hub.callback must be http(s) URLs\n');
      const secret = form.get('hub.secret') ?? undefined;
      if (secret !== undefined && Buffer.byteLength(secret) >= 200)
        return void res.writeHead(400).end('hub.secret must be under 200 bytes\n');
      const asked = Number(form.get('hub.lease_seconds'));
      const lease = Number.isFinite(asked) && asked > 0 ? Math.min(Math.floor(asked), maxLease) : defaultLease;
      stats.subscribeRequests++;
      res.writeHead(202).end();
      track(verify(mode, topic, callback, secret, lease).catch(() => undefined));
    });
  };

  return {
    url: opts.url,
    handle,
    publish,
    idle: async () => {
      while (pending.size) await Promise.all([...pending]);
    },
    subscriptions: (topic) => [...subs.values()].filter((s) => topic === undefined || s.topic === topic).map((s) => ({ ...s })),
    stats: () => ({ ...stats }),
  };
}

/** The hub on its own loopback listener (the farm's hosts share one). */
export async function startWebSubHub(
  opts: Omit<WebSubHubOptions, 'url'> & { host?: string; port?: number },
): Promise<WebSubHub & { close(): Promise<void> }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const hub = createWebSubHub({ ...opts, url: `http://${opts.host ?? '127.0.0.1'}:${port}/` });
  server.on('request', (req, res) => hub.handle(req, res));
  return {
    ...hub,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
