export interface ConfigProblem {
  /** Where the value came from: the environment or the JSON file. */
  readonly source: 'env' | 'file';
  /** Dotted path of the offending key, e.g. `rules.0.deliver.1.endpoint`. */
  readonly path: string;
  readonly message: string;
}

/** Thrown at start when configuration is invalid; lists every problem and never any value. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(`invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${formatProblems(problems)}`);
    this.name = 'ConfigError';
  }
}

export function formatProblems(problems: readonly ConfigProblem[]): string {
  return problems.map((p) => `  - ${p.source === 'env' ? 'env' : 'config'} ${p.path || '(root)'}: ${p.message}`).join('\n');
}
