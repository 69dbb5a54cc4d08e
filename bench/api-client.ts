/**
 * Posts messages to the real producer API over one keep-alive connection
 * pool, timing each request from its start to the complete response, as a
 * chat backend would see it.
 */
import { Agent, request } from 'undici';
import type { PreparedMessage } from './payload';

/** One answered POST /v1/messages. */
export interface PostResult {
  status: number;
  /** `accepted` from the reply (0 if absent). */
  accepted: number;
  /** Epoch ms just before the request started: latency figures count from here. */
  startedAt: number;
  /** Request start to the end of the response, in ms (high resolution). */
  ms: number;
}

/** A message's status counts, as GET /v1/messages/:id answers them. */
export interface MessageCounts {
  accepted: number;
  delivered: number;
  failed: number;
  expired: number;
  pending: number;
  /** Pushes replaced by a newer one of the same collapseKey; absent before collapse existed. */
  collapsed?: number;
}

/** Thrown when the API answers anything but 202: the figure would be meaningless. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    body: string,
  ) {
    super(`POST /v1/messages answered ${status}: ${body.slice(0, 300)}`);
    this.name = 'ApiError';
  }
}

/** A client for one producer. */
export class ApiClient {
  // Enough sockets for the paced latency test, whose requests may overlap.
  private readonly agent = new Agent({ connections: 32, keepAliveTimeout: 4_000 });

  constructor(
    readonly baseUrl: string,
    private readonly token: string,
  ) {}

  /** Posts `message`; resolves with its timing, rejects with {@link ApiError} on any status but 202. */
  async post(message: PreparedMessage): Promise<PostResult> {
    const startedAt = Date.now();
    const start = performance.now();
    const res = await request(`${this.baseUrl}/v1/messages`, {
      method: 'POST',
      dispatcher: this.agent,
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      body: message.body,
    });
    const text = await res.body.text();
    const ms = performance.now() - start;
    if (res.statusCode !== 202) throw new ApiError(res.statusCode, text);
    const accepted = Number((JSON.parse(text) as { accepted?: unknown }).accepted ?? 0);
    return { status: res.statusCode, accepted, startedAt, ms };
  }

  /** GET /v1/messages/:id: the message's status counts (`collapsed` only where the service has it). */
  async status(messageId: string): Promise<MessageCounts> {
    const res = await request(`${this.baseUrl}/v1/messages/${encodeURIComponent(messageId)}`, {
      method: 'GET',
      dispatcher: this.agent,
      headers: { authorization: `Bearer ${this.token}` },
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`GET /v1/messages/${messageId} answered ${res.statusCode}: ${text.slice(0, 300)}`);
    return JSON.parse(text) as MessageCounts;
  }

  /** Closes the pool's sockets. */
  close(): Promise<void> {
    return this.agent.close();
  }
}

/** GETs `url` and resolves with its status, or 0 if nothing answered (a readiness probe). */
export async function probe(url: string): Promise<number> {
  try {
    const res = await request(url, { method: 'GET', headersTimeout: 2_000, bodyTimeout: 2_000 });
    await res.body.text();
    return res.statusCode;
  } catch {
    return 0;
  }
}

/** GETs `url` and returns the body text (a metrics scrape). */
export async function fetchText(url: string): Promise<string> {
  const res = await request(url, { method: 'GET', headersTimeout: 5_000, bodyTimeout: 5_000 });
  return res.body.text();
}
