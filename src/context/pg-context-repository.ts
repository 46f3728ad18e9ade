import { createContextBatcher, DEFAULT_CONTEXT_BATCH, type ContextBatchOptions } from './context-batcher';
import { loadContexts } from './context-queries';
import type { ContextRepository, ContextResult } from './event-context';
import type { Queryable } from '../lib/queryable';
import { createTenantCache, type TenantCacheOptions } from './tenant-cache';

export interface PgContextRepositoryOptions {
  /** A pg Pool (or anything with its query method); the caller owns it and ends it. */
  readonly pool: Queryable;
  readonly cache: TenantCacheOptions;
  /** Used when an organization's own zone is not a valid IANA zone. */
  readonly defaultTimeZone?: string;
  /**
   * Named prepared statements (default true) save most of a miss's cost. Turn them off behind a
   * transaction-mode pooler (Supabase's port 6543, PgBouncer in transaction mode), where the next
   * transaction may land on a connection that never saw the statement.
   */
  readonly preparedStatements?: boolean;
  /** How misses are read together (one statement for the references asked for together). */
  readonly batch?: ContextBatchOptions;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Contexts read from the tenant tables, cached per (organization, wedding). Misses are not
 * cached: a wedding that is missing now is usually one whose row is being created. Cache misses
 * asked for together are read by one statement (context-batcher.ts).
 */
export function createPgContextRepository({
  pool,
  cache: cacheOptions,
  defaultTimeZone = 'UTC',
  preparedStatements = true,
  batch = DEFAULT_CONTEXT_BATCH,
}: PgContextRepositoryOptions): ContextRepository {
  const loadOptions = { defaultTimeZone, prepare: preparedStatements };
  const load = createContextBatcher((references) => loadContexts(pool, references, loadOptions), batch);
  const cache = createTenantCache<ContextResult>(cacheOptions);
  let closed = false;

  return {
    async resolve(reference) {
      if (closed) throw new Error('context repository is closed');
      // PostgreSQL prints UUIDs in lower case; normalising keeps one cache key, and one
      // invalidation target, per organization whatever case a caller used.
      const organizationId = reference.organizationId.toLowerCase();
      const weddingId = reference.weddingId?.toLowerCase() ?? null;
      // Checked here so that a malformed id is a miss, not a PostgreSQL syntax error.
      if (!UUID.test(organizationId)) return { ok: false, reason: 'organization_not_found', detail: 'organization id is not a UUID' };
      if (weddingId !== null && !UUID.test(weddingId)) return { ok: false, reason: 'wedding_not_found', detail: 'wedding id is not a UUID' };
      return cache.get(
        organizationId,
        weddingId ?? '-',
        () => load({ organizationId, weddingId }),
        (result) => result.ok,
      );
    },

    invalidate(organizationId) {
      cache.invalidate(organizationId === null ? null : organizationId.toLowerCase());
    },

    async close() {
      closed = true;
      cache.invalidate(null);
    },
  };
}
