export interface QueryConfigLike {
  readonly text: string;
  readonly values?: unknown[];
  /** Prepares the statement once per connection under this name (pg's named statements). */
  readonly name?: string;
}

/**
 * The one method the repository calls: a pg Pool, a PoolClient inside a transaction, or a test
 * wrapper that counts queries all fit.
 */
export interface Queryable {
  query<R extends object = Record<string, unknown>>(config: QueryConfigLike): Promise<{ rows: R[] }>;
}
