/** One HTTP delivery as its sender would make it. */
export interface ScriptedDelivery {
  source: string;
  label: string;
  body: string;
  headers: Record<string, string>;
  /** What the twin should answer: the demo checks it, so a broken source is visible at once. */
  expect: 'accepted' | 'duplicate' | 'quarantined' | 'refused';
}

export interface DemoSecrets {
  hubspot: string;
  typeform: string;
  pipedriveCredentials: string;
  genericWhsec: string;
}
