import { Pool } from 'undici';

/** What came back for one request, or why nothing did. */
export interface Answer {
  status: number;
  contentType: string;
  text: string;
  /** Set when no answer came: a timeout (a hang) or the connection closed without a reply. */
  failure?: string;
}

/** Longer than any answer may take: a request without an answer by then hangs. */
export const REQUEST_TIMEOUT_MS = 10_000;

/**
 * Sends raw requests: the path as written (no normalising of `..` or
 * percent-escapes, unlike fetch), any headers and body bytes, each with a
 * deadline.
 */
export function rawClient(baseUrl: string, connections = 4) {
  const pool = new Pool(baseUrl, {
    connections,
    headersTimeout: REQUEST_TIMEOUT_MS,
    bodyTimeout: REQUEST_TIMEOUT_MS,
  });
  return {
    async send(request: {
      method: string;
      path: string;
      headers: Record<string, string>;
      body?: string | Buffer;
    }): Promise<Answer> {
      try {
        const response = await pool.request({
          method: request.method as 'GET',
          path: request.path,
          headers: request.headers,
          body: request.body,
        });
        const text = await response.body.text();
        const contentType = String(response.headers['content-type'] ?? '');
        return { status: response.statusCode, contentType, text };
      } catch (error) {
        const code = (error as { code?: string }).code ?? '';
        // The client itself refuses what it cannot put on the wire (a header with a control character):
        // nothing reached the gateway.
        if (code === 'UND_ERR_INVALID_ARG')
          return { status: 0, contentType: '', text: '', failure: 'unsendable' };
        return {
          status: 0,
          contentType: '',
          text: '',
          failure: `${code || 'error'}: ${(error as Error).message}`,
        };
      }
    },
    close: () => pool.close(),
  };
}

/** Runs `work` over `items` with at most `concurrency` at a time, in order of start. */
export async function inParallel<T, R>(items: T[], concurrency: number, work: (item: T) => Promise<R>) {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}
