import { describe, expect, it } from 'vitest';
import { type ChatDigest, chatDigest } from '#shared/chat/digest.ts';
import {
  type AdaptiveCard,
  type CardElement,
  TEAMS_MAX_BYTES,
  type TeamsMessage,
  teamsMessage,
  teamsMessageBytes,
} from '#shared/chat/teams.ts';
import { buildFactSet } from '#shared/metrics/facts.ts';
import { buildPacket } from '#shared/packets/packet.ts';
import { CADENCES } from '#shared/time/periods.ts';
import { AS_OF, CONFIG, EVENTS, statesOf } from '../metrics/fixture.ts';
import { adaptiveCardProblems } from '../support/adaptive-cards.ts';

function cardOf(message: TeamsMessage): AdaptiveCard {
  return message.attachments[0].content;
}

/** Every TextBlock of the card, depth first, in reading order. */
function texts(elements: readonly CardElement[]): { text: string; wrap: boolean }[] {
  return elements.flatMap((element) => {
    if (element.type === 'TextBlock') return [element];
    if (element.type === 'Container') return texts(element.items);
    return element.columns.flatMap((column) => texts(column.items));
  });
}

const SCHEMA = 'http://adaptivecards.io/schemas/adaptive-card.json';

describe('the Adaptive Cards checker', () => {
  const card = (extra: Record<string, unknown>) => ({
    type: 'AdaptiveCard',
    $schema: SCHEMA,
    version: '1.5',
    body: [{ type: 'TextBlock', text: 'ok', wrap: true }],
    ...extra,
  });

  it('passes a well-formed 1.5 card and fails a bad value, an unknown element and anything newer than 1.5', () => {
    expect(adaptiveCardProblems(card({}))).toEqual([]);
    expect(adaptiveCardProblems(card({ body: [{ type: 'TextBlock', text: 'x', size: 'huge' }] }))).toEqual([
      expect.stringMatching(/^InvalidPropertyValue: .*"huge".*"size"/),
    ]);
    expect(adaptiveCardProblems(card({ body: [{ type: 'Icon', name: 'Calendar' }] }))).toEqual([
      expect.stringMatching(/^UnknownElementType: .*"Icon"/),
    ]);
    expect(adaptiveCardProblems(card({ actions: [{ type: 'Action.OpenUrl', title: 'x' }] }))).toEqual([
      expect.stringMatching(/^PropertyCantBeNull: .*"url"/),
    ]);
    // `role` on an action arrived in 1.6.
    expect(
      adaptiveCardProblems(
        card({ actions: [{ type: 'Action.OpenUrl', title: 'x', url: 'https://x.test/', role: 'Link' }] }),
      ),
    ).toEqual([expect.stringMatching(/^UnsupportedProperty: .*"role".*1\.6/)]);
    expect(adaptiveCardProblems(card({ version: '1.6' }))).toEqual([
      expect.stringMatching(/^UnsupportedCardVersion: /),
    ]);
  });
});

describe('teamsMessage on real packets', () => {
  const facts = buildFactSet(statesOf(EVENTS), CONFIG, AS_OF, {
    firstFactAt: Math.min(...EVENTS.map((e) => e.at)),
  });

  for (const cadence of CADENCES) {
    it(`${cadence}: a 1.5 card Teams accepts, under ${TEAMS_MAX_BYTES} bytes, with the whole digest`, () => {
      const digest = chatDigest(buildPacket(facts, CONFIG, cadence, AS_OF));
      const message = teamsMessage(digest);
      const card = cardOf(message);
      expect(adaptiveCardProblems(card)).toEqual([]);
      expect(teamsMessageBytes(message)).toBeLessThanOrEqual(TEAMS_MAX_BYTES);
      expect(message.type).toBe('message');
      expect(message.attachments).toHaveLength(1);
      expect(message.attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
      expect(card.version).toBe('1.5');

      const blocks = texts(card.body);
      for (const block of blocks) expect(block.wrap).toBe(true);
      const words = blocks.map((block) => block.text);
      expect(words[0]).toBe(`${digest.title} · ${digest.period}`);
      expect(words).toContain(digest.headline);
      expect(digest.status.length).toBeGreaterThan(0);
      for (const row of digest.status) {
        expect(words).toContain(row.label);
        expect(words).toContain(row.value);
        expect(words).toContain(row.owner);
      }
      // A real packet fits whole: nothing is cut.
      expect(words.join('\n')).not.toContain('more in the full packet');
      for (const [index, finding] of digest.findings.entries())
        expect(words).toContain(`${index + 1}. ${finding}`);
      for (const lane of digest.actions) for (const item of lane.items) expect(words).toContain(`• ${item}`);
    });
  }
});

describe('teamsMessage on a digest far over the limit', () => {
  const long = (seed: string, length: number) =>
    seed.repeat(Math.ceil(length / seed.length)).slice(0, length);
  const digest: ChatDigest = {
    title: 'Northwind Cloud International Holdings · weekly pipeline council',
    period: 'Week of Nov 23–29, 2026',
    headline: long('Pipeline created fell for the third week running while win rate held. ', 400),
    status: Array.from({ length: 40 }, (_, index) => ({
      label: `Metric ${index + 1}: qualified pipeline created from partner-sourced opportunities`,
      status: (['good', 'watch', 'act', 'none'] as const)[index % 4] ?? 'none',
      value: `$${(index + 1) * 1000} (n ${index + 40}, 95% CI 18.1%–45.4%)`,
      owner: `Marketing · Maximiliana Featherstonehaugh-Wolfeschlegelsteinhausen ${index + 1}`,
    })),
    noThreshold: ['Speed to lead', 'Meetings held'],
    findings: Array.from({ length: 30 }, (_, index) =>
      long(`Finding ${index + 1} says what stands out. `, 2500),
    ),
    actions: [
      {
        lane: 'Marketing',
        owners: ['Maximiliana Featherstonehaugh-Wolfeschlegelsteinhausen', 'Bartholomew Ashby-Rutherford'],
        items: Array.from({ length: 12 }, (_, index) => long(`Marketing action ${index + 1}. `, 900)),
      },
      {
        lane: 'Sales',
        owners: ['Guinevere Montgomery-Okonkwo'],
        items: Array.from({ length: 12 }, (_, index) => long(`Sales action ${index + 1}. `, 900)),
      },
    ],
    webUrl: 'https://packets.example.test/northwind/2026-W48',
  };

  it('fits under the limit, keeps the headline and every status row whole, and counts what it left out', () => {
    const message = teamsMessage(digest);
    const card = cardOf(message);
    expect(adaptiveCardProblems(card)).toEqual([]);
    expect(teamsMessageBytes(message)).toBeLessThanOrEqual(TEAMS_MAX_BYTES);

    const words = texts(card.body).map((block) => block.text);
    expect(words).toContain(digest.headline);
    for (const row of digest.status) {
      expect(words).toContain(row.label);
      expect(words).toContain(row.value);
      expect(words).toContain(row.owner);
    }
    expect(words).toContain(
      `No agreed threshold yet (agree one to get a status): Speed to lead, Meetings held.`,
    );

    // Findings left are numbered from 1 and cut with "…"; the line after them counts the rest.
    const shown = words.filter((text) => /^\d+\. Finding/.test(text));
    expect(shown.length).toBeLessThan(digest.findings.length);
    shown.forEach((text, index) => {
      expect(text.startsWith(`${index + 1}. Finding ${index + 1} `)).toBe(true);
      expect(text.endsWith('…')).toBe(true);
      expect(text.length).toBeLessThan(2500);
    });
    const findingsMore = `…and ${digest.findings.length - shown.length} more in the full packet`;
    expect(words[words.indexOf(shown.at(-1) ?? '') + 1]).toBe(findingsMore);

    const items = words.filter((text) => text.startsWith('• '));
    for (const item of items) expect(item.endsWith('…')).toBe(true);
    expect(words.at(-1)).toBe(`…and ${24 - items.length} more in the full packet`);
    expect(items.length).toBeLessThan(24);

    expect(card.actions).toEqual([
      {
        type: 'Action.OpenUrl',
        title: 'View the full packet',
        url: 'https://packets.example.test/northwind/2026-W48',
      },
    ]);
  });
});

describe('the "View the full packet" button', () => {
  const digest: ChatDigest = {
    title: 'Acme · weekly pipeline council',
    period: 'Week of Nov 9–15, 2026',
    headline: 'Nothing moved.',
    status: [],
    noThreshold: [],
    findings: [],
    actions: [],
  };

  it('is there only when the digest has a web copy', () => {
    const without = cardOf(teamsMessage(digest));
    expect(adaptiveCardProblems(without)).toEqual([]);
    expect(without).not.toHaveProperty('actions');
    expect(JSON.stringify(without)).not.toContain('Action.OpenUrl');

    const withUrl = cardOf(teamsMessage({ ...digest, webUrl: 'https://packets.example.test/acme/w46' }));
    expect(adaptiveCardProblems(withUrl)).toEqual([]);
    expect(withUrl.actions).toEqual([
      { type: 'Action.OpenUrl', title: 'View the full packet', url: 'https://packets.example.test/acme/w46' },
    ]);
  });
});

describe('the exact card', () => {
  it('lays out a small digest as written out here by hand', () => {
    const digest: ChatDigest = {
      title: 'Acme · weekly pipeline council',
      period: 'Week of Nov 9–15, 2026',
      banner: 'HubSpot has sent nothing since Nov 12.',
      headline: 'Win rate fell to 18%.',
      status: [
        { label: 'Win rate', status: 'act', value: '18.0% (n 50)', owner: 'Sales · Ada Byron' },
        { label: 'Pipeline created', status: 'good', value: '$120k', owner: 'Marketing · Grace Hopper' },
        { label: 'Meetings held', status: 'none', value: '12', owner: 'Both' },
      ],
      noThreshold: ['Meetings held'],
      findings: ['Win rate is the lowest in 13 weeks.'],
      actions: [{ lane: 'Sales', owners: ['Ada Byron'], items: ['Win rate: review lost deals.'] }],
      webUrl: 'https://packets.example.test/acme/w46',
    };
    const row = (word: Record<string, unknown>, label: string, owner: string, value: string) => ({
      type: 'ColumnSet',
      spacing: 'Small',
      columns: [
        {
          type: 'Column',
          width: '64px',
          items: [{ type: 'TextBlock', wrap: true, weight: 'Bolder', ...word }],
        },
        {
          type: 'Column',
          width: 5,
          items: [
            { type: 'TextBlock', text: label, wrap: true },
            { type: 'TextBlock', text: owner, wrap: true, size: 'Small', isSubtle: true, spacing: 'None' },
          ],
        },
        { type: 'Column', width: 4, items: [{ type: 'TextBlock', text: value, wrap: true }] },
      ],
    });
    const heading = (text: string) => ({
      type: 'TextBlock',
      text,
      wrap: true,
      size: 'Medium',
      weight: 'Bolder',
      spacing: 'Large',
      separator: true,
    });
    const message = teamsMessage(digest);
    expect(message).toEqual({
      type: 'message',
      attachments: [
        {
          contentType: 'application/vnd.microsoft.card.adaptive',
          contentUrl: null,
          content: {
            type: 'AdaptiveCard',
            $schema: SCHEMA,
            version: '1.5',
            msteams: { width: 'Full' },
            body: [
              {
                type: 'TextBlock',
                text: 'Acme · weekly pipeline council · Week of Nov 9–15, 2026',
                wrap: true,
                size: 'Large',
                weight: 'Bolder',
              },
              {
                type: 'TextBlock',
                text: 'HubSpot has sent nothing since Nov 12.',
                wrap: true,
                weight: 'Bolder',
                color: 'Attention',
              },
              {
                type: 'TextBlock',
                text: 'Win rate fell to 18%.',
                wrap: true,
                weight: 'Bolder',
                spacing: 'Medium',
              },
              heading('Status'),
              row({ text: 'ACT', color: 'Attention' }, 'Win rate', 'Sales · Ada Byron', '18.0% (n 50)'),
              row({ text: 'GOOD', color: 'Good' }, 'Pipeline created', 'Marketing · Grace Hopper', '$120k'),
              row({ text: '—', isSubtle: true }, 'Meetings held', 'Both', '12'),
              {
                type: 'TextBlock',
                text: 'No agreed threshold yet (agree one to get a status): Meetings held.',
                wrap: true,
                size: 'Small',
                isSubtle: true,
              },
              heading('What stands out'),
              {
                type: 'TextBlock',
                text: '1. Win rate is the lowest in 13 weeks.',
                wrap: true,
                spacing: 'Small',
              },
              heading('Actions by lane'),
              {
                type: 'Container',
                spacing: 'Small',
                items: [
                  { type: 'TextBlock', text: 'Sales · Ada Byron', wrap: true, weight: 'Bolder' },
                  { type: 'TextBlock', text: '• Win rate: review lost deals.', wrap: true, spacing: 'None' },
                ],
              },
            ],
            actions: [
              {
                type: 'Action.OpenUrl',
                title: 'View the full packet',
                url: 'https://packets.example.test/acme/w46',
              },
            ],
          },
        },
      ],
    });
    expect(adaptiveCardProblems(cardOf(message))).toEqual([]);
    // The WATCH word, absent above, in its own colour.
    const watch = {
      label: 'Win rate',
      status: 'watch',
      value: '18.0% (n 50)',
      owner: 'Sales · Ada Byron',
    } as const;
    expect(cardOf(teamsMessage({ ...digest, status: [watch] })).body[4]).toEqual(
      row({ text: 'WATCH', color: 'Warning' }, 'Win rate', 'Sales · Ada Byron', '18.0% (n 50)'),
    );
  });
});
