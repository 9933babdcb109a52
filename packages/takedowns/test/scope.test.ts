import { articleIdFor, domainsOf } from '@newsline/domain';
import { canonicalJson, matchesScope, scopeFilter, scopeKey } from '../src';

describe('scope matching', () => {
  it('URL: http/https, www, slash, tracking and AMP variants share one key', () => {
    const key = scopeKey('URL', 'https://www.example.com/news/story-1/?utm_source=x');
    expect(key).toBe('example.com/news/story-1');
    for (const v of [
      'http://example.com/news/story-1',
      'https://example.com/news/story-1/amp',
      'https://www.example.com/news/story-1?fbclid=1',
    ])
      expect(matchesScope({ kind: 'URL', key }, { url: v })).toBe(true);
    expect(matchesScope({ kind: 'URL', key }, { url: 'https://example.com/news/story-2' })).toBe(false);
    expect(scopeFilter({ kind: 'URL', key })).toEqual({ $or: [{ _id: articleIdFor(key) }, { urlKey: key }] });
  });
  it('PREFIX keeps a given trailing slash so /news/ does not cover /newsletter', () => {
    const s = { kind: 'PREFIX' as const, key: scopeKey('PREFIX', 'https://www.example.com/news/') };
    expect(s.key).toBe('example.com/news/');
    expect(matchesScope(s, { url: 'http://example.com/news/a?utm_medium=x' })).toBe(true);
    expect(matchesScope(s, { url: 'https://example.com/news' })).toBe(true);
    expect(matchesScope(s, { url: 'https://example.com/newsletter' })).toBe(false);
    expect(matchesScope(s, { url: 'https://other.com/news/a' })).toBe(false);
  });
  it('DOMAIN covers the host and its subdomains, not look-alikes', () => {
    const s = { kind: 'DOMAIN' as const, key: scopeKey('DOMAIN', 'WWW.Example.com') };
    expect(s.key).toBe('example.com');
    expect(matchesScope(s, { url: 'https://example.com/a' })).toBe(true);
    expect(matchesScope(s, { url: 'https://blog.example.com/a' })).toBe(true);
    expect(matchesScope(s, { url: 'https://notexample.com/a' })).toBe(false);
    // The stored side: an article's `domains` (domainsOf) holds the key exactly when matchesScope does.
    expect(scopeFilter(s)).toEqual({ domains: 'example.com' });
    for (const [url, hit] of [
      ['https://www.example.com/x', true],
      ['https://blog.example.com:8080/x', true],
      ['https://example.com.evil.net/x', false],
      ['https://notexample.com/a', false],
    ] as const) {
      expect([url, domainsOf(url).includes(s.key)]).toEqual([url, hit]);
      expect([url, matchesScope(s, { url })]).toEqual([url, hit]);
    }
  });
  it('SOURCE matches on the source id only', () => {
    const s = { kind: 'SOURCE' as const, key: scopeKey('SOURCE', '0123456789abcdef01234567') };
    expect(matchesScope(s, { url: 'https://x.com/', sourceId: '0123456789abcdef01234567' })).toBe(true);
    expect(matchesScope(s, { url: 'https://x.com/' })).toBe(false);
    expect(() => scopeKey('SOURCE', 'nope')).toThrow();
  });
  it('canonical JSON sorts keys at every level', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[2,{"y":2,"z":1}]},"b":1}');
  });
});
