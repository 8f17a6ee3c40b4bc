import { hostname as osHostname, networkInterfaces } from 'node:os';
import { isIP } from 'node:net';

// Which names and origins serve mode answers to. A browser request carries the name the user typed (Host) and,
// for API calls, the page it came from (Origin). Both are checked against explicit lists on every request:
// a Host the server does not know is how DNS rebinding reaches a server on the LAN, and an Origin it does not
// know is a foreign page trying to use a signed-in browser's cookie.

/** Whether an address only accepts connections from this computer. */
export function isLoopbackHost(host: string): boolean {
  return host === '127.0.0.1' || host === '::1' || host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Whether a listen address accepts connections on every interface. */
export function isWildcardHost(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '';
}

/** An address as it appears in a URL or Host header: IPv6 in brackets. */
export function urlHost(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}

/** The addresses of this computer that other machines can use (no loopback, no link-local IPv6). */
export function lanAddresses(interfaces: ReturnType<typeof networkInterfaces> = networkInterfaces()): string[] {
  const found: string[] = [];
  for (const entries of Object.values(interfaces)) {
    for (const entry of entries ?? []) {
      if (entry.internal) continue;
      // fe80:: addresses need a zone index (%eth0) that browsers do not accept in URLs.
      if (entry.family === 'IPv6' && /^fe80:/i.test(entry.address)) continue;
      found.push(entry.address);
    }
  }
  // IPv4 first: it is what people type and what home routers hand out.
  return [...new Set(found)].sort((a, b) => (isIP(a) === isIP(b) ? 0 : isIP(a) === 4 ? -1 : 1));
}

/** The names this computer is known by on a home network: its host name and its mDNS name (name.local). */
export function localHostNames(name: string = osHostname()): string[] {
  const clean = name.trim().toLowerCase();
  if (clean === '' || clean === 'localhost') return [];
  const short = clean.split('.')[0]!;
  return [...new Set([clean, short, clean.endsWith('.local') ? clean : `${short}.local`])];
}

/** What decides the lists: where the server listens and what the user allowed on top. */
export interface AccessOptions {
  /** 'https' when the server speaks TLS itself. */
  scheme: 'http' | 'https';
  /** The listen address (127.0.0.1, 0.0.0.0, a LAN address, ...). */
  bindHost: string;
  port: number;
  /** Extra names the server is reached by (--allow-host homeserver.local). */
  allowHosts?: readonly string[];
  /** Extra origins pages may come from (--allow-origin https://designer.example.org, for a reverse proxy). */
  allowOrigins?: readonly string[];
  /** This computer's LAN addresses; defaults to the network interfaces. */
  lanAddresses?: readonly string[];
  /** This computer's names; defaults to its host name and name.local. */
  hostNames?: readonly string[];
}

/** The host names and origins a running server accepts. */
export interface AccessPolicy {
  /** Every accepted Host header value, lowercase (host:port, and bare names for a reverse proxy on 443). */
  readonly hosts: ReadonlySet<string>;
  /** Every accepted Origin, lowercase, besides the server's own scheme with the request's Host. */
  readonly origins: ReadonlySet<string>;
  /** Whether a Host header names this server. */
  isAllowedHost(hostHeader: string | undefined): boolean;
  /** Whether an Origin header belongs to this server, for a request that came with this Host. */
  isAllowedOrigin(origin: string, hostHeader: string): boolean;
  /** The addresses to print for people to open, best first. */
  readonly openUrls: readonly string[];
}

/** Reduces an origin from the command line to its canonical form (scheme://host[:port], lowercase), or throws. */
export function canonicalOrigin(raw: string): string {
  const url = new URL(raw);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`${raw} is not an http or https address`);
  if (url.username !== '' || url.password !== '') throw new Error(`${raw} contains a user name or password`);
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '') throw new Error(`${raw} has a path; give only scheme://host[:port]`);
  return url.origin.toLowerCase();
}

/** Checks a host name from the command line (--allow-host): a DNS name or an IP address, without scheme or port. */
export function checkHostName(raw: string): string {
  const name = raw.trim().toLowerCase().replace(/\.$/, '');
  if (isIP(name) !== 0) return name;
  if (!/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/.test(name)) {
    throw new Error(`"${raw}" is not a host name (give a name like homeserver.local or an address, without http:// or a port)`);
  }
  return name;
}

/** Builds the lists for a server from where it listens and what the user allowed. */
export function createAccessPolicy(options: AccessOptions): AccessPolicy {
  const { scheme, bindHost, port } = options;
  const loopbackNames = ['127.0.0.1', 'localhost', '::1'];
  const names = new Set<string>();
  if (isLoopbackHost(bindHost)) {
    for (const name of loopbackNames) names.add(name);
    if (!loopbackNames.includes(bindHost)) names.add(bindHost);
  } else if (isWildcardHost(bindHost)) {
    for (const name of loopbackNames) names.add(name);
    for (const address of options.lanAddresses ?? lanAddresses()) names.add(address.toLowerCase());
    for (const name of options.hostNames ?? localHostNames()) names.add(name);
  } else {
    names.add(bindHost.toLowerCase());
    for (const name of options.hostNames ?? localHostNames()) names.add(name);
  }
  const extraHosts = (options.allowHosts ?? []).map(checkHostName);
  for (const name of extraHosts) names.add(name);

  const hosts = new Set<string>();
  for (const name of names) hosts.add(`${urlHost(name)}:${port}`);
  // A reverse proxy on the standard port passes a Host without a port; only names the user listed get that.
  for (const name of extraHosts) hosts.add(urlHost(name));

  const origins = new Set<string>();
  for (const raw of options.allowOrigins ?? []) {
    const origin = canonicalOrigin(raw);
    origins.add(origin);
    // The proxy may pass the public name on as Host: accept that name too.
    hosts.add(new URL(origin).host);
  }
  for (const name of extraHosts) origins.add(`https://${urlHost(name)}`);

  const openUrls: string[] = [];
  const base = (name: string) => `${scheme}://${urlHost(name)}:${port}/`;
  if (isLoopbackHost(bindHost)) {
    openUrls.push(base(bindHost === 'localhost' ? '127.0.0.1' : bindHost));
  } else {
    const addresses = isWildcardHost(bindHost) ? (options.lanAddresses ?? lanAddresses()) : [bindHost];
    // Names the user gave first, then addresses (they always work), then the mDNS name (needs avahi or Bonjour).
    for (const name of [...extraHosts, ...addresses, ...(options.hostNames ?? localHostNames()).filter((n) => n.endsWith('.local'))]) openUrls.push(base(name));
  }
  for (const origin of options.allowOrigins ?? []) openUrls.push(`${canonicalOrigin(origin)}/`);

  return {
    hosts,
    origins,
    openUrls: [...new Set(openUrls)],
    isAllowedHost: (hostHeader) => hostHeader !== undefined && hosts.has(hostHeader.toLowerCase()),
    isAllowedOrigin: (origin, hostHeader) => {
      const lower = origin.toLowerCase();
      return lower === `${scheme}://${hostHeader.toLowerCase()}` || origins.has(lower);
    },
  };
}
