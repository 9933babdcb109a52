import { canonicalUrl, decodeEvent, encodeEvent, jobIds, urlKey, fetchFeedJob } from '../src';

describe('canonicalUrl', () => {
  it('lowercases the host, drops fragment, tracking params and sorts the rest', () => {
    expect(canonicalUrl('https://News.Example.COM:443/a/b?utm_source=x&b=2&fbclid=1&a=1#top')).toBe('https://news.example.com/a/b?a=1&b=2');
  });
  it('keeps the scheme', () => {
    expect(canonicalUrl('http://example.com/x')).toBe('http://example.com/x');
  });
  it('refuses non-http schemes', () => {
    expect(() => canonicalUrl('javascript:alert(1)')).toThrow(TypeError);
  });
});

describe('urlKey', () => {
  const key = urlKey('https://www.example.com/world/story-1');
  it.each([
    'http://example.com/world/story-1',
    'https://example.com/world/story-1/',
    'https://www.example.com/world/story-1?utm_medium=rss&gclid=abc',
    'https://example.com/world/story-1/amp',
    'https://amp.example.com/world/story-1',
    'https://example.com/world/story-1?amp=1',
    'https://EXAMPLE.com/world/story-1#comments',
  ])('unifies %s', (variant) => {
    expect(urlKey(variant)).toBe(key);
  });
  it('keeps meaningful differences apart', () => {
    expect(urlKey('https://example.com/world/story-2')).not.toBe(key);
    expect(urlKey('https://example.com/article?id=1')).not.toBe(urlKey('https://example.com/article?id=2'));
  });
});

describe('events', () => {
  it('round-trips a valid event and rejects a malformed one', () => {
    const e = {
      type: 'article.added' as const,
      articleId: 'a1',
      url: 'https://x.example/a',
      sourceUrl: 'https://x.example/a',
      sourceId: 's1',
      title: 'T',
      publishedAt: new Date(0).toISOString(),
      at: new Date(0).toISOString(),
    };
    expect(decodeEvent(encodeEvent(e))).toEqual(e);
    expect(decodeEvent('{"type":"article.added"}')).toBeUndefined();
    expect(decodeEvent('not json')).toBeUndefined();
  });
});

describe('jobs', () => {
  it('validates payloads and builds idempotent ids', () => {
    expect(fetchFeedJob.safeParse({ feedId: 'nope' }).success).toBe(false);
    expect(fetchFeedJob.parse({ feedId: 'a'.repeat(24) }).reason).toBe('scheduled');
    expect(jobIds.extract('x')).toBe(jobIds.extract('x'));
    for (const id of [jobIds.fetch('f', 1), jobIds.extract('a'), jobIds.takedown('t')]) expect(id).not.toContain(':');
  });
});

describe('derived ids', () => {
  it('gives every URL variant one 24-hex article id, and distinct pages distinct ids', async () => {
    const { articleIdFor, entryRefIdFor } = await import('../src');
    const a = articleIdFor(urlKey('https://www.example.com/x/?utm_source=a'));
    expect(a).toMatch(/^[0-9a-f]{24}$/);
    expect(articleIdFor(urlKey('http://example.com/x'))).toBe(a);
    expect(articleIdFor(urlKey('http://example.com/y'))).not.toBe(a);
    expect(entryRefIdFor('f1', 'g')).not.toBe(entryRefIdFor('f2', 'g'));
  });
});
