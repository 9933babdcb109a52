import { errorBackoffSec, nextPollIntervalSec, publisherMinimumSec, updateMeanGap } from '../src/ingest/interval';

const now = new Date('2026-11-27T12:00:00Z');
const min = (m: number) => m * 60;

describe('polling interval', () => {
  it('follows the posting rate, bounded to 5 min … 24 h', () => {
    expect(nextPollIntervalSec({ prevIntervalSec: 900, meanEntryGapSec: min(60), newEntries: 3, publisherMinSec: 0 })).toBe(min(30));
    expect(nextPollIntervalSec({ prevIntervalSec: 900, meanEntryGapSec: 60, newEntries: 3, publisherMinSec: 0 })).toBe(min(5));
    expect(nextPollIntervalSec({ prevIntervalSec: 900, meanEntryGapSec: 10 * 86400, newEntries: 1, publisherMinSec: 0 })).toBe(86400);
  });

  it('lengthens while a feed is quiet', () => {
    const a = nextPollIntervalSec({ prevIntervalSec: 1000, newEntries: 0, publisherMinSec: 0 });
    expect(a).toBe(1250);
    expect(nextPollIntervalSec({ prevIntervalSec: 80000, newEntries: 0, publisherMinSec: 0 })).toBe(86400);
  });

  it('never polls sooner than <ttl>, Cache-Control or Expires ask', () => {
    expect(publisherMinimumSec({ ttlMinutes: 60, now })).toBe(3600);
    expect(publisherMinimumSec({ cacheControl: 'public, max-age=7200', now })).toBe(7200);
    expect(publisherMinimumSec({ expires: new Date(now.getTime() + 5400_000).toUTCString(), now })).toBe(5400);
    expect(nextPollIntervalSec({ prevIntervalSec: 900, meanEntryGapSec: 60, newEntries: 2, publisherMinSec: 7200 })).toBe(7200);
    expect(nextPollIntervalSec({ prevIntervalSec: 900, newEntries: 0, publisherMinSec: 10 * 86400 })).toBe(86400);
  });

  it('computes an EWMA of entry gaps, ignoring future dates', () => {
    const d = (m: number) => new Date(now.getTime() - m * 60_000);
    expect(updateMeanGap(undefined, d(30), [d(20), d(10)], now)).toBeCloseTo(600, 0);
    expect(updateMeanGap(600, d(10), [new Date(now.getTime() + 86400_000)], now)).toBe(600);
  });

  it('backs off exponentially with jitter and honours Retry-After', () => {
    const lo = errorBackoffSec({ consecutiveErrors: 3, intervalSec: 600, random: () => 0 });
    const hi = errorBackoffSec({ consecutiveErrors: 3, intervalSec: 600, random: () => 1 });
    expect(lo).toBe(2400);
    expect(hi).toBe(4800);
    expect(errorBackoffSec({ consecutiveErrors: 1, intervalSec: 300, retryAfterMs: 7200_000, random: () => 0 })).toBe(7200);
    expect(errorBackoffSec({ consecutiveErrors: 30, intervalSec: 600, random: () => 1 })).toBe(86400);
  });
});

describe('extract retry backoff', () => {
  it('waits what the host asked, else doubles from 2 s up to 5 min', async () => {
    const { extractBackoff } = await import('../src/queues');
    const { RetryableExtractError } = await import('../src/ingest/extract-article');
    const told = extractBackoff(5, 'polite', new RetryableExtractError('host-backoff', 3000));
    expect(told).toBeGreaterThanOrEqual(3000);
    expect(told).toBeLessThanOrEqual(4000);
    expect(extractBackoff(1, 'polite', new Error('x'))).toBeGreaterThanOrEqual(2000);
    expect(extractBackoff(4, 'polite', new Error('x'))).toBeGreaterThanOrEqual(16000);
    expect(extractBackoff(30, 'polite')).toBeLessThanOrEqual(301_000);
  });
});
