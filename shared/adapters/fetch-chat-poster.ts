import { type ChatAnswer, type ChatPoster, ChatUnreachableError } from '../ports/chat.ts';

/** Slack and Teams answer within seconds; a hung connection must not hold the function. */
const TIMEOUT_MS = 10_000;
const DETAIL_CHARS = 200;

/** Posts with Node's fetch. Errors say what failed (timeout, DNS, TLS), never the URL. */
export class FetchChatPoster implements ChatPoster {
  async post(url: string, payload: string, headers: Readonly<Record<string, string>>): Promise<ChatAnswer> {
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        body: payload,
        headers: { 'content-type': 'application/json', ...headers },
        signal: AbortSignal.timeout(TIMEOUT_MS),
        redirect: 'error',
      });
    } catch (error) {
      // undici's messages name the host at most ("getaddrinfo ENOTFOUND <host>"), not the path that
      // holds the secret; only the error's kind is kept anyway.
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
      const kind = cause instanceof Error ? ('code' in cause && String(cause.code)) || cause.name : 'error';
      throw new ChatUnreachableError(`the webhook could not be reached (${kind})`);
    }
    const retryAfter = Number(response.headers.get('retry-after'));
    const text = await response.text().catch(() => '');
    return {
      status: response.status,
      ...(Number.isFinite(retryAfter) && retryAfter >= 0 && response.headers.has('retry-after')
        ? { retryAfterSeconds: retryAfter }
        : {}),
      detail: text.slice(0, DETAIL_CHARS),
    };
  }
}
