import { createRequire } from 'node:module';

/** What the test uses of the Adaptive Cards SDK, Microsoft's own parser of the card format. */
interface ParseEvent {
  event: number;
  message: string;
}
interface AdaptiveCardsVersion {
  readonly __version: unique symbol;
}
interface AdaptiveCardsSdk {
  AdaptiveCard: new () => {
    maxVersion: AdaptiveCardsVersion;
    parse(json: unknown, context: { readonly eventCount: number }): void;
    validateProperties(): { validationEvents: ParseEvent[] };
  };
  SerializationContext: new (
    version: AdaptiveCardsVersion,
  ) => { readonly eventCount: number; getEventAt(index: number): ParseEvent };
  Versions: { v1_5: AdaptiveCardsVersion };
  ValidationEvent: Record<number, string>;
}

// The package's ESM build does not load on Node 20 (extensionless imports); its UMD bundle does,
// and parsing needs no DOM.
const AdaptiveCards = createRequire(import.meta.url)(
  'adaptivecards/dist/adaptivecards.js',
) as AdaptiveCardsSdk;

/** Every complaint the SDK has about a card read as Adaptive Cards 1.5, the most Teams renders. */
export function adaptiveCardProblems(card: unknown): string[] {
  const parsed = new AdaptiveCards.AdaptiveCard();
  parsed.maxVersion = AdaptiveCards.Versions.v1_5;
  const context = new AdaptiveCards.SerializationContext(AdaptiveCards.Versions.v1_5);
  parsed.parse(card, context);
  const events = Array.from({ length: context.eventCount }, (_, index) => context.getEventAt(index));
  events.push(...parsed.validateProperties().validationEvents);
  return events.map((event) => `${AdaptiveCards.ValidationEvent[event.event]}: ${event.message}`);
}
