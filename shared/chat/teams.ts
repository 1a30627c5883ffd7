import type { Status } from '../packets/thresholds.ts';
import type { ChatDigest } from './digest.ts';

/*
 * Office 365 connectors are retired, so a channel is reached through a Teams Workflow started by the
 * trigger "When a Teams webhook request is received"; Workflows post Adaptive Cards only:
 *   https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook
 *   https://devblogs.microsoft.com/microsoft365dev/retirement-of-office-365-connectors-within-microsoft-teams/
 * The body is a `message` whose `attachments` hold the card (the "Post card in a chat or channel" step
 * of the Workflow reads `attachments[0].content`):
 *   https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using#send-adaptive-cards-using-an-incoming-webhook
 * Teams renders Adaptive Cards up to version 1.5:
 *   https://learn.microsoft.com/en-us/microsoft-copilot-studio/guidance/adaptive-cards-overview
 */

/**
 * Teams refuses a message over about 28 KB ("Request Entity too large"):
 *   https://learn.microsoft.com/en-us/connectors/teams/#known-issues-and-limitations-with-actions
 *   https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook
 * "About" is not a contract and the Workflow wraps the card again, so keep 1,000 bytes in hand.
 */
export const TEAMS_MAX_BYTES = 27_000;

export type TextColor = 'Default' | 'Good' | 'Warning' | 'Attention';
export type Spacing = 'None' | 'Small' | 'Medium' | 'Large';

export interface TextBlock {
  type: 'TextBlock';
  text: string;
  /** Always set: Teams cuts an unwrapped TextBlock at one line, and the packet's sentences are long. */
  wrap: true;
  size?: 'Small' | 'Medium' | 'Large';
  weight?: 'Bolder';
  color?: TextColor;
  isSubtle?: true;
  spacing?: Spacing;
  separator?: true;
}

/** Wide enough for a bold WATCH at the default size, the longest status word. */
export const STATUS_COLUMN_WIDTH = '64px';

export interface Column {
  type: 'Column';
  /**
   * Relative weights, so the labels and values line up from row to row; the status word's column
   * is a fixed width that holds WATCH on a phone (a weight broke it into "WATC/H" at 375 px).
   */
  width: number | `${number}px`;
  items: CardElement[];
}

export interface ColumnSet {
  type: 'ColumnSet';
  columns: Column[];
  spacing?: Spacing;
}

export interface Container {
  type: 'Container';
  items: CardElement[];
  spacing?: Spacing;
  separator?: true;
}

export type CardElement = TextBlock | ColumnSet | Container;

export interface OpenUrlAction {
  type: 'Action.OpenUrl';
  title: string;
  url: string;
}

export interface AdaptiveCard {
  type: 'AdaptiveCard';
  $schema: 'http://adaptivecards.io/schemas/adaptive-card.json';
  version: '1.5';
  /**
   * Without it Teams draws the card at a chat bubble's width, too narrow for the status rows:
   * https://learn.microsoft.com/en-us/microsoftteams/platform/task-modules-and-cards/cards/cards-format#full-width-adaptive-card
   */
  msteams: { width: 'Full' };
  body: CardElement[];
  actions?: OpenUrlAction[];
}

export interface TeamsAttachment {
  contentType: 'application/vnd.microsoft.card.adaptive';
  contentUrl: null;
  content: AdaptiveCard;
}

export interface TeamsMessage {
  type: 'message';
  attachments: [TeamsAttachment];
}

const STATUS_WORD: Record<Status, { text: string; color?: TextColor; isSubtle?: true }> = {
  good: { text: 'GOOD', color: 'Good' },
  watch: { text: 'WATCH', color: 'Warning' },
  act: { text: 'ACT', color: 'Attention' },
  none: { text: '—', isSubtle: true },
};

/** How much of the findings and actions a card keeps; everything else is always whole. */
interface Cut {
  /** Longest finding or action item, in characters, before it is cut with "…". */
  textCap: number;
  findings: number;
  actions: number;
  noThreshold: number;
}

/** The size Teams counts: the UTF-8 bytes of the JSON body. */
export function teamsMessageBytes(message: TeamsMessage): number {
  return new TextEncoder().encode(JSON.stringify(message)).length;
}

/**
 * The packet as one Teams Adaptive Card. When the whole card would pass TEAMS_MAX_BYTES the findings
 * and actions are shortened, then dropped from the end with a count of what is left in the full
 * packet; the headline and the status rows are never cut, since they are what the meeting reads.
 */
export function teamsMessage(digest: ChatDigest): TeamsMessage {
  const actionCount = digest.actions.reduce((sum, lane) => sum + lane.items.length, 0);
  const whole: Cut = {
    textCap: Number.POSITIVE_INFINITY,
    findings: digest.findings.length,
    actions: actionCount,
    noThreshold: digest.noThreshold.length,
  };
  let message = render(digest, whole);
  if (fits(message)) return message;

  const cut = { ...whole };
  for (const textCap of [600, 300, 160]) {
    cut.textCap = textCap;
    message = render(digest, cut);
    if (fits(message)) return message;
  }
  // Take turns between the two lists so neither is emptied while the other is still long.
  while (cut.findings + cut.actions > 0) {
    if (cut.findings >= cut.actions) cut.findings -= 1;
    else cut.actions -= 1;
    message = render(digest, cut);
    if (fits(message)) return message;
  }
  while (cut.noThreshold > 0) {
    cut.noThreshold -= 1;
    message = render(digest, cut);
    if (fits(message)) return message;
  }
  // Only the headline and the status rows are left: sent as they are rather than cut.
  return message;
}

function fits(message: TeamsMessage): boolean {
  return teamsMessageBytes(message) <= TEAMS_MAX_BYTES;
}

function render(digest: ChatDigest, cut: Cut): TeamsMessage {
  const body: CardElement[] = [
    text(`${digest.title} · ${digest.period}`, { size: 'Large', weight: 'Bolder' }),
  ];
  if (digest.banner) body.push(text(digest.banner, { weight: 'Bolder', color: 'Attention' }));
  body.push(text(digest.headline, { weight: 'Bolder', spacing: 'Medium' }));

  if (digest.status.length > 0) {
    body.push(heading('Status'));
    for (const row of digest.status) body.push(statusRow(row));
  }
  if (digest.noThreshold.length > 0) {
    const shown = digest.noThreshold.slice(0, cut.noThreshold);
    const rest = digest.noThreshold.length - shown.length;
    const list = rest > 0 ? [...shown, `…and ${rest} more in the full packet`] : shown;
    body.push(
      text(`No agreed threshold yet (agree one to get a status): ${list.join(', ')}.`, {
        size: 'Small',
        isSubtle: true,
      }),
    );
  }

  if (digest.findings.length > 0) {
    body.push(heading('What stands out'));
    digest.findings.slice(0, cut.findings).forEach((finding, index) => {
      body.push(text(`${index + 1}. ${shorten(finding, cut.textCap)}`, { spacing: 'Small' }));
    });
    const rest = digest.findings.length - Math.min(cut.findings, digest.findings.length);
    if (rest > 0) body.push(more(rest));
  }

  body.push(heading('Actions by lane'));
  if (digest.actions.length === 0) body.push(text('Nothing is out of range.'));
  let left = cut.actions;
  for (const lane of digest.actions) {
    const items = lane.items.slice(0, Math.max(0, left));
    left -= items.length;
    if (items.length === 0) continue;
    const owners = lane.owners.length > 0 ? ` · ${lane.owners.join(', ')}` : '';
    body.push({
      type: 'Container',
      spacing: 'Small',
      items: [
        text(`${lane.lane}${owners}`, { weight: 'Bolder' }),
        ...items.map((item) => text(`• ${shorten(item, cut.textCap)}`, { spacing: 'None' })),
      ],
    });
  }
  const total = digest.actions.reduce((sum, lane) => sum + lane.items.length, 0);
  if (total > cut.actions) body.push(more(total - cut.actions));

  const card: AdaptiveCard = {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.5',
    msteams: { width: 'Full' },
    body,
    ...(digest.webUrl
      ? { actions: [{ type: 'Action.OpenUrl', title: 'View the full packet', url: digest.webUrl }] }
      : {}),
  };
  return {
    type: 'message',
    attachments: [
      { contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card },
    ],
  };
}

function text(value: string, style: Omit<TextBlock, 'type' | 'text' | 'wrap'> = {}): TextBlock {
  return { type: 'TextBlock', text: value, wrap: true, ...style };
}

function heading(value: string): TextBlock {
  return text(value, { size: 'Medium', weight: 'Bolder', spacing: 'Large', separator: true });
}

function more(count: number): TextBlock {
  return text(`…and ${count} more in the full packet`, { isSubtle: true, spacing: 'Small' });
}

function statusRow(row: ChatDigest['status'][number]): ColumnSet {
  const word = STATUS_WORD[row.status];
  return {
    type: 'ColumnSet',
    spacing: 'Small',
    columns: [
      {
        type: 'Column',
        width: STATUS_COLUMN_WIDTH,
        items: [
          text(word.text, {
            weight: 'Bolder',
            ...(word.color ? { color: word.color } : {}),
            ...(word.isSubtle ? { isSubtle: true } : {}),
          }),
        ],
      },
      {
        type: 'Column',
        width: 5,
        items: [text(row.label), text(row.owner, { size: 'Small', isSubtle: true, spacing: 'None' })],
      },
      { type: 'Column', width: 4, items: [text(row.value)] },
    ],
  };
}

/** Cut by code point, so an emoji or accented name is never split into invalid UTF-16. */
function shorten(value: string, cap: number): string {
  const chars = Array.from(value);
  if (chars.length <= cap) return value;
  return `${chars
    .slice(0, cap - 1)
    .join('')
    .trimEnd()}…`;
}
