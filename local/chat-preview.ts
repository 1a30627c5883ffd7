import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { SlackBlock, SlackMessage } from '#shared/chat/slack.ts';

/*
 * `chat.html` in a packet's outbox folder: how the captured Slack and Teams posts read, without a
 * workspace. Slack's blocks are drawn here in a Slack-like way (the platform has no public
 * renderer); the Teams card is drawn by Microsoft's own Adaptive Cards renderer, inlined so the
 * file opens from disk.
 */

const escapeHtml = (text: string) =>
  text
    .replace(/&(?!(?:amp|lt|gt);)/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');

/** Slack mrkdwn as HTML: its entities are already escaped; *bold*, _italic_ and line breaks. */
function mrkdwn(text: string): string {
  return escapeHtml(text)
    .replace(/\*([^*\n]+)\*/g, '<b>$1</b>')
    .replace(/(^|\s)_([^_\n]+)_/g, '$1<i>$2</i>')
    .replace(/\n/g, '<br>');
}

function slackBlock(block: SlackBlock): string {
  switch (block.type) {
    case 'header':
      return `<h3>${escapeHtml(block.text.text)}</h3>`;
    case 'section':
      return `<div class="section">${block.text ? `<p>${mrkdwn(block.text.text)}</p>` : ''}${
        block.fields
          ? `<div class="fields">${block.fields.map((field) => `<p>${mrkdwn(field.text)}</p>`).join('')}</div>`
          : ''
      }</div>`;
    case 'context':
      return `<p class="context">${block.elements.map((element) => mrkdwn(element.text)).join(' ')}</p>`;
    case 'divider':
      return '<hr>';
    case 'actions':
      return block.elements
        .map(
          (button) =>
            `<a class="button" href="${escapeHtml(button.url)}">${escapeHtml(button.text.text)}</a>`,
        )
        .join('');
  }
}

async function readJson(file: string): Promise<Record<string, unknown> | undefined> {
  return readFile(file, 'utf8')
    .then((text) => JSON.parse(text) as Record<string, unknown>)
    .catch(() => undefined);
}

/** Writes `chat.html` beside the folder's `slack.json` and `teams.json`. */
export async function writeChatPreview(dir: string): Promise<void> {
  const slack = await readJson(join(dir, 'slack.json'));
  const teams = await readJson(join(dir, 'teams.json'));
  const slackHtml = Object.entries(slack ?? {})
    .map(
      ([name, message]) =>
        `<section class="slack"><p class="channel">Slack ${escapeHtml(name)}</p>${(message as SlackMessage).blocks.map(slackBlock).join('')}</section>`,
    )
    .join('');
  const cards = Object.entries(teams ?? {}).map(([name, message]) => ({
    name,
    card: (message as { attachments: { content: unknown }[] }).attachments[0]?.content,
  }));
  const renderer = cards.length > 0 ? await adaptiveCardsScript() : '';
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Chat preview</title>
<style>
body { font-family: -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; padding: 12px; background: #f4f5f7; color: #1d1c1d; }
main { display: flex; flex-wrap: wrap; gap: 16px; }
section { background: #fff; border-radius: 8px; padding: 12px 16px; flex: 1 1 320px; max-width: 600px; box-sizing: border-box; overflow-wrap: anywhere; }
.channel { color: #616061; font-size: 12px; margin: 0 0 8px; }
h3 { margin: 4px 0 8px; font-size: 17px; }
.section p { margin: 6px 0; font-size: 15px; line-height: 1.4; }
.fields { display: grid; grid-template-columns: repeat(auto-fit, minmax(140px, 1fr)); gap: 4px 16px; }
.context { color: #616061; font-size: 12px; }
hr { border: 0; border-top: 1px solid #e2e2e2; }
.button { display: inline-block; border: 1px solid #bbb; border-radius: 4px; padding: 4px 12px; color: #1d1c1d; text-decoration: none; }
</style></head><body><main>
${slackHtml}
${cards.map((_, index) => `<section class="teams"><p class="channel">Teams ${escapeHtml(cards[index]?.name ?? '')}</p><div id="card-${index}"></div></section>`).join('')}
</main>
${
  cards.length > 0
    ? `<script>${renderer}</script>
<script>
const cards = ${JSON.stringify(cards.map((entry) => entry.card)).replace(/</g, '\\u003c')};
cards.forEach((json, index) => {
  const card = new AdaptiveCards.AdaptiveCard();
  card.parse(json);
  document.getElementById('card-' + index).appendChild(card.render());
});
</script>`
    : ''
}
</body></html>
`;
  await writeFile(join(dir, 'chat.html'), html);
}

/** Microsoft's renderer (a development dependency: the preview is the twin's, never the stack's). */
async function adaptiveCardsScript(): Promise<string> {
  const path = createRequire(import.meta.url).resolve('adaptivecards/dist/adaptivecards.min.js');
  return (await readFile(path, 'utf8')).replace(/<\/script/gi, '<\\/script');
}
