import http from 'node:http';
import type { AddressInfo } from 'node:net';
import axios, { AxiosError, type AxiosInstance } from 'axios';
import { expect } from 'chai';
import { undiciTransport, type UndiciTransport } from '../../../src/notify/undici-adapter';

describe('undici-adapter (real HTTP server)', () => {
  let server: http.Server;
  let url: string;
  let transport: UndiciTransport;
  let client: AxiosInstance;
  let connections: number;
  let answer: (req: http.IncomingMessage, res: http.ServerResponse) => void;

  beforeEach(async () => {
    connections = 0;
    answer = (_, res) => res.end('{}');
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => answer(req, res));
    });
    server.on('connection', () => (connections += 1));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/push?x=1`;
    transport = undiciTransport(1, 1000);
    client = axios.create({ adapter: transport.adapter, timeout: 500, responseType: 'text', transformResponse: [] });
  });

  afterEach(async () => {
    await transport.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('answers a 2xx with its status only (no headers, no body), reads and drops a large body, and reuses the connection', async () => {
    const paths: string[] = [];
    answer = (req, res) => {
      paths.push(req.url ?? '');
      res.setHeader('x-path', req.url ?? '');
      res.end('z'.repeat(200_000));
    };
    for (let i = 0; i < 3; i++) {
      const res = await client.post(url, '{"a":1}', { headers: { 'Content-Type': 'application/json' } });
      expect(res.status).to.equal(200);
      expect(res.data).to.equal('');
      expect(res.headers['x-path']).to.equal(undefined);
    }
    expect(paths).to.deep.equal(['/push?x=1', '/push?x=1', '/push?x=1']);
    expect(connections).to.equal(1);
  });

  it("sends the transport's own headers with every request, a request's header of the same name replacing one", async () => {
    const own = undiciTransport(1, 1000, { 'User-Agent': 'push-fanout', Authorization: 'Bearer t0k', 'X-Team': 'a' });
    const seen: http.IncomingHttpHeaders[] = [];
    answer = (req, res) => {
      seen.push(req.headers);
      res.end();
    };
    try {
      const ownClient = axios.create({ adapter: own.adapter, timeout: 500 });
      await ownClient.post(url, '{}', { headers: { 'Idempotency-Key': 'k1' } });
      await ownClient.post(url, '{}', { headers: { 'User-Agent': 'other', 'x-TEAM': 'b' } });
    } finally {
      await own.close();
    }
    // Node would join a repeated X-Team ("a, b"): one value means it was sent once.
    expect(seen.map((h) => [h['user-agent'], h.authorization, h['x-team'], h['idempotency-key']])).to.deep.equal([
      ['push-fanout', 'Bearer t0k', 'a', 'k1'],
      ['other', 'Bearer t0k', 'b', undefined],
    ]);
  });

  it('turns a 5xx into an AxiosError whose response keeps the body (for logs) and the headers', async () => {
    answer = (_, res) => {
      res.writeHead(503, { 'retry-after': '2' });
      res.end('overloaded');
    };
    const err = await client.post(url, '{}').then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(AxiosError);
    expect((err as AxiosError).code).to.equal(AxiosError.ERR_BAD_RESPONSE);
    expect((err as AxiosError).response?.data).to.equal('overloaded');
    expect((err as AxiosError).response?.headers['retry-after']).to.equal('2');
  });

  it('cancels a request whose signal aborts, and one whose signal was aborted before it started', async () => {
    answer = () => undefined; // never answers
    const controller = new AbortController();
    const pending = client.post(url, '{}', { signal: controller.signal, timeout: 0 }).then(() => undefined, (e: unknown) => e);
    setImmediate(() => controller.abort());
    expect((await pending as AxiosError).code).to.equal(AxiosError.ERR_CANCELED);
    const early = await client.post(url, '{}', { signal: AbortSignal.abort() }).then(() => undefined, (e: unknown) => e);
    expect((early as AxiosError).code).to.equal(AxiosError.ERR_CANCELED);
  });

  it('reports a request undici refuses to send (an invalid header value) as an invalid option, without sending it', async () => {
    let requests = 0;
    answer = (_, res) => {
      requests += 1;
      res.end('{}');
    };
    const err = await client.post(url, '{}', { headers: { 'Idempotency-Key': 'bad\u2028' } }).then(() => undefined, (e: unknown) => e);
    expect((err as AxiosError).code).to.equal(AxiosError.ERR_BAD_OPTION_VALUE);
    expect((err as AxiosError).response).to.equal(undefined);
    expect(requests).to.equal(0);
  });

  it('times out a request whose answer does not come', async () => {
    answer = () => undefined;
    const err = await client.post(url, '{}').then(() => undefined, (e: unknown) => e);
    expect((err as AxiosError).code).to.equal(AxiosError.ECONNABORTED);
  });
});
