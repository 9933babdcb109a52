import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { sleep } from './procs';

const SUBSCRIPTION = `subscription { headlineAdded { id publishedAt } }`;
const HEADLINES = `query($from: DateTimeISO, $after: String) {
  headlines(filter: { from: $from }, first: 100, after: $after) { edges { node { id publishedAt } } pageInfo { hasNextPage endCursor } }
}`;

export interface SubscriberReport {
  /** Distinct headlines that arrived over the subscription. */
  live: number;
  /** Distinct headlines only the resume queries found (lost while disconnected). */
  resumed: number;
  /** Socket reconnects (gateway gone) and re-subscriptions (the gateway ended the operation). */
  reconnects: number;
  resubscribes: number;
  resumeQueries: number;
}

/**
 * A live-headlines client as a real one would be written: graphql-ws with unbounded retry,
 * re-subscribing when the gateway ends the operation (its subgraph went away), and after every
 * gap a catch-up: `headlines(from: lastSeenPublishedAt - lookback)`, paged, deduplicated by id.
 * publishedAt is the publisher's time, not the time Newsline stored the article, so the
 * lookback must cover the publish-to-store delay; the API has no stored-since cursor.
 * The catch-up runs when the link is back, again on the first live event after it (the
 * subscription is then live end to end, so nothing stored in between escapes both) and a last
 * time `settleMs` later, past the gateway's response-cache lifetime.
 */
export class HeadlineSubscriber {
  readonly seen = new Map<string, 'live' | 'resume'>();
  /** Receipt times (ms) of live events, ascending: reconnect windows are read from them. */
  readonly liveTimes: number[] = [];
  /** Completed catch-up passes (diagnosis of misses): when, from which publishedAt, how many headlines listed. */
  readonly passes: { at: number; from: number; listed: number }[] = [];
  private client: Client;
  private lastSeen: number;
  private gapFrom: number | undefined;
  private confirmPending = false;
  private closed = false;
  private resuming: Promise<void> = Promise.resolve();
  private queuedPass: Promise<void> | undefined;
  /** Bumped at every disconnect, so a catch-up that started before one cannot close its gap. */
  private gapEpoch = 0;
  private stats = { reconnects: 0, resubscribes: 0, resumeQueries: 0 };
  private firstLive: (() => void) | undefined;
  private failedResubscribes = 0;
  private lastError: string | undefined;
  /** Resolves at the first live event: the subscription is established end to end. */
  readonly ready: Promise<void>;

  constructor(
    private readonly gatewayUrl: string,
    private readonly apiKey: string,
    private readonly lookbackMs: number,
    private readonly settleMs: number,
    private readonly log: (m: string) => void = () => {},
  ) {
    this.lastSeen = Date.now();
    this.ready = new Promise((r) => (this.firstLive = r));
    this.client = createClient({
      url: gatewayUrl.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { 'x-api-key': apiKey },
      lazy: false,
      keepAlive: 5_000,
      retryAttempts: Number.MAX_SAFE_INTEGER,
      shouldRetry: () => true,
      // Capped, jittered backoff: a restarted gateway is found within ~2 s of listening again.
      retryWait: (n) => sleep(Math.min(2_000, 100 * 2 ** n) * (0.5 + Math.random() / 2)),
      on: {
        closed: () => this.markGap(),
        connected: (_s, _p, wasRetry) => {
          if (!wasRetry) return;
          this.stats.reconnects++;
          this.afterReconnect();
        },
      },
    });
    this.subscribe();
  }

  private subscribe(): void {
    this.client.subscribe<{ headlineAdded: { id: string; publishedAt: string } }>(
      { query: SUBSCRIPTION },
      {
        next: (r) => {
          if (r.data?.headlineAdded) this.onLive(r.data.headlineAdded);
          else if (r.errors) this.lastError = JSON.stringify(r.errors).slice(0, 300);
        },
        error: (e) => this.ended(`error ${e instanceof Error ? e.message : JSON.stringify(e).slice(0, 200)}`),
        complete: () => this.ended('complete'),
      },
    );
  }

  /** The gateway ended the operation (its upstream died): subscribe again, backing off while it keeps failing. */
  private ended(why: string): void {
    if (this.closed) return;
    this.markGap();
    this.stats.resubscribes++;
    if (this.failedResubscribes++ === 0) this.log(`subscription ended (${why}${this.lastError ? `: ${this.lastError}` : ''}); re-subscribing`);
    this.lastError = undefined;
    const wait = Math.min(2_000, 100 * 2 ** this.failedResubscribes) * (0.5 + Math.random() / 2);
    setTimeout(() => {
      if (this.closed) return;
      this.subscribe();
      this.afterReconnect();
    }, wait);
  }

  private markGap(): void {
    if (this.closed) return;
    this.gapEpoch++;
    this.gapFrom ??= this.lastSeen;
  }

  private afterReconnect(): void {
    this.confirmPending = true;
    void this.resume();
  }

  private onLive(h: { id: string; publishedAt: string }): void {
    const now = Date.now();
    this.liveTimes.push(now);
    if (!this.seen.has(h.id)) this.seen.set(h.id, 'live');
    this.lastSeen = Math.max(this.lastSeen, Date.parse(h.publishedAt));
    this.firstLive?.();
    this.firstLive = undefined;
    this.failedResubscribes = 0;
    if (this.confirmPending) {
      this.confirmPending = false;
      void this.resume();
      // Once more later, closing the gap: the gateway may answer `headlines` from its response
      // cache, so a page fetched right after the gap can predate articles stored in it.
      const epoch = this.gapEpoch;
      const t = setTimeout(() => void this.resume(epoch), this.settleMs);
      t.unref();
    }
  }

  /**
   * Catch-up from the gap's start, retried until it succeeds; runs one at a time. A settling
   * pass closes the gap, unless the link dropped again since `settleEpoch` (then a later one does).
   */
  resume(settleEpoch?: number): Promise<void> {
    // A plain pass already waiting to run covers this request too (re-subscribe storms).
    if (settleEpoch === undefined && this.queuedPass) return this.queuedPass;
    const pass = (this.resuming = this.resuming.then(async () => {
      if (this.queuedPass === pass) this.queuedPass = undefined;
      let failures = 0;
      while (this.gapFrom !== undefined && !this.closed) {
        try {
          await this.catchUp(new Date(this.gapFrom - this.lookbackMs));
          if (settleEpoch === this.gapEpoch) this.gapFrom = undefined;
          return;
        } catch (e) {
          if (failures++ === 0) this.log(`resume failed (${(e as Error).message}); retrying`);
          await sleep(1_000);
        }
      }
    }));
    if (settleEpoch === undefined) this.queuedPass = pass;
    return pass;
  }

  private async catchUp(from: Date): Promise<void> {
    let after: string | undefined;
    let listed = 0;
    for (;;) {
      this.stats.resumeQueries++;
      const res = await fetch(this.gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': this.apiKey },
        body: JSON.stringify({ query: HEADLINES, variables: { from: from.toISOString(), after } }),
        signal: AbortSignal.timeout(15_000),
      });
      const body = (await res.json()) as {
        data?: { headlines: { edges: { node: { id: string } }[]; pageInfo: { hasNextPage: boolean; endCursor?: string } } };
        errors?: unknown[];
      };
      if (!body.data?.headlines) throw new Error(`headlines: HTTP ${res.status} ${JSON.stringify(body.errors ?? body).slice(0, 200)}`);
      for (const e of body.data.headlines.edges) if (!this.seen.has(e.node.id)) this.seen.set(e.node.id, 'resume');
      listed += body.data.headlines.edges.length;
      if (!body.data.headlines.pageInfo.hasNextPage) return void this.passes.push({ at: Date.now(), from: from.getTime(), listed });
      after = body.data.headlines.pageInfo.endCursor;
    }
  }

  /** Seconds from `t` to the first live event after it (undefined: none arrived). */
  firstLiveAfter(t: number): number | undefined {
    const x = this.liveTimes.find((v) => v > t);
    return x === undefined ? undefined : (x - t) / 1000;
  }

  /** True when no gap is open (every disconnect has been caught up). */
  get caughtUp(): boolean {
    return this.gapFrom === undefined;
  }

  /** End of run: closes any open gap with a last catch-up (the harness calls it after settleMs of quiet). */
  settle(): Promise<void> {
    return this.resume(this.gapEpoch);
  }

  report(): SubscriberReport {
    const v = [...this.seen.values()];
    return { live: v.filter((x) => x === 'live').length, resumed: v.filter((x) => x === 'resume').length, ...this.stats };
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.resuming;
    await this.client.dispose();
  }
}
