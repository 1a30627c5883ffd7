/** One HTTP delivery as its sender would make it. */
export interface ScriptedDelivery {
  source: string;
  label: string;
  /**
   * The story time of the delivery (epoch ms): when its sender sends it. Post it to a twin whose
   * clock reads this time, and its receipt, quarantine and freshness times follow the story.
   */
  at: number;
  body: string;
  headers: Record<string, string>;
  /** The endpoint URL's query, `?…` (Salesforce's `?token=`), or none. */
  query?: string;
  /** What the twin should answer: the demo checks it, so a broken source is visible at once. */
  expect: 'accepted' | 'duplicate' | 'quarantined' | 'refused';
}

export interface DemoSecrets {
  hubspot: string;
  typeform: string;
  pipedriveCredentials: string;
  genericWhsec: string;
  /** The value Salesforce sends as `?token=` on the endpoint URL. */
  salesforceToken: string;
}

/** The URL a scripted delivery is posted to on a webhook server at `baseUrl`. */
export function deliveryUrl(baseUrl: string, delivery: Pick<ScriptedDelivery, 'source' | 'query'>): string {
  return `${baseUrl}/webhooks/${delivery.source}${delivery.query ?? ''}`;
}
