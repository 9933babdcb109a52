import { computeBackoffMs, hostKey, isForbiddenAddress, parseRetryAfter, portAllowed } from '../src';
import { AllowList, guardedLookup, SSRF_ERROR_CODE } from '../src/address';

describe('isForbiddenAddress', () => {
  it.each([
    '127.0.0.1',
    '127.255.255.254',
    '10.0.0.1',
    '172.16.5.4',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '169.254.1.1',
    '100.64.0.1',
    '100.127.255.255',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fe80::1',
    'fe80::1%eth0',
    'fc00::1',
    'fd00:ec2::254',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.0.0.1',
    '::ffff:169.254.169.254',
    '::127.0.0.1',
    '64:ff9b::a00:1',
    '[::1]',
    'not-an-ip',
    '0x7f000001',
    '',
  ])('forbids %s', (ip) => {
    expect(isForbiddenAddress(ip)).toBe(true);
  });

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:2800:220:1:248:1893:25c8:1946', '::ffff:8.8.8.8'])(
    'allows public %s',
    (ip) => {
      expect(isForbiddenAddress(ip)).toBe(false);
    },
  );
});

describe('AllowList', () => {
  const allow = new AllowList(['127.0.0.1', '10.1.0.0/16', 'Demo.Local', '[::1]']);
  it('matches IPs, CIDRs (incl. IPv4-mapped) and hostnames case-insensitively', () => {
    expect(allow.addressAllowed('127.0.0.1')).toBe(true);
    expect(allow.addressAllowed('::ffff:127.0.0.1')).toBe(true);
    expect(allow.addressAllowed('10.1.200.3')).toBe(true);
    expect(allow.addressAllowed('::1')).toBe(true);
    expect(allow.addressAllowed('10.2.0.1')).toBe(false);
    expect(allow.addressAllowed('127.0.0.2')).toBe(false);
    expect(allow.hostAllowed('demo.local')).toBe(true);
    expect(allow.hostAllowed('other.local')).toBe(false);
  });
});

describe('hostKey', () => {
  it('lowercases and fills in default ports', () => {
    expect(hostKey('https://Example.COM/a?b')).toBe('example.com:443');
    expect(hostKey('http://example.com/')).toBe('example.com:80');
    expect(hostKey('http://example.com:8080/x')).toBe('example.com:8080');
    expect(hostKey('http://[::1]:81/')).toBe('[::1]:81');
    expect(hostKey(new URL('HTTP://0x7f000001/'))).toBe('127.0.0.1:80');
  });
  it('throws on a non-URL', () => {
    expect(() => hostKey('not a url')).toThrow();
  });
});

describe('portAllowed', () => {
  it('allows 80, 443 and unprivileged ports only', () => {
    expect([80, 443, 1024, 8080, 65535].every(portAllowed)).toBe(true);
    expect([22, 25, 111, 1023].some(portAllowed)).toBe(false);
  });
});

describe('computeBackoffMs', () => {
  const opts = { baseMs: 1000, maxMs: 3600_000 };
  it('doubles the ceiling per attempt, jitter in [ceiling/2, ceiling]', () => {
    expect(computeBackoffMs(1, { ...opts, random: () => 0 })).toBe(1000);
    expect(computeBackoffMs(1, { ...opts, random: () => 0.999999 })).toBe(1000);
    expect(computeBackoffMs(3, { ...opts, random: () => 0 })).toBe(2000);
    expect(computeBackoffMs(3, { ...opts, random: () => 0.5 })).toBe(3000);
    expect(computeBackoffMs(3, { ...opts, random: () => 0.999999 })).toBe(4000);
    expect(computeBackoffMs(5, { ...opts, random: () => 0 })).toBe(8000);
  });
  it('is bounded by maxMs, even for huge attempt counts', () => {
    expect(computeBackoffMs(40, { ...opts, random: () => 1 })).toBe(3600_000);
    expect(computeBackoffMs(5000, { ...opts, random: () => 0 })).toBe(1800_000);
    expect(computeBackoffMs(Infinity, { ...opts, random: () => 1 })).toBe(3600_000);
    expect(computeBackoffMs(NaN, { ...opts, random: () => 1 })).toBe(1000);
  });
  it('treats attempt < 1 as the first attempt', () => {
    expect(computeBackoffMs(0, { ...opts, random: () => 0.5 })).toBe(1000);
    expect(computeBackoffMs(-3, { ...opts, random: () => 0.5 })).toBe(1000);
  });
  it('spreads values across callers', () => {
    const values = new Set(Array.from({ length: 50 }, () => computeBackoffMs(6, opts)));
    expect(values.size).toBeGreaterThan(10);
    for (const v of values) {
      expect(v).toBeGreaterThanOrEqual(16_000);
      expect(v).toBeLessThanOrEqual(32_000);
    }
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  it('parses delta-seconds', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
  });
  it('parses HTTP-dates relative to now, clamping the past to 0', () => {
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:00:00 GMT', now)).toBe(0);
  });
  it('rejects garbage', () => {
    for (const v of [undefined, null, '', 'soon', '-5', '1.5', '12abc']) expect(parseRetryAfter(v, now)).toBeUndefined();
  });
});

describe('guardedLookup (the lookup every connection uses)', () => {
  function run(allow: string[], host: string, all: boolean): Promise<{ err: NodeJS.ErrnoException | null; address: unknown }> {
    return new Promise((resolve) => {
      guardedLookup(new AllowList(allow))(host, { all }, (err, address) => resolve({ err, address }));
    });
  }
  it('refuses a name that resolves to loopback unless allow-listed', async () => {
    const blocked = await run([], 'localhost', true);
    expect(blocked.err?.code).toBe(SSRF_ERROR_CODE);
    const byName = await run(['localhost'], 'localhost', true);
    expect(byName.err).toBeNull();
    expect(Array.isArray(byName.address)).toBe(true);
  });
  it('answers in single-address form when all is false', async () => {
    const r = await run(['localhost'], 'localhost', false);
    expect(r.err).toBeNull();
    expect(typeof r.address).toBe('string');
  });
});
