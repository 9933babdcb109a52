/** Minimal Prometheus text exposition: request rate, latency histogram, errors, live subscriptions, response cache. */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class Metrics {
  private requests = new Map<string, number>();
  private graphqlErrors = 0;
  private rateLimited = 0;
  private counts = BUCKETS.map(() => 0);
  private sum = 0;
  private n = 0;
  activeSubscriptions = 0;
  /** The response cache's counters and size, when the cache is on. */
  cache?: { counts: Record<string, number>; size: number };

  request(status: number, seconds: number): void {
    const k = String(status);
    this.requests.set(k, (this.requests.get(k) ?? 0) + 1);
    this.sum += seconds;
    this.n++;
    BUCKETS.forEach((b, i) => {
      if (seconds <= b) this.counts[i]!++;
    });
  }

  error(n = 1): void {
    this.graphqlErrors += n;
  }

  limited(): void {
    this.rateLimited++;
  }

  render(): string {
    const l: string[] = [];
    l.push('# HELP newsline_gateway_requests_total HTTP requests to /graphql by status.', '# TYPE newsline_gateway_requests_total counter');
    for (const [s, v] of this.requests) l.push(`newsline_gateway_requests_total{status="${s}"} ${v}`);
    l.push(
      '# HELP newsline_gateway_request_duration_seconds Request latency.',
      '# TYPE newsline_gateway_request_duration_seconds histogram',
    );
    BUCKETS.forEach((b, i) => l.push(`newsline_gateway_request_duration_seconds_bucket{le="${b}"} ${this.counts[i]}`));
    l.push(`newsline_gateway_request_duration_seconds_bucket{le="+Inf"} ${this.n}`);
    l.push(`newsline_gateway_request_duration_seconds_sum ${this.sum}`, `newsline_gateway_request_duration_seconds_count ${this.n}`);
    l.push(
      '# HELP newsline_gateway_graphql_errors_total GraphQL errors returned.',
      '# TYPE newsline_gateway_graphql_errors_total counter',
      `newsline_gateway_graphql_errors_total ${this.graphqlErrors}`,
    );
    l.push(
      '# HELP newsline_gateway_rate_limited_total Requests refused by the rate limit.',
      '# TYPE newsline_gateway_rate_limited_total counter',
      `newsline_gateway_rate_limited_total ${this.rateLimited}`,
    );
    l.push(
      '# HELP newsline_gateway_active_subscriptions Live subscriptions (graphql-ws and SSE).',
      '# TYPE newsline_gateway_active_subscriptions gauge',
      `newsline_gateway_active_subscriptions ${this.activeSubscriptions}`,
    );
    if (this.cache) {
      const { counts, size } = this.cache;
      l.push(
        '# HELP newsline_gateway_cache_requests_total Cacheable requests by outcome (hit, stale = served while refreshing, miss, shared = waited for an identical miss).',
        '# TYPE newsline_gateway_cache_requests_total counter',
      );
      for (const k of ['hit', 'stale', 'miss', 'shared']) l.push(`newsline_gateway_cache_requests_total{result="${k}"} ${counts[k] ?? 0}`);
      l.push(
        '# HELP newsline_gateway_cache_invalidations_total Whole-cache flushes (article removals, event subscription reconnects).',
        '# TYPE newsline_gateway_cache_invalidations_total counter',
        `newsline_gateway_cache_invalidations_total ${counts.invalidations ?? 0}`,
        '# HELP newsline_gateway_cache_entries Responses held by the cache.',
        '# TYPE newsline_gateway_cache_entries gauge',
        `newsline_gateway_cache_entries ${size}`,
      );
    }
    return `${l.join('\n')}\n`;
  }
}
