// Admission checks for the HTTP transport: DNS-rebinding protection (Host, Origin) and named bearer tokens.
import * as crypto from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/server';
import { sha256 } from '../sha256.js';

/** True for names and addresses that only this machine can reach (the whole of 127/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  let h = host.trim().toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h.endsWith('.')) h = h.slice(0, -1);
  if (h === 'localhost' || h.endsWith('.localhost') || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  if (h.startsWith('::ffff:')) h = h.slice('::ffff:'.length);
  return /^127(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(h);
}

interface HostPolicyOptions {
  bindHost: string;
  port: number;
  allowedHosts?: readonly string[] | undefined;
  allowedOrigins?: readonly string[] | undefined;
}

export interface HostPolicy {
  isHostAllowed(host: string | undefined): boolean;
  isOriginAllowed(origin: string | undefined): boolean;
}

// Browsers serialize an Origin as scheme://host[:port] in lower case, so one anchored pattern suffices.
const LOOPBACK_ORIGIN = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$/i;

/** Brackets an IPv6 literal so it can be compared with a Host header. */
function hostLiteral(host: string): string {
  const h = host.toLowerCase();
  return h.includes(':') && !h.startsWith('[') ? `[${h}]` : h;
}

/** The hostname part of a Host header value (`[::1]:8080` → `[::1]`, `example.com:80` → `example.com`). */
function hostnameOf(hostHeader: string): string {
  if (hostHeader.startsWith('[')) {
    const end = hostHeader.indexOf(']');
    return end === -1 ? hostHeader : hostHeader.slice(0, end + 1);
  }
  const colon = hostHeader.indexOf(':');
  return colon === -1 ? hostHeader : hostHeader.slice(0, colon);
}

/**
 * Builds the Host/Origin allowlists once, after the port is known. Defaults accept exactly the loopback names
 * with the bound port (a DNS-rebinding page arrives with its own hostname in Host), plus the bind host itself.
 * A configured host without a port matches that hostname on any port, which is what a reverse proxy needs.
 */
export function createHostPolicy(options: HostPolicyOptions): HostPolicy {
  const exactHosts = new Set<string>();
  const anyPortHosts = new Set<string>();
  if (options.allowedHosts && options.allowedHosts.length > 0) {
    for (const entry of options.allowedHosts) {
      const value = entry.trim().toLowerCase();
      if (hostnameOf(value) === value) anyPortHosts.add(hostLiteral(value));
      else exactHosts.add(value);
    }
  } else {
    for (const name of ['localhost', '127.0.0.1', '[::1]', hostLiteral(options.bindHost)]) {
      exactHosts.add(`${name}:${options.port}`);
      // Clients omit the default port from Host.
      if (options.port === 80) exactHosts.add(name);
    }
  }
  const origins =
    options.allowedOrigins && options.allowedOrigins.length > 0
      ? new Set(options.allowedOrigins.map((origin) => origin.trim().toLowerCase()))
      : undefined;

  return {
    isHostAllowed(host) {
      if (host === undefined || host === '') return false;
      // The common case, an allowed value already in lower case, needs no copy.
      if (exactHosts.has(host)) return true;
      const value = host.toLowerCase();
      return exactHosts.has(value) || anyPortHosts.has(hostnameOf(value));
    },
    isOriginAllowed(origin) {
      // Non-browser clients send no Origin; a browser page always does on cross-origin requests.
      if (origin === undefined) return true;
      return origins ? origins.has(origin.toLowerCase()) : LOOPBACK_ORIGIN.test(origin);
    },
  };
}

interface NamedToken {
  name: string;
  token: string;
}

interface BearerAuth {
  readonly enabled: boolean;
  /** The principal's AuthInfo when the header carries a known token; undefined otherwise. */
  authenticate(authorization: string | undefined): AuthInfo | undefined;
}

/**
 * Named bearer tokens compared in constant time: both sides are hashed first so the comparison never depends
 * on the secret's length, and every token is compared so the position of a match does not leak either.
 */
export function createBearerAuth(bearerTokens: ReadonlyArray<NamedToken>): BearerAuth {
  const entries = bearerTokens.map(({ name, token }) => {
    if (name.trim() === '' || token.trim() === '') {
      throw new Error('every HTTP bearer token needs a non-empty name and value');
    }
    // One frozen AuthInfo per principal: the hot path hands it out without allocating, and tools cannot edit it.
    const authInfo: AuthInfo = Object.freeze({
      token: '<redacted>',
      clientId: name,
      scopes: Object.freeze([]) as unknown as string[],
    });
    return { digest: sha256(token, 'buffer'), authInfo };
  });

  return {
    enabled: entries.length > 0,
    authenticate(authorization) {
      if (authorization === undefined || authorization.length < 8) return undefined;
      if (authorization.slice(0, 7).toLowerCase() !== 'bearer ') return undefined;
      const presented = sha256(authorization.slice(7).trim(), 'buffer');
      let match: AuthInfo | undefined;
      for (const entry of entries) {
        if (crypto.timingSafeEqual(presented, entry.digest) && match === undefined) match = entry.authInfo;
      }
      return match;
    },
  };
}

/**
 * Removes the Authorization header once it has been checked, so the secret never reaches tool handlers
 * (extra.requestInfo.headers) or anything they log. The SDK transport rebuilds headers from rawHeaders.
 */
export function redactAuthorization(req: IncomingMessage): void {
  delete req.headers.authorization;
  const raw = req.rawHeaders;
  for (let i = raw.length - 2; i >= 0; i -= 2) {
    if (raw[i]?.toLowerCase() === 'authorization') raw.splice(i, 2);
  }
}
