import { LRUCache } from 'lru-cache';

interface Token {
  readonly accessToken: string;
  readonly expiresAtMs: number;
}

/**
 * Short-lived OAuth access tokens (Tripleseat: 2 h), one per connection, bounded so the cost grows
 * with active connections, not with every one ever seen. Concurrent sends of one connection share
 * one token request. Per replica: each replica fetches its own client-credentials token, which
 * does not invalidate another's.
 */
export class TokenCache {
  private readonly tokens = new LRUCache<string, Token>({ max: 1_000 });
  private readonly inFlight = new Map<string, Promise<string>>();

  constructor(private readonly now: () => number = Date.now) {}

  async get(connectionId: string, fetchToken: () => Promise<{ accessToken: string; expiresInS: number }>): Promise<string> {
    const held = this.tokens.get(connectionId);
    // A minute's margin: a token that expires mid-request is a 401 we caused ourselves.
    if (held && held.expiresAtMs - 60_000 > this.now()) return held.accessToken;
    const running = this.inFlight.get(connectionId);
    if (running) return running;
    const fetching = fetchToken()
      .then(({ accessToken, expiresInS }) => {
        this.tokens.set(connectionId, { accessToken, expiresAtMs: this.now() + expiresInS * 1000 });
        return accessToken;
      })
      .finally(() => this.inFlight.delete(connectionId));
    this.inFlight.set(connectionId, fetching);
    return fetching;
  }

  forget(connectionId: string): void {
    this.tokens.delete(connectionId);
  }
}
