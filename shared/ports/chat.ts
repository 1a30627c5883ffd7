/** What a chat webhook answered: its status, and how long it asked us to wait when throttling. */
export interface ChatAnswer {
  status: number;
  /** Retry-After in seconds, when the answer carried one (429). */
  retryAfterSeconds?: number;
  /** The start of the answer's body (Slack's error code, Teams' message): for the record. */
  detail: string;
}

/**
 * Posts a JSON payload to a chat webhook URL. The URL is a credential: an implementation never
 * puts it in an error or a log. A failure to reach the host at all is thrown as
 * ChatUnreachableError (retried like a 5xx).
 */
export interface ChatPoster {
  post(url: string, payload: string, headers: Readonly<Record<string, string>>): Promise<ChatAnswer>;
}

export class ChatUnreachableError extends Error {
  override readonly name = 'ChatUnreachableError';
}
