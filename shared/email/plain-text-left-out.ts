/**
 * Stands in for html-to-text, html5parser and entities' decoder in the Lambda bundles
 * (infra/constructs/bundle-settings.ts aliases them here). @react-email/render imports them only
 * for its `plainText` option; samepage writes the text part itself (packetText), so the bundles
 * leave ~150 KB of HTML parsers out of every cold start. These names are the ones
 * @react-email/render imports; calling any of them means something turned `plainText` on.
 */
export class PlainTextConversionLeftOut extends Error {
  override readonly name = 'PlainTextConversionLeftOut';
  constructor() {
    super(
      "@react-email/render's plainText conversion is left out of the Lambda bundles: the text part is packetText(packet)",
    );
  }
}

function leftOut(): never {
  throw new PlainTextConversionLeftOut();
}

export const convert = leftOut;
export const parse = leftOut;
export const decodeHTML = leftOut;
export const decodeHTMLAttribute = leftOut;
/** html5parser's node kinds: only read inside the conversion, which never runs. */
export const SyntaxKind = {};
