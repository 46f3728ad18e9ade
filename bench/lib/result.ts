/** What every figure hands the runner: rows for the table, and the method in a few lines. */

export interface FigureRow {
  /** Figure number from issue 8, with a variant when there are several (2a, 2b …). */
  readonly id: string;
  readonly what: string;
  readonly value: number;
  readonly unit: string;
  /** Measured in the same run; null for rows that are only context. */
  readonly baseline: { readonly what: string; readonly value: number } | null;
  /** value ÷ baseline. */
  readonly ratio: number | null;
  /** The goal as issue 8 states it; empty for context rows. */
  readonly goal: string;
  /** Judged only in a full run: null for context rows and in --quick. */
  readonly met: boolean | null;
}

export interface FigureResult {
  readonly title: string;
  readonly rows: FigureRow[];
  /** Markdown lines: how it was measured, what else was seen. */
  readonly notes: string[];
  readonly seconds?: number;
}

export interface RunOptions {
  /** Small sizes, no judgement: shows the harness works. */
  readonly quick: boolean;
  /** The memory run lasts the full 10 minutes of the issue. */
  readonly long: boolean;
  /** Record CPU profiles of the figures' hot phases and summarise them. */
  readonly profile: boolean;
  readonly log: (message: string) => void;
}

/** Judge a goal only in a full run. */
export function judged(options: RunOptions, met: boolean): boolean | null {
  return options.quick ? null : met;
}
