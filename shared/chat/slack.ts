import type { Status } from '../packets/thresholds.ts';
import type { ChatDigest } from './digest.ts';

/**
 * Slack's limits on a Block Kit message, as its reference states them. No published package ships
 * Block Kit as a schema, so these numbers and `slackLimitProblems` are the check.
 */
export const SLACK_LIMITS = {
  /** "You can include up to 50 blocks in each message": https://docs.slack.dev/reference/block-kit/blocks */
  blocksPerMessage: 50,
  /** Section text, 1 to 3000 characters: https://docs.slack.dev/reference/block-kit/blocks/section-block */
  sectionText: 3000,
  /** Section fields, at most 10 items: https://docs.slack.dev/reference/block-kit/blocks/section-block */
  sectionFields: 10,
  /** Each section field, at most 2000 characters: https://docs.slack.dev/reference/block-kit/blocks/section-block */
  sectionFieldText: 2000,
  /** Header text (plain_text only), at most 150 characters: https://docs.slack.dev/reference/block-kit/blocks/header-block */
  headerText: 150,
  /** Context elements, at most 10: https://docs.slack.dev/reference/block-kit/blocks/context-block */
  contextElements: 10,
  /**
   * A context element is a text object, whose text is at most 3000 characters:
   * https://docs.slack.dev/reference/block-kit/composition-objects/text-object (formerly
   * https://api.slack.com/reference/block-kit/composition-objects#text)
   */
  contextElementText: 3000,
  /** Button text, at most 75 characters: https://docs.slack.dev/reference/block-kit/block-elements/button-element */
  buttonText: 75,
  /** Button URL, at most 3000 characters: https://docs.slack.dev/reference/block-kit/block-elements/button-element */
  buttonUrl: 3000,
  /**
   * Not in the block reference: chat.postMessage refuses blocks whose text adds up to about 12,000
   * characters (`msg_blocks_too_long`, reported at ~13,200 in https://github.com/slackapi/bolt-js/issues/2509
   * and still undocumented in https://github.com/slackapi/bolt-js/issues/2867). Kept well under, since
   * block containers count too.
   */
  blocksTextTotal: 10_000,
} as const;

export interface SlackPlainText {
  type: 'plain_text';
  text: string;
}
export interface SlackMrkdwn {
  type: 'mrkdwn';
  text: string;
}
export interface SlackButton {
  type: 'button';
  text: SlackPlainText;
  url: string;
  action_id: string;
}
export type SlackBlock =
  | { type: 'header'; text: SlackPlainText }
  | { type: 'section'; text?: SlackMrkdwn; fields?: SlackMrkdwn[] }
  | { type: 'context'; elements: SlackMrkdwn[] }
  | { type: 'divider' }
  | { type: 'actions'; elements: [SlackButton] };

export interface SlackMessage {
  /** The fallback Slack shows in notifications, where blocks are not rendered. */
  text: string;
  blocks: SlackBlock[];
}

const STATUS_TAG: Record<Status, string> = {
  good: '🟢 GOOD',
  watch: '🟡 WATCH',
  act: '🔴 ACT',
  none: '⚪ NO THRESHOLD',
};

const BUTTON_TEXT = 'View the full packet';

/**
 * How the text budget is shared, so that what must stay (headline, status rows) always fits and
 * the lists that may be cut (findings, actions) get what is left.
 */
const SHARE = {
  banner: 1000,
  headline: 1500,
  /** All status rows together; each row gets an equal part, within a field's limit. */
  statusRows: 5000,
  /** Below this a status row stops being legible; then rows go by the block count instead. */
  statusRowFloor: 60,
  noThreshold: 500,
  /** A finding in chat is a pointer to the packet, not its full text. */
  finding: 600,
} as const;

/** Slack's escaping: "Replace the ampersand, &, with &amp;" and < and > likewise (formatting docs, "Escaping text"). */
// https://docs.slack.dev/messaging/formatting-message-text#escaping (formerly
// https://api.slack.com/reference/surfaces/formatting#escaping)
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Escapes `raw` and keeps it within `max` characters, ending a cut text with "…". The cut never
 * splits an entity (`&amp;` half-kept would show as text) nor a surrogate pair (an emoji).
 */
export function fitText(raw: string, max: number): string {
  const escaped = escapeMrkdwn(raw);
  if (escaped.length <= max) return escaped;
  if (max < 1) return '';
  let cut = escaped.slice(0, max - 1);
  const amp = cut.lastIndexOf('&');
  if (amp >= 0 && !cut.slice(amp).includes(';')) cut = cut.slice(0, amp);
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return `${cut.trimEnd()}…`;
}

const more = (count: number): string => `…and ${count} more in the full packet`;
/** Room kept in every list section for the "…and N more" line, whatever N. */
const MORE_ROOM = more(99_999).length + 1;

interface ListLine {
  text: string;
  /** Counted in "…and N more": findings and action items, not a lane's heading. */
  counts: boolean;
}

/**
 * Packs lines into as few sections as the limits allow, within `maxBlocks` sections and `maxChars`
 * characters; what does not fit is counted in a closing "…and N more in the full packet".
 */
function packList(heading: string, lines: ListLine[], maxBlocks: number, maxChars: number): SlackBlock[] {
  if (maxBlocks < 1 || maxChars < heading.length + MORE_ROOM) return [];
  const sections: string[] = [];
  let current = heading;
  let used = 0;
  let shown = 0;
  for (const line of lines) {
    const joined = `${current}\n${line.text}`;
    const fitsHere = joined.length + MORE_ROOM <= SLACK_LIMITS.sectionText;
    const fitsBudget = used + joined.length + MORE_ROOM <= maxChars;
    if (fitsHere && fitsBudget) {
      current = joined;
    } else {
      const canOpen =
        sections.length + 1 < maxBlocks &&
        line.text.length + MORE_ROOM <= SLACK_LIMITS.sectionText &&
        used + current.length + line.text.length + MORE_ROOM <= maxChars;
      if (!canOpen) break;
      sections.push(current);
      used += current.length;
      current = line.text;
    }
    shown += 1;
  }
  const left = lines.slice(shown).filter((line) => line.counts).length;
  if (left > 0) current = `${current}\n${more(left)}`;
  sections.push(current);
  return sections.map((text) => ({ type: 'section', text: { type: 'mrkdwn', text } }));
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let index = 0; index < items.length; index += size) out.push(items.slice(index, index + size));
  return out;
}

/** One status row as a section field: label, status, value, owner, each cut to its share of `max`. */
function statusField(row: ChatDigest['status'][number], max: number): string {
  const tag = STATUS_TAG[row.status];
  // "*" + "*\n" + " · " + "\n" around the four parts.
  const room = Math.max(0, max - tag.length - 7);
  const label = fitText(row.label, Math.floor(room * 0.4));
  const value = fitText(row.value, Math.floor(room * 0.3));
  const owner = fitText(row.owner, room - label.length - value.length);
  return `*${label}*\n${tag} · ${value}\n${owner}`;
}

function textLength(blocks: readonly SlackBlock[]): number {
  let total = 0;
  for (const block of blocks) {
    if (block.type === 'header') total += block.text.text.length;
    if (block.type === 'section') {
      total += block.text?.text.length ?? 0;
      for (const field of block.fields ?? []) total += field.text.length;
    }
    if (block.type === 'context') for (const element of block.elements) total += element.text.length;
    if (block.type === 'actions') for (const element of block.elements) total += element.text.text.length;
  }
  return total;
}

/**
 * The packet as a Slack message: header, banner, headline, status rows, findings, actions by lane
 * and the button to the web copy. The headline and the status rows are never dropped; findings and
 * actions are cut to what Slack's limits leave, and say how many more are in the full packet.
 */
export function slackMessage(digest: ChatDigest): SlackMessage {
  const L = SLACK_LIMITS;
  const header: SlackBlock = {
    type: 'header',
    text: { type: 'plain_text', text: fitText(`${digest.period} · ${digest.title}`, L.headerText) },
  };
  const banner: SlackBlock[] = digest.banner
    ? [{ type: 'section', text: { type: 'mrkdwn', text: `⚠️ ${fitText(digest.banner, SHARE.banner)}` } }]
    : [];
  const headline: SlackBlock = {
    type: 'section',
    text: { type: 'mrkdwn', text: `*${fitText(digest.headline, SHARE.headline)}*` },
  };
  // A URL cannot be shortened and stay a link: a longer one means no button rather than a broken one.
  const button: SlackBlock[] =
    digest.webUrl && digest.webUrl.length <= L.buttonUrl
      ? [
          {
            type: 'actions',
            elements: [
              {
                type: 'button',
                text: { type: 'plain_text', text: BUTTON_TEXT },
                url: digest.webUrl,
                action_id: 'view_full_packet',
              },
            ],
          },
        ]
      : [];
  const noThreshold: SlackBlock[] =
    digest.noThreshold.length > 0
      ? [
          {
            type: 'context',
            elements: [
              {
                type: 'mrkdwn',
                text: noThresholdText(digest.noThreshold, Math.min(SHARE.noThreshold, L.contextElementText)),
              },
            ],
          },
        ]
      : [];

  // Status rows: ten to a section as fields. Blocks left after everything that always shows bound
  // how many sections they may take; one block is kept for "…and N more" should even that not do.
  const fixedBlocks = 1 + banner.length + 1 + 2 + noThreshold.length + button.length;
  const rowMax = Math.min(
    L.sectionFieldText,
    Math.max(SHARE.statusRowFloor, Math.floor(SHARE.statusRows / Math.max(1, digest.status.length))),
  );
  const fields = digest.status.map((row) => statusField(row, rowMax));
  const allSections = chunk(fields, L.sectionFields);
  const roomForStatus = L.blocksPerMessage - fixedBlocks;
  const statusSections =
    allSections.length <= roomForStatus ? allSections : allSections.slice(0, Math.max(0, roomForStatus - 1));
  const hiddenRows = digest.status.length - statusSections.flat().length;
  const status: SlackBlock[] = [
    ...statusSections.map(
      (section): SlackBlock => ({
        type: 'section',
        fields: section.map((text) => ({ type: 'mrkdwn', text })),
      }),
    ),
    ...(hiddenRows > 0
      ? [{ type: 'context', elements: [{ type: 'mrkdwn', text: more(hiddenRows) }] } satisfies SlackBlock]
      : []),
  ];

  const top: SlackBlock[] = [header, ...banner, headline, { type: 'divider' }, ...status, ...noThreshold];
  const blocksLeft = L.blocksPerMessage - top.length - 1 - button.length;
  const charsLeft = L.blocksTextTotal - textLength(top) - textLength(button);

  const actionLines: ListLine[] = digest.actions.flatMap((lane) => [
    {
      text: `*${fitText(lane.lane, 100)}*${lane.owners.length > 0 ? ` · ${fitText(lane.owners.join(', '), 300)}` : ''}`,
      counts: false,
    },
    ...lane.items.map((item) => ({ text: `• ${fitText(item, SHARE.finding)}`, counts: true })),
  ]);
  const findingLines: ListLine[] = digest.findings.map((finding, index) => ({
    text: `${index + 1}. ${fitText(finding, SHARE.finding)}`,
    counts: true,
  }));
  // Actions are placed last but sized first: who does what matters more than one more finding. Each
  // list gets at most half of what is left while the other has something to say.
  // As the email and the Teams card say it: a quiet week is news too.
  const nothingOutOfRange: SlackBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: '*Actions by lane*\nNothing is out of range.' } },
  ];
  const actions =
    actionLines.length > 0
      ? packList(
          '*Actions by lane*',
          actionLines,
          findingLines.length > 0 ? Math.max(1, Math.floor(blocksLeft / 2)) : blocksLeft,
          findingLines.length > 0 ? Math.floor(charsLeft / 2) : charsLeft,
        )
      : blocksLeft > 1
        ? nothingOutOfRange
        : [];
  const findings =
    findingLines.length > 0
      ? packList(
          '*What stands out*',
          findingLines,
          blocksLeft - actions.length,
          charsLeft - textLength(actions),
        )
      : [];

  return {
    text: fitText(`${digest.title} · ${digest.period}: ${digest.headline}`, L.sectionText),
    blocks: [
      ...top,
      ...(findings.length + actions.length > 0 ? [{ type: 'divider' } satisfies SlackBlock] : []),
      ...findings,
      ...actions,
      ...button,
    ],
  };
}

/** "No agreed threshold: A, B, C", cut at a label with "…and N more" when it would be too long. */
function noThresholdText(labels: string[], max: number): string {
  const head = 'No agreed threshold: ';
  const escaped = labels.map(escapeMrkdwn);
  for (let shown = escaped.length; shown > 0; shown -= 1) {
    const left = escaped.length - shown;
    const text = `${head}${escaped.slice(0, shown).join(', ')}${left > 0 ? ` ${more(left)}` : ''}`;
    if (text.length <= max) return text;
  }
  return `${head}${more(labels.length)}`;
}

/**
 * Every way `message` breaks one of Slack's limits, one line each; empty when Slack should take it.
 * The sender can refuse on a non-empty answer rather than learn of it from a 400.
 */
export function slackLimitProblems(message: SlackMessage): string[] {
  const L = SLACK_LIMITS;
  const problems: string[] = [];
  const tooLong = (where: string, text: string, max: number): void => {
    if (text.length === 0) problems.push(`${where}: empty text`);
    if (text.length > max) problems.push(`${where}: ${text.length} characters, over ${max}`);
  };
  if (message.blocks.length > L.blocksPerMessage) {
    problems.push(`${message.blocks.length} blocks, over ${L.blocksPerMessage}`);
  }
  message.blocks.forEach((block, index) => {
    const where = `block ${index} (${block.type})`;
    switch (block.type) {
      case 'header':
        if (block.text.type !== 'plain_text') problems.push(`${where}: header text must be plain_text`);
        tooLong(where, block.text.text, L.headerText);
        break;
      case 'section': {
        const fields = block.fields ?? [];
        if (!block.text && fields.length === 0) problems.push(`${where}: neither text nor fields`);
        if (block.text) tooLong(`${where} text`, block.text.text, L.sectionText);
        if (fields.length > L.sectionFields) {
          problems.push(`${where}: ${fields.length} fields, over ${L.sectionFields}`);
        }
        fields.forEach((field, at) => {
          tooLong(`${where} field ${at}`, field.text, L.sectionFieldText);
        });
        break;
      }
      case 'context':
        if (block.elements.length === 0) problems.push(`${where}: no elements`);
        if (block.elements.length > L.contextElements) {
          problems.push(`${where}: ${block.elements.length} elements, over ${L.contextElements}`);
        }
        block.elements.forEach((element, at) => {
          tooLong(`${where} element ${at}`, element.text, L.contextElementText);
        });
        break;
      case 'actions':
        for (const button of block.elements) {
          tooLong(`${where} button text`, button.text.text, L.buttonText);
          tooLong(`${where} button url`, button.url, L.buttonUrl);
        }
        break;
      case 'divider':
        break;
    }
  });
  const total = textLength(message.blocks);
  if (total > L.blocksTextTotal)
    problems.push(`${total} characters of block text, over ${L.blocksTextTotal}`);
  return problems;
}
