import type { PriorityPolicy } from '../config/policy.schema';
import type { Wedding } from '../context/event-context';
import type { ChangeEvent } from '../intake/change-event';
import { dayBounds, daysUntil } from '../lib/zoned-time';
import type { NotificationKind, Priority, PriorityLevel } from '../vocabulary';

const ORDER: readonly PriorityLevel[] = ['low', 'normal', 'high', 'critical'];
const BASE_SCORE: Readonly<Record<PriorityLevel, number>> = { low: 20, normal: 40, high: 60, critical: 80 };

export function levelRank(level: PriorityLevel): number {
  return ORDER.indexOf(level);
}

export function higherLevel(a: PriorityLevel, b: PriorityLevel): PriorityLevel {
  return levelRank(a) >= levelRank(b) ? a : b;
}

export interface PriorityInput {
  readonly kind: NotificationKind;
  readonly event: ChangeEvent;
  readonly wedding: Wedding | null;
  /** A fixed base level from the rule, instead of the policy's level for the kind. */
  readonly ruleLevel?: PriorityLevel;
  readonly policy: PriorityPolicy;
  readonly nowMs: number;
}

/**
 * How urgent a change is, and why. Pure: the clock is an input, and every wall-clock question is
 * asked in the wedding's own time zone, so a 9 a.m. wedding in Auckland is "today" in Auckland.
 *
 * Two kinds of raise: what is urgent by nature (an emergency, a date change close to a date, a
 * timeline item about to start) reaches its level anywhere; the wedding's window raises every
 * other change by `weddingDayRaiseLevels`, never past the kind's ceiling, so a profile tweak on
 * the day is noticed sooner without paging anyone.
 */
export function assessPriority({ kind, event, wedding, ruleLevel, policy, nowMs }: PriorityInput): Priority {
  let level: PriorityLevel = ruleLevel ?? policy.kinds[kind];
  const reasons = [ruleLevel ? `rule sets ${ruleLevel}` : `${kind} is ${level}`];
  const raise = (to: PriorityLevel, why: string) => {
    if (levelRank(to) > levelRank(level)) level = to;
    if (levelRank(to) >= levelRank(level)) reasons.push(why);
  };

  if (kind === 'wedding.emergency') raise('critical', 'emergency alert');
  if (wedding) {
    const daysAway = daysUntil(wedding.date, nowMs, wedding.timeZone);
    if (kind === 'wedding.date_changed') {
      const previous = dateOf(event.oldRecord?.wedding_date);
      const near = [wedding.date, previous].filter((d): d is string => !!d).find((d) => within(daysUntil(d, nowMs, wedding.timeZone), policy.dateChangeCriticalWithinDays));
      if (near) raise('critical', `date change touches ${near}, within ${policy.dateChangeCriticalWithinDays} days`);
    }
    if (kind === 'timeline.updated') {
      if (within(daysAway, policy.timelineHighWithinDays)) raise('high', `timeline change ${daysAway} day(s) before the wedding`);
      const hours = policy.timelineCriticalWithinHours;
      if (startsWithinHours(event, nowMs, hours)) raise('critical', `timeline item starts within ${hours} h`);
    }
    const day = weddingWindow(wedding, nowMs, policy.weddingDayWindowHours);
    if (day) {
      const ceiling = policy.weddingDayCeilings[kind];
      const raised = ORDER[Math.min(levelRank(level) + policy.weddingDayRaiseLevels, levelRank(ceiling))]!;
      if (levelRank(raised) > levelRank(level)) raise(raised, `${day}: raised to ${raised} (ceiling for ${kind}: ${ceiling})`);
    }
  }
  // Whatever the rule or the window says, a generic change never pages (the config refuses it too).
  if (kind === 'change.generic' && level === 'critical') level = 'high';
  return { level, score: score(level, wedding, nowMs), reasons };
}

/**
 * The highest level `assessPriority` can give this change, whatever its wedding turns out to be:
 * read before the context, so that changes that may be critical are decided first when deciding
 * is behind (decide-runner.ts). An upper bound, kept in step with the raises above: a date change
 * is assumed near, the wedding assumed in its window.
 */
export function priorityCeiling({ kind, event, ruleLevel, policy, nowMs }: Omit<PriorityInput, 'wedding'>): PriorityLevel {
  let level: PriorityLevel = ruleLevel ?? policy.kinds[kind];
  const raise = (to: PriorityLevel) => {
    if (levelRank(to) > levelRank(level)) level = to;
  };
  if (kind === 'wedding.emergency' || kind === 'wedding.date_changed') raise('critical');
  if (kind === 'timeline.updated') {
    raise('high');
    if (startsWithinHours(event, nowMs, policy.timelineCriticalWithinHours)) raise('critical');
  }
  raise(ORDER[Math.min(levelRank(level) + policy.weddingDayRaiseLevels, levelRank(policy.weddingDayCeilings[kind]))]!);
  if (kind === 'change.generic' && level === 'critical') level = 'high';
  return level;
}

/**
 * Whether a change about this wedding falls inside its window (the day, in its zone, and the
 * hours before), where high and critical messages bypass quiet hours and caps.
 */
export function insideWeddingWindow(wedding: Wedding | null, nowMs: number, policy: PriorityPolicy): boolean {
  return wedding !== null && weddingWindow(wedding, nowMs, policy.weddingDayWindowHours) !== null;
}

/** "wedding is today" / "wedding starts within 24 h", or null. */
function weddingWindow(wedding: Wedding, nowMs: number, windowHours: number): string | null {
  const { startMs, endMs } = dayBounds(wedding.date, wedding.timeZone);
  if (nowMs >= endMs) return null;
  if (nowMs >= startMs) return `wedding is today (${wedding.date}, ${wedding.timeZone})`;
  if (startMs - nowMs <= windowHours * 3_600_000) return `wedding starts within ${windowHours} h (${wedding.date}, ${wedding.timeZone})`;
  return null;
}

/** A timeline item (its new or its previous start) beginning between now and `hours` from now. */
function startsWithinHours(event: ChangeEvent, nowMs: number, hours: number): boolean {
  return [event.record?.starts_at, event.oldRecord?.starts_at].some((value) => {
    const at = typeof value === 'string' ? Date.parse(value) : NaN;
    return Number.isFinite(at) && at >= nowMs && at - nowMs <= hours * 3_600_000;
  });
}

function within(days: number, limit: number): boolean {
  return days >= 0 && days <= limit;
}

function dateOf(value: unknown): string | null {
  return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value) ? value.slice(0, 10) : null;
}

/** Base score of the level, plus up to 19 the closer the wedding is, so nearer weddings go first. */
function score(level: PriorityLevel, wedding: Wedding | null, nowMs: number): number {
  if (!wedding) return BASE_SCORE[level];
  const days = daysUntil(wedding.date, nowMs, wedding.timeZone);
  const closeness = days < 0 ? 0 : Math.max(0, 19 - Math.min(19, Math.floor(days / 2)));
  return BASE_SCORE[level] + closeness;
}
