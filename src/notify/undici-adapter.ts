/**
 * An axios adapter that sends requests with undici. axios and axios-retry
 * stay the HTTP API of the service; only the transport underneath changes.
 * Node's http client and follow-redirects cost several times the CPU of
 * undici per request, and the push proxy is the consumer's hottest path.
 *
 * The adapter honours what the service uses of axios: method, absolute URL,
 * headers, a serialised body, `timeout` (undici applies it to the wait for
 * the response headers and to each pause in the body; connecting has its own
 * limit), `signal`, and `validateStatus`, which an adapter must apply itself. Failures become AxiosErrors with the codes axios' own
 * adapter would use, so retry rules and classification see no difference.
 */
import { type AxiosAdapter, AxiosError, AxiosHeaders, type AxiosResponse, type InternalAxiosRequestConfig, isAxiosError } from 'axios';
import { Agent, errors } from 'undici';

/** An adapter and the connection pool behind it. */
export interface UndiciTransport {
  adapter: AxiosAdapter;
  /** Closes every pooled connection. */
  close(): Promise<void>;
}

/** The request's headers as undici takes them; axios has made them an AxiosHeaders, whose own keys are the headers. */
function flatHeaders(config: InternalAxiosRequestConfig): Record<string, string> {
  const headers = (config.headers instanceof AxiosHeaders ? config.headers : AxiosHeaders.from(config.headers)) as unknown as Record<string, unknown>;
  const out: Record<string, string> = {};
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    // As AxiosHeaders#toJSON: null, undefined and false mean "not sent".
    if (value !== undefined && value !== null && value !== false) out[name] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return out;
}

/** Where a request goes, parsed once per distinct URL (the consumer has one). */
interface Target {
  origin: string;
  path: string;
}

function targetCache(): (config: InternalAxiosRequestConfig) => Target {
  let last: { url: string | undefined; baseURL: string | undefined; target: Target } | undefined;
  return (config) => {
    if (last && last.url === config.url && last.baseURL === config.baseURL) return last.target;
    const url = new URL(config.url ?? '', config.baseURL);
    last = { url: config.url, baseURL: config.baseURL, target: { origin: url.origin, path: `${url.pathname}${url.search}` } };
    return last.target;
  };
}

/** Maps an undici or socket failure to the AxiosError axios' http adapter would raise. */
function toAxiosError(err: unknown, config: InternalAxiosRequestConfig): AxiosError {
  if (err instanceof errors.HeadersTimeoutError || err instanceof errors.BodyTimeoutError) {
    return new AxiosError(`timeout of ${config.timeout}ms exceeded`, AxiosError.ECONNABORTED, config);
  }
  if (err instanceof Error && err.name === 'AbortError') return new AxiosError('canceled', AxiosError.ERR_CANCELED, config);
  const code = (err as { code?: unknown }).code;
  const cause = (err as { cause?: { code?: unknown } }).cause?.code;
  const message = err instanceof Error ? err.message : String(err);
  return new AxiosError(message, typeof cause === 'string' ? cause : typeof code === 'string' ? code : AxiosError.ERR_NETWORK, config);
}

/**
 * Builds the adapter over a keep-alive pool of at most `connections` per
 * origin. `connectTimeoutMs` bounds opening a connection, which the
 * per-request timeout (headers and body) does not cover.
 */
export function undiciTransport(connections: number, connectTimeoutMs: number): UndiciTransport {
  const agent = new Agent({ connections, keepAliveTimeout: 4_000, keepAliveMaxTimeout: 60_000, connect: { timeout: connectTimeoutMs } });
  const targetOf = targetCache();
  const adapter: AxiosAdapter = async (config) => {
    const { origin, path } = targetOf(config);
    try {
      const res = await agent.request({
        origin,
        path,
        method: (config.method ?? 'get').toUpperCase() as 'POST',
        headers: flatHeaders(config),
        body: typeof config.data === 'string' || Buffer.isBuffer(config.data) ? config.data : undefined,
        headersTimeout: config.timeout || undefined,
        bodyTimeout: config.timeout || undefined,
        signal: config.signal as AbortSignal | undefined,
      });
      const response: AxiosResponse = {
        // The service reads only the status; a failure's body is kept for logs.
        data: res.statusCode < 300 ? (await res.body.dump(), '') : await res.body.text(),
        status: res.statusCode,
        statusText: '',
        headers: AxiosHeaders.from(res.headers as Record<string, string>),
        config,
        request: {},
      };
      const accepted = config.validateStatus ? config.validateStatus(res.statusCode) : res.statusCode < 400;
      if (accepted) return response;
      const code = res.statusCode >= 500 ? AxiosError.ERR_BAD_RESPONSE : AxiosError.ERR_BAD_REQUEST;
      throw new AxiosError(`Request failed with status code ${res.statusCode}`, code, config, {}, response);
    } catch (err) {
      throw isAxiosError(err) ? err : toAxiosError(err, config);
    }
  };
  return { adapter, close: () => agent.close() };
}
