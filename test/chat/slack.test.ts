import { describe, expect, it } from 'vitest';
import { type ChatDigest, chatDigest } from '#shared/chat/digest.ts';
import {
  fitText,
  SLACK_LIMITS,
  type SlackBlock,
  type SlackMessage,
  slackLimitProblems,
  slackMessage,
} from '#shared/chat/slack.ts';
import { buildFactSet } from '#shared/metrics/facts.ts';
import { buildPacket } from '#shared/packets/packet.ts';
import { CADENCES } from '#shared/time/periods.ts';
import { AS_OF, CONFIG, EVENTS, statesOf } from '../metrics/fixture.ts';

// Slack answers a broken payload with a bare 400 and no package ships Block Kit as a schema: the
// limits are checked here, on real packets and on one built to overflow every list.
const facts = buildFactSet(statesOf(EVENTS), CONFIG, AS_OF, {
  firstFactAt: Math.min(...EVENTS.map((e) => e.at)),
});

/** Every mrkdwn or plain text in the blocks, in order. */
function texts(blocks: readonly SlackBlock[]): string[] {
  return blocks.flatMap((block) => {
    switch (block.type) {
      case 'header':
        return [block.text.text];
      case 'section':
        return [...(block.text ? [block.text.text] : []), ...(block.fields ?? []).map((f) => f.text)];
      case 'context':
        return block.elements.map((e) => e.text);
      case 'actions':
        return block.elements.map((e) => e.text.text);
      default:
        return [];
    }
  });
}

const fieldsOf = (message: SlackMessage): string[] =>
  message.blocks.flatMap((block) =>
    block.type === 'section' ? (block.fields ?? []).map((f) => f.text) : [],
  );

function stressDigest(): ChatDigest {
  const longName = `Bartholomew-Maximilian ${'Featherstonehaugh-'.repeat(12)}<script>&`;
  return {
    title: `Northwind <script>alert(1)</script> & Co ${'very long client name '.repeat(10)}· weekly pipeline council`,
    period: 'Week of Nov 9–15, 2026',
    banner: `HubSpot has been silent since Mon <08:00> & Salesforce too. ${'x'.repeat(4000)}`,
    headline: `Pipeline <script>&</script> is 12% ahead of plan. ${'y'.repeat(200)}`,
    status: Array.from({ length: 40 }, (_, index) => ({
      label: `Metric ${index + 1} <script>& ${'label '.repeat(30)}`,
      status: (['good', 'watch', 'act', 'none'] as const)[index % 4] ?? 'none',
      value: `${index}.0% (n 40, 95% CI 18.1%–45.4%) ${'v'.repeat(100)}`,
      owner: `Marketing · ${longName}, ${longName}`,
    })),
    noThreshold: Array.from({ length: 30 }, (_, index) => `Untracked <metric> & ${index + 1}`),
    findings: Array.from(
      { length: 30 },
      (_, index) => `Finding ${index + 1} <script>& ${'z'.repeat(2500 - 25)}`,
    ),
    actions: ['Marketing', 'Sales', 'Both lanes'].map((lane) => ({
      lane,
      owners: [longName, longName],
      items: Array.from(
        { length: 20 },
        (_, index) => `${lane} action ${index + 1} <b>&</b> ${'w'.repeat(400)}`,
      ),
    })),
    webUrl: `https://samepage.example/p/2026-11-09?a=1&b=<2>`,
  };
}

describe('slackMessage on real packets', () => {
  for (const cadence of CADENCES) {
    it(`${cadence}: within every Block Kit limit, with the headline, every status row and the button`, () => {
      const packet = buildPacket(facts, CONFIG, cadence, AS_OF);
      const digest = chatDigest(packet, { webUrl: `https://samepage.example/${cadence}` });
      const message = slackMessage(digest);
      expect(slackLimitProblems(message)).toEqual([]);
      expect(message.blocks[0]).toEqual({
        type: 'header',
        text: { type: 'plain_text', text: fitText(`${digest.period} · ${digest.title}`, 150) },
      });
      expect(texts(message.blocks)).toContain(`*${fitText(digest.headline, 1500)}*`);
      expect(digest.status.length).toBeGreaterThan(0);
      const fields = fieldsOf(message);
      expect(fields).toHaveLength(digest.status.length);
      digest.status.forEach((row, index) => {
        expect(fields[index]).toContain(`*${fitText(row.label, 2000)}*`);
      });
      const all = texts(message.blocks).join('\n');
      for (const finding of digest.findings) expect(all).toContain(fitText(finding, 600));
      for (const lane of digest.actions)
        for (const item of lane.items) expect(all).toContain(fitText(item, 600));
      expect(message.text).toContain(digest.period);
      expect(message.blocks.at(-1)?.type).toBe('actions');
    });
  }
});

describe('slackLimitProblems', () => {
  it('reports each broken limit, so a message over them cannot pass the checks above', () => {
    const long = (n: number) => 'a'.repeat(n);
    const message: SlackMessage = {
      text: 'x',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: long(151) } },
        { type: 'section', text: { type: 'mrkdwn', text: long(3001) } },
        {
          type: 'section',
          fields: Array.from({ length: 11 }, (_, i) => ({ type: 'mrkdwn', text: long(i === 0 ? 2001 : 1) })),
        },
        { type: 'section' },
        { type: 'context', elements: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'c' })) },
        {
          type: 'actions',
          elements: [
            { type: 'button', text: { type: 'plain_text', text: long(76) }, url: long(3001), action_id: 'a' },
          ],
        },
        ...Array.from({ length: 45 }, (): SlackBlock => ({ type: 'divider' })),
      ],
    };
    const problems = slackLimitProblems(message);
    expect(problems).toEqual([
      `51 blocks, over ${SLACK_LIMITS.blocksPerMessage}`,
      'block 0 (header): 151 characters, over 150',
      'block 1 (section) text: 3001 characters, over 3000',
      'block 2 (section): 11 fields, over 10',
      'block 2 (section) field 0: 2001 characters, over 2000',
      'block 3 (section): neither text nor fields',
      'block 4 (context): 11 elements, over 10',
      'block 5 (actions) button text: 76 characters, over 75',
      'block 5 (actions) button url: 3001 characters, over 3000',
    ]);
  });

  it('counts the block text against the total Slack refuses as msg_blocks_too_long', () => {
    const section = (): SlackBlock => ({ type: 'section', text: { type: 'mrkdwn', text: 'b'.repeat(2500) } });
    expect(slackLimitProblems({ text: 'x', blocks: Array.from({ length: 5 }, section) })).toEqual([
      `12500 characters of block text, over ${SLACK_LIMITS.blocksTextTotal}`,
    ]);
  });
});

describe('slackMessage on a digest built to overflow', () => {
  const digest = stressDigest();
  const message = slackMessage(digest);
  const all = texts(message.blocks).join('\n');

  it('stays within every limit', () => {
    expect(slackLimitProblems(message)).toEqual([]);
    expect(message.blocks.length).toBeLessThanOrEqual(50);
  });

  it('keeps the headline and all 40 status rows, in order', () => {
    expect(all).toContain('*Pipeline &lt;script&gt;&amp;&lt;/script&gt; is 12% ahead of plan.');
    const fields = fieldsOf(message);
    expect(fields).toHaveLength(40);
    fields.forEach((field, index) => {
      expect(field).toMatch(new RegExp(`^\\*Metric ${index + 1} `));
      expect(field).toContain(['🟢 GOOD', '🟡 WATCH', '🔴 ACT', '⚪ NO THRESHOLD'][index % 4]);
    });
  });

  it('says how many findings and actions are left for the full packet, and the counts add up', () => {
    const shownFindings = all.split('\n').filter((line) => /^\d+\. Finding \d+ /.test(line)).length;
    const shownActions = all.split('\n').filter((line) => line.startsWith('• ')).length;
    const headings = message.blocks.flatMap((block) =>
      block.type === 'section' && block.text ? [block.text.text.split('\n')[0]] : [],
    );
    expect(shownFindings).toBeGreaterThan(0);
    expect(shownFindings).toBeLessThan(30);
    expect(shownActions).toBeGreaterThan(0);
    expect(shownActions).toBeLessThan(60);
    expect(all).toContain(`…and ${30 - shownFindings} more in the full packet`);
    expect(all).toContain(`…and ${60 - shownActions} more in the full packet`);
    expect(headings).toContain('*What stands out*');
    expect(headings).toContain('*Actions by lane*');
    // Each finding is cut with "…", never mid-entity.
    expect(all).toMatch(/1\. Finding 1 &lt;script&gt;&amp; z+…/);
  });

  it('leaves no raw < or > from the packet in any text', () => {
    for (const text of [...texts(message.blocks), message.text]) {
      expect(text).not.toMatch(/<|>/);
      expect(text).not.toMatch(/&(?!amp;|lt;|gt;)/);
    }
  });

  it('says the noThreshold labels once, in one context block', () => {
    const contexts = message.blocks.filter((block) => block.type === 'context');
    expect(contexts).toHaveLength(1);
    expect(all.match(/No agreed threshold/g)).toHaveLength(1);
    expect(all).toContain('No agreed threshold: Untracked &lt;metric&gt; &amp; 1, ');
  });
});

describe('escaping', () => {
  const base: ChatDigest = {
    title: 'T',
    period: 'P',
    headline: 'H',
    status: [],
    noThreshold: [],
    findings: [],
    actions: [],
  };

  it('turns <, > and & in labels into &lt; &gt; &amp;', () => {
    const message = slackMessage({
      ...base,
      status: [{ label: 'Win <rate> & more', status: 'watch', value: '1 < 2', owner: 'Sales & co' }],
      noThreshold: ['A>B'],
    });
    expect(fieldsOf(message)).toEqual(['*Win &lt;rate&gt; &amp; more*\n🟡 WATCH · 1 &lt; 2\nSales &amp; co']);
    expect(texts(message.blocks)).toContain('No agreed threshold: A&gt;B');
  });

  it('cuts with "…" before an entity rather than through it', () => {
    expect(fitText('a&b', 3)).toBe('a…');
    expect(fitText('a&b', 7)).toBe('a&amp;b');
    expect(fitText('ab<cd', 7)).toBe('ab&lt;…');
  });
});

describe('the "View the full packet" button', () => {
  const digest: ChatDigest = {
    title: 'T',
    period: 'P',
    headline: 'H',
    status: [{ label: 'L', status: 'good', value: 'V', owner: 'O' }],
    noThreshold: [],
    findings: [],
    actions: [],
  };

  it('is there with webUrl, with that exact URL', () => {
    const url = 'https://samepage.example/p/2026-11-09?cadence=weekly&x=1';
    const message = slackMessage({ ...digest, webUrl: url });
    const actions = message.blocks.filter((block) => block.type === 'actions');
    expect(actions).toEqual([
      {
        type: 'actions',
        elements: [
          {
            type: 'button',
            text: { type: 'plain_text', text: 'View the full packet' },
            url,
            action_id: 'view_full_packet',
          },
        ],
      },
    ]);
  });

  it('is not there without webUrl, and no actions block at all', () => {
    expect(slackMessage(digest).blocks.some((block) => block.type === 'actions')).toBe(false);
  });

  it('is left out rather than cut when the URL is over 3000 characters', () => {
    const message = slackMessage({ ...digest, webUrl: `https://samepage.example/${'p'.repeat(3000)}` });
    expect(message.blocks.some((block) => block.type === 'actions')).toBe(false);
  });
});

describe('golden message', () => {
  it('lays out a small digest exactly', () => {
    const digest: ChatDigest = {
      title: 'Acme · weekly pipeline council',
      period: 'Week of Nov 9–15, 2026',
      banner: 'HubSpot silent since Mon 08:00',
      headline: 'Pipeline up 12% & on plan',
      status: [
        {
          label: 'Lead -> MQL',
          status: 'good',
          value: '31.0% (n 112)',
          owner: 'Marketing · Grace Whitfield',
        },
        { label: 'Speed to lead', status: 'act', value: '77 business min', owner: 'Sales · Tom Reyes' },
      ],
      noThreshold: ['Win rate'],
      findings: ['Referral leads <2 days> convert best.'],
      actions: [{ lane: 'Sales', owners: ['Tom Reyes'], items: ['Speed to lead: call within the hour'] }],
      webUrl: 'https://samepage.example/p/1',
    };
    expect(slackMessage(digest)).toEqual({
      text: 'Acme · weekly pipeline council · Week of Nov 9–15, 2026: Pipeline up 12% &amp; on plan',
      blocks: [
        {
          type: 'header',
          text: { type: 'plain_text', text: 'Week of Nov 9–15, 2026 · Acme · weekly pipeline council' },
        },
        { type: 'section', text: { type: 'mrkdwn', text: '⚠️ HubSpot silent since Mon 08:00' } },
        { type: 'section', text: { type: 'mrkdwn', text: '*Pipeline up 12% &amp; on plan*' } },
        { type: 'divider' },
        {
          type: 'section',
          fields: [
            {
              type: 'mrkdwn',
              text: '*Lead -&gt; MQL*\n🟢 GOOD · 31.0% (n 112)\nMarketing · Grace Whitfield',
            },
            { type: 'mrkdwn', text: '*Speed to lead*\n🔴 ACT · 77 business min\nSales · Tom Reyes' },
          ],
        },
        { type: 'context', elements: [{ type: 'mrkdwn', text: 'No agreed threshold: Win rate' }] },
        { type: 'divider' },
        {
          type: 'section',
          text: { type: 'mrkdwn', text: '*What stands out*\n1. Referral leads &lt;2 days&gt; convert best.' },
        },
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: '*Actions by lane*\n*Sales* · Tom Reyes\n• Speed to lead: call within the hour',
          },
        },
        {
          type: 'actions',
          elements: [
            {
              type: 'button',
              text: { type: 'plain_text', text: 'View the full packet' },
              url: 'https://samepage.example/p/1',
              action_id: 'view_full_packet',
            },
          ],
        },
      ],
    });
  });

  it('says "Nothing is out of range." when no lane has an action, as the email and the Teams card do', () => {
    const message = slackMessage({
      title: 'Acme · weekly pipeline council',
      period: 'Week of Nov 9–15, 2026',
      headline: 'Qualified pipeline created: $30,000 in 1 deal',
      status: [],
      noThreshold: [],
      findings: [],
      actions: [],
    });
    expect(message.blocks.at(-1)).toEqual({
      type: 'section',
      text: { type: 'mrkdwn', text: '*Actions by lane*\nNothing is out of range.' },
    });
  });
});
