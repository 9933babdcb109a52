import dns from 'node:dns';
import net from 'node:net';
import ipaddr from 'ipaddr.js';

type Addr = ipaddr.IPv4 | ipaddr.IPv6;

/** Error code the guarded lookup uses, so the client can tell a refused address from a DNS failure. */
export const SSRF_ERROR_CODE = 'ERR_NEWSLINE_SSRF_BLOCKED';

export class SsrfBlockedError extends Error {
  readonly code = SSRF_ERROR_CODE;
}

function parseAddress(ip: string): Addr | undefined {
  let bare = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  // Zone ids (fe80::1%eth0) say nothing about the range.
  const zone = bare.indexOf('%');
  if (zone >= 0) bare = bare.slice(0, zone);
  // net.isIP accepts only canonical literals; ipaddr.parse alone would also take "0x7f.1"-style forms.
  if (net.isIP(bare) === 0) return undefined;
  const addr = ipaddr.parse(bare);
  if (addr.kind() === 'ipv6') {
    const v6 = addr as ipaddr.IPv6;
    // ::ffff:a.b.c.d reaches the IPv4 host, so judge it as IPv4.
    if (v6.isIPv4MappedAddress()) return v6.toIPv4Address();
  }
  return addr;
}

/**
 * True when connecting to `ip` could reach something that is not the public internet: loopback,
 * RFC 1918, CGNAT, link-local (incl. cloud metadata 169.254.169.254), unique-local fc00::/7
 * (incl. fd00:ec2::254), multicast, unspecified, broadcast, reserved/documentation ranges,
 * IPv4-mapped forms of those, and IPv6 transition ranges (NAT64, 6to4, Teredo) that embed an
 * IPv4 target we cannot vet. Anything that is not a valid IP literal is forbidden too.
 */
export function isForbiddenAddress(ip: string): boolean {
  const addr = parseAddress(ip);
  if (!addr) return true;
  if (addr.kind() === 'ipv6') {
    const parts = (addr as ipaddr.IPv6).parts;
    // Deprecated IPv4-compatible ::a.b.c.d (and ::/96 generally) is never a public destination.
    if (parts.slice(0, 6).every((p) => p === 0)) return true;
  }
  return addr.range() !== 'unicast';
}

/** The allow list: hostnames match the URL host exactly; IPs and CIDRs match resolved addresses. */
export class AllowList {
  private readonly hosts = new Set<string>();
  private readonly cidrs: Array<[Addr, number]> = [];

  constructor(entries: readonly string[] = []) {
    for (const raw of entries) {
      const entry = raw.trim().toLowerCase();
      if (!entry) continue;
      const bare = entry.startsWith('[') && entry.endsWith(']') ? entry.slice(1, -1) : entry;
      if (bare.includes('/')) {
        this.cidrs.push(ipaddr.parseCIDR(bare));
      } else if (net.isIP(bare)) {
        const addr = ipaddr.parse(bare);
        this.cidrs.push([addr, addr.kind() === 'ipv4' ? 32 : 128]);
      } else {
        this.hosts.add(bare);
      }
    }
  }

  hostAllowed(hostname: string): boolean {
    return this.hosts.has(hostname.toLowerCase());
  }

  addressAllowed(ip: string): boolean {
    const addr = parseAddress(ip);
    if (!addr) return false;
    return this.cidrs.some(([range, bits]) => range.kind() === addr.kind() && addr.match(range, bits));
  }
}

export type UrlCheck =
  | { ok: true; url: URL; host: string; port: number; allowListed: boolean }
  | { ok: false; code: 'invalid-url' | 'ssrf-blocked' | 'network'; message: string };

/** Ports reachable on hosts that are not allow-listed: the web defaults and unprivileged ports. */
export function portAllowed(port: number): boolean {
  return port === 80 || port === 443 || port >= 1024;
}

function defaultPort(protocol: string): number {
  return protocol === 'https:' ? 443 : 80;
}

export function lookupAll(hostname: string): Promise<dns.LookupAddress[]> {
  return dns.promises.lookup(hostname, { all: true, verbatim: true });
}

/**
 * Vets one hop before anything touches the network: scheme, credentials, port and every address
 * the host resolves to. The connection itself is still re-checked by `guardedLookup`, because DNS
 * may answer differently by the time the socket opens.
 */
export async function checkUrl(input: string | URL, allow: AllowList): Promise<UrlCheck> {
  let url: URL;
  try {
    url = typeof input === 'string' ? new URL(input) : new URL(input.href);
  } catch {
    return { ok: false, code: 'invalid-url', message: `not a valid absolute URL: ${String(input).slice(0, 200)}` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, code: 'invalid-url', message: `scheme ${url.protocol} is not http(s)` };
  }
  if (url.username || url.password) {
    return { ok: false, code: 'invalid-url', message: 'credentials in URLs are refused' };
  }
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (!host) return { ok: false, code: 'invalid-url', message: 'URL has no host' };
  const port = url.port ? Number(url.port) : defaultPort(url.protocol);

  let allowListed = allow.hostAllowed(host);
  if (!allowListed) {
    let addresses: string[];
    if (net.isIP(host)) {
      addresses = [host];
    } else {
      try {
        addresses = (await lookupAll(host)).map((a) => a.address);
      } catch (err) {
        return { ok: false, code: 'network', message: `DNS lookup failed for ${host}: ${(err as Error).message}` };
      }
    }
    // Refuse if ANY address is forbidden: a name mixing public and private records is a rebinding tell.
    for (const a of addresses) {
      if (!allow.addressAllowed(a) && isForbiddenAddress(a)) {
        return { ok: false, code: 'ssrf-blocked', message: `${host} resolves to forbidden address ${a}` };
      }
    }
    allowListed = addresses.length > 0 && addresses.every((a) => allow.addressAllowed(a));
  }
  if (!allowListed && !portAllowed(port)) {
    return { ok: false, code: 'ssrf-blocked', message: `port ${port} is not allowed for ${host}` };
  }
  return { ok: true, url, host, port, allowListed };
}

/**
 * DNS lookup for the connection pool: resolves, refuses forbidden addresses, and hands the socket
 * exactly the addresses it vetted, so a rebinding answer between check and connect cannot slip in.
 */
export function guardedLookup(allow: AllowList): net.LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true, verbatim: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      if (!allow.hostAllowed(hostname)) {
        const bad = addresses.find((a) => !allow.addressAllowed(a.address) && isForbiddenAddress(a.address));
        if (bad) return callback(new SsrfBlockedError(`${hostname} resolved to forbidden address ${bad.address}`), '', 0);
      }
      const first = addresses[0];
      if (!first) return callback(Object.assign(new Error(`no addresses for ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
      if (options.all) callback(null, addresses);
      else callback(null, first.address, first.family);
    });
  };
}

/** Lowercased host:port with the scheme's default port filled in, e.g. 'example.com:443'. */
export function hostKey(url: string | URL): string {
  const u = typeof url === 'string' ? new URL(url) : url;
  const port = u.port ? Number(u.port) : defaultPort(u.protocol);
  return `${u.hostname.toLowerCase()}:${port}`;
}
