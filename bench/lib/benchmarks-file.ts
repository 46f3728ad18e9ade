/**
 * One figure's part of BENCHMARKS.md, carried from one text into another: its rows of the summary
 * table (`| 11… |`) and its section (`## 11. …` up to the next `## `). Figure 11 (a wedding
 * Saturday) runs on its own flag: its run replaces only its own part of the file, and a full run,
 * which rewrites the rest, keeps the part the last Saturday run wrote.
 */
const SUMMARY_HEADING = '## Summary';
const FINDINGS_HEADING = '## Findings across figures';

interface Part {
  readonly rows: string[];
  readonly section: string[];
}

const isRowOf = (line: string, figure: string) => new RegExp(`^\\| ${figure}[a-z·]* \\|`).test(line);

function sectionBounds(lines: readonly string[], figure: string): [number, number] | null {
  const start = lines.findIndex((l) => l.startsWith(`## ${figure}. `));
  if (start === -1) return null;
  const next = lines.findIndex((l, i) => i > start && l.startsWith('## '));
  return [start, next === -1 ? lines.length : next];
}

function partOf(lines: readonly string[], figure: string): Part {
  const bounds = sectionBounds(lines, figure);
  return { rows: lines.filter((l) => isRowOf(l, figure)), section: bounds ? lines.slice(bounds[0], bounds[1]) : [] };
}

/** `into` with figure `figure`'s summary rows and section replaced by those of `from` (added when `into` has none; kept when `from` has none). */
export function carryFigure(from: string, into: string, figure: string): string {
  const part = partOf(from.split('\n'), figure);
  if (part.rows.length === 0 && part.section.length === 0) return into;
  let lines = into.split('\n');
  const bounds = sectionBounds(lines, figure);
  if (bounds) lines = [...lines.slice(0, bounds[0]), ...lines.slice(bounds[1])];
  const firstRow = lines.findIndex((l) => isRowOf(l, figure));
  lines = lines.filter((l) => !isRowOf(l, figure));
  // The rows go where they were, else after the last row of the summary table.
  let at = firstRow;
  if (at === -1) {
    const summary = lines.indexOf(SUMMARY_HEADING);
    at = summary === -1 ? -1 : summary + 1;
    while (at !== -1 && at < lines.length && (lines[at]!.startsWith('|') || lines[at] === '')) {
      if (lines[at] === '' && lines[at - 1]?.startsWith('|')) break;
      at += 1;
    }
  }
  if (at !== -1) lines.splice(at, 0, ...part.rows);
  const findings = lines.indexOf(FINDINGS_HEADING);
  const sectionAt = findings === -1 ? lines.length : findings;
  lines.splice(sectionAt, 0, ...part.section);
  return lines.join('\n');
}
