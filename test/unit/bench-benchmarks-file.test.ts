import { describe, expect, it } from '@jest/globals';
import { carryFigure } from '../../bench/lib/benchmarks-file';

const file = (rows: string[], sections: string[]) =>
  ['# Benchmarks', '', '## Summary', '', '| fig | what |', '|---|---|', ...rows, '', 'Rows marked', '', ...sections, '## Findings across figures', '', '- general', ''].join('\n');

describe('carryFigure (figure 11 of BENCHMARKS.md runs on its own flag)', () => {
  it("replaces only the figure's summary rows and section, where they were", () => {
    const old = file(['| 8a | e2e |', '| 11a | old saturday |', '| 11b· | old context |'], ['## 8. End to end', '', '- eight', '', '## 11. A wedding Saturday', '', '- old', '']);
    const run = file(['| 11a | new saturday |'], ['## 11. A wedding Saturday', '', '- new', '']);
    const out = carryFigure(run, old, '11');
    expect(out).toContain('| 8a | e2e |');
    expect(out).toContain('- eight');
    expect(out).toContain('| 11a | new saturday |');
    expect(out).not.toContain('old saturday');
    expect(out).not.toContain('old context');
    expect(out).not.toContain('- old');
    expect(out.indexOf('- new')).toBeLessThan(out.indexOf('## Findings across figures'));
    expect(out.indexOf('| 8a |')).toBeLessThan(out.indexOf('| 11a |'));
  });

  it('adds the figure after the last summary row and before the findings when the file has none', () => {
    const full = file(['| 8a | e2e |', '| 9 | sms |'], ['## 8. End to end', '', '- eight', '']);
    const run = file(['| 11a | saturday |'], ['## 11. A wedding Saturday', '', '- new', '']);
    const lines = carryFigure(run, full, '11').split('\n');
    expect(lines.indexOf('| 11a | saturday |')).toBe(lines.indexOf('| 9 | sms |') + 1);
    expect(lines.indexOf('## 11. A wedding Saturday')).toBeGreaterThan(lines.indexOf('- eight'));
    expect(lines.indexOf('## 11. A wedding Saturday')).toBeLessThan(lines.indexOf('## Findings across figures'));
  });

  it("keeps the last Saturday's part when a full run rewrites the file without it", () => {
    const before = file(['| 8a | old e2e |', '| 11a | saturday |'], ['## 8. End to end', '', '- old eight', '', '## 11. A wedding Saturday', '', '- kept', '']);
    const fullRun = file(['| 8a | new e2e |'], ['## 8. End to end', '', '- new eight', '']);
    const out = carryFigure(before, fullRun, '11');
    expect(out).toContain('| 8a | new e2e |');
    expect(out).not.toContain('old e2e');
    expect(out).toContain('| 11a | saturday |');
    expect(out).toContain('- kept');
    expect(carryFigure(fullRun, fullRun, '11')).toBe(fullRun);
  });
});
