import { describe, expect, it } from '@jest/globals';
import { connectionOptionsSchema } from '../../../src/connections/connection';
import { honeybookZapBody } from '../../../src/partners/honeybook-zapier/mapping';
import { lightBlueFields, lightBlueOutcome } from '../../../src/partners/light-blue/mapping';
import { tripleseatEventFields } from '../../../src/partners/tripleseat/mapping';
import { venueEventBody } from '../../../src/partners/venue-webhook/mapping';
import { vscoJobFields, vscoNewJob } from '../../../src/partners/vsco-workspace/mapping';
import type { WeddingSnapshot } from '../../../src/partners/wedding-snapshot';

const options = connectionOptionsSchema.parse({});

function wedding(overrides: Partial<WeddingSnapshot> = {}): WeddingSnapshot {
  return {
    weddingId: '0000000a-0003-4000-8000-000000000001',
    organizationId: '0000000a-0001-4000-8000-000000000001',
    organizationName: 'Studio',
    coupleName: 'Aroha & Mere',
    date: '2027-02-13',
    timeZone: 'Pacific/Auckland',
    venueName: 'Waiheke Estate',
    status: 'confirmed',
    guestCount: 120,
    dietaryRequirements: 'Two vegan',
    accessibilityRequirements: 'Step-free access',
    couple: [
      { id: 'c1', name: 'Aroha Ngata Smith', email: 'aroha@example.com', phone: '+6421000000' },
      { id: 'c2', name: 'Mere Lee', email: 'mere@example.com', phone: null },
    ],
    timeline: [
      // 13 Feb 2027 in Auckland is NZDT (+13:00): 01:00Z is 14:00 local.
      { id: 't1', title: 'Setup', kind: 'setup', startsAt: '2027-02-13T01:00:00Z', endsAt: null },
      { id: 't2', title: 'Ceremony', kind: 'ceremony', startsAt: '2027-02-13T02:30:00Z', endsAt: '2027-02-13T03:15:00Z' },
      { id: 't3', title: 'Reception', kind: 'reception', startsAt: '2027-02-13T05:00:00Z', endsAt: '2027-02-13T11:30:00Z' },
    ],
    ...overrides,
  };
}

describe('HoneyBook via Zapier: flat body', () => {
  it('is one level of strings and numbers, with times in the wedding zone', () => {
    const body = honeybookZapBody(wedding(), 'date', options);
    expect(Object.values(body).every((v) => typeof v === 'string' || typeof v === 'number')).toBe(true);
    expect(body).toMatchObject({
      wedding_date: '2027-02-13',
      ceremony_time: '15:30',
      ceremony_start: '2027-02-13T15:30:00+13:00',
      setup_time: '14:00',
      reception_start: '2027-02-13T18:00:00+13:00',
      client_first_name: 'Aroha Ngata',
      client_last_name: 'Smith',
      guest_count: 120,
      reference: 'wedsync-wedding-0000000a-0003-4000-8000-000000000001',
    });
  });

  it.each([
    ['24h', '15:30'],
    ['12h', '3:30 PM'],
  ] as const)('writes times as %s', (timeFormat, expected) => {
    expect(honeybookZapBody(wedding(), 'timeline', { timeFormat }).ceremony_time).toBe(expected);
  });

  it('keeps every field, empty, when the wedding lacks it (a Zap mapping never loses its field)', () => {
    const body = honeybookZapBody(wedding({ timeline: [], venueName: null, guestCount: null, couple: [] }), 'venue', options);
    expect(body).toMatchObject({ ceremony_time: '', ceremony_start: '', venue_name: '', guest_count: '', client_email: '', client_first_name: 'Aroha &', client_last_name: 'Mere' });
  });
});

describe('Light Blue: form fields and status codes', () => {
  it('gives the same Reference to the same state and a new one to a changed state', () => {
    const a = lightBlueFields(wedding(), options);
    expect(lightBlueFields(wedding(), options).Reference).toBe(a.Reference);
    expect(lightBlueFields(wedding({ date: '2027-02-14' }), options).Reference).not.toBe(a.Reference);
    expect(lightBlueFields(wedding({ guestCount: 121 }), options).Reference).not.toBe(a.Reference);
    expect(a).toMatchObject({ ShootDate: '2027-02-13', ShootStartTime: '15:30', ContactNameFirst: 'Aroha Ngata', ContactEmail: 'aroha@example.com' });
    expect(a.Message).toContain('Timeline: 14:00 Setup; 15:30 Ceremony; 18:00 Reception');
  });

  it.each([
    ['0', 'accepted'],
    ['-4', 'duplicate'],
    ['-20', 'not_https'],
    ['-3', 'bad_request'],
    ['-9', 'unknown'],
    ['<html>', 'unknown'],
  ])('reads %j as %s', (body, outcome) => {
    expect(lightBlueOutcome(body).outcome).toBe(outcome);
  });
});

describe('Tripleseat: event fields', () => {
  it('starts at setup, ends with the reception, in local HH:MM, with requirements in the description', () => {
    const { event } = tripleseatEventFields(wedding());
    expect(event).toMatchObject({ event_date: '2027-02-13', start_time: '14:00', end_time: '00:30', guest_count: 120 });
    expect(event.description.split('\n')).toEqual([
      'Setup: 14:00',
      'Ceremony: 15:30–16:15',
      'Reception: 18:00–00:30',
      'Dietary requirements: Two vegan',
      'Accessibility requirements: Step-free access',
    ]);
  });

  it.each([
    ['America/New_York', '2027-03-14T18:30:00Z', '14:30'], // the day DST starts: UTC−4 from 02:00
    ['America/New_York', '2027-03-13T18:30:00Z', '13:30'], // the day before: UTC−5
    ['Europe/London', '2027-10-31T14:00:00Z', '14:00'], // DST ended that morning
  ])('reads a ceremony in %s at %s as %s local', (timeZone, startsAt, local) => {
    const { event } = tripleseatEventFields(wedding({ timeZone, timeline: [{ id: 't', title: 'Ceremony', kind: 'ceremony', startsAt, endsAt: null }] }));
    expect(event.start_time).toBe(local);
  });
});

describe('VSCO Workspace: job fields', () => {
  it('sends the date as a date and our values into the custom fields the connection chose', () => {
    const chosen = connectionOptionsSchema.parse({ customFields: { venue: '01h35ccwymj5ctckp8px1azhg6', ceremony_time: '01h35ccwymj5ctckp8px1azhg7' } });
    expect(vscoJobFields(wedding(), chosen)).toEqual({
      name: 'Aroha & Mere Wedding',
      eventDate: '2027-02-13',
      guestCount: 120,
      customFields: [
        { fieldId: '01h35ccwymj5ctckp8px1azhg6', value: 'Waiheke Estate' },
        { fieldId: '01h35ccwymj5ctckp8px1azhg7', value: '15:30' },
      ],
    });
  });

  it('a new job carries the external mapping and no read-only field', () => {
    const job = vscoNewJob(wedding(), options, { id: 'wedsync-wedding-x', url: 'https://app.example/weddings/x' });
    expect(job.externalMappings).toEqual([{ id: 'wedsync-wedding-x', url: 'https://app.example/weddings/x' }]);
    expect(Object.keys(job)).not.toEqual(expect.arrayContaining(['jobTypeName']));
  });
});

describe('venue webhook body', () => {
  it('carries the wedding with zoned instants and nulls where unknown', () => {
    const body = venueEventBody(wedding({ timeline: [] }), 'guest_count');
    expect(body).toMatchObject({ type: 'wedding.updated', change: 'guest_count', wedding: { date: '2027-02-13', guest_count: 120, ceremony_start: null } });
  });
});
