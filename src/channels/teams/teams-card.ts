import type { NotificationContent } from '../messages';
import { extraFacts } from '../render/facts';
import { formatWeddingDate, PRIORITY_LABEL, urgencyMarker } from '../render/labels';
import { safeLink } from '../render/safe-link';
import { fitUnits, graphemes, oneLine } from '../render/text';

// Backslash-escaped (CommonMark) wherever they appear: emphasis, code, links, images, headings, quotes,
// tables, and `<…>` autolinks.
const ALWAYS = new Set(['\\', '`', '*', '_', '~', '[', ']', '(', ')', '#', '>', '<', '|', '{', '}', '!']);

/**
 * TextBlock and FactSet text is Markdown in Teams: a customer name like `[click](http://evil)`
 * would become a disguised link, `- x` or `1. x` a list, and `https://evil` or `www.evil` a
 * bare link. Escapes keep such text literal; each escape stays with its character (the units),
 * so cutting to a limit never leaves a dangling backslash.
 */
export function escapeTeams(text: string): string {
  return teamsUnits(text).join('');
}

function teamsUnits(text: string): string[] {
  const units = graphemes(text);
  const leadingNumber = /^\d+/.exec(text)?.[0].length ?? -1;
  const startsWord = (i: number) => i === 0 || !/[\p{L}\p{N}]/u.test(units[i - 1]!);
  return units.map((unit, i) => {
    const listMarker = i === 0 && (unit === '-' || unit === '+');
    const orderedList = i === leadingNumber && unit === '.';
    const scheme = unit === ':' && units[i + 1] === '/' && units[i + 2] === '/';
    const www = unit === '.' && i >= 3 && units.slice(i - 3, i).join('').toLowerCase() === 'www' && startsWord(i - 3);
    return ALWAYS.has(unit) || listMarker || orderedList || scheme || www ? `\\${unit}` : unit;
  });
}

const teams = (text: string, max: number) => fitUnits(teamsUnits(oneLine(text)), max);

const MAX_FACTS = 12;

/** The Workflows "message" envelope around one Adaptive Card (1.4, the newest Teams renders everywhere). */
export function renderTeamsMessage(content: NotificationContent, ackUrl?: string): unknown {
  const marker = urgencyMarker(content.priority.level);
  const link = safeLink(content.link);
  const body: unknown[] = [
    {
      type: 'TextBlock',
      text: teams(`${marker ? `${marker}: ` : ''}${content.title}`, 200),
      weight: 'Bolder',
      size: 'Medium',
      wrap: true,
      ...(content.priority.level === 'critical' ? { color: 'Attention' } : {}),
    },
    { type: 'TextBlock', text: teams(content.summary, 2000), wrap: true },
    { type: 'FactSet', facts: facts(content) },
  ];
  if (content.priority.reasons.length > 0) {
    body.push({ type: 'TextBlock', text: teams(`Why: ${content.priority.reasons.join(' · ')}`, 1000), isSubtle: true, size: 'Small', wrap: true });
  }
  return adaptiveCardMessage(body, [
    // Workflows cards only open URLs: the acknowledgement is the worker's signed link (partners.md §3.2).
    ...(ackUrl ? [{ type: 'Action.OpenUrl', title: 'Acknowledge', url: ackUrl, style: 'positive' }] : []),
    ...(link ? [{ type: 'Action.OpenUrl', title: 'Open in WedSync', url: link }] : []),
  ]);
}

/** The message envelope a Teams Workflows webhook takes: one Adaptive Card 1.4. */
export function adaptiveCardMessage(body: readonly unknown[], actions: readonly unknown[]): unknown {
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: { $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version: '1.4', body, actions },
      },
    ],
  };
}

function facts(content: NotificationContent): { title: string; value: string }[] {
  const fact = (title: string, value: string) => ({ title: teams(title, 100), value: teams(value, 500) });
  const list = [];
  const { wedding } = content;
  if (wedding) list.push(fact('Wedding', wedding.coupleName), fact('Date', formatWeddingDate(wedding.date)));
  list.push(fact('Priority', PRIORITY_LABEL[content.priority.level]));
  for (const f of extraFacts(content)) {
    if (list.length >= MAX_FACTS) break;
    list.push(fact(f.label, f.value));
  }
  return list;
}
