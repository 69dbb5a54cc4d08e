import { expect } from 'chai';
import { waitFor } from '../../src/core/wait-for';
import { findFreePort } from '../../scripts/support/free-port';
import { isProcessAlive } from '../../scripts/support/process-control';
import { request } from '../support/http';
import { type ServiceProcess, spawnService } from '../support/processes';

/** Pulls the token and the sample body out of the banner's curl command. */
function parseBanner(output: string): { token: string; body: string } {
  const token = /Authorization: Bearer (\S+)'/.exec(output)?.[1];
  const body = /-d '(\{.*\})'/.exec(output)?.[1];
  if (!token || !body) throw new Error(`no curl in the banner:\n${output}`);
  return { token, body };
}

describe('npm start: the whole service on embedded defaults', () => {
  let launcher: ServiceProcess | undefined;

  afterEach(async () => {
    await launcher?.stop('SIGKILL');
  });

  it('starts Redis, a stand-in proxy, producer and consumer; the banner curl produces logged pushes; Ctrl-C stops all', async () => {
    const port = await findFreePort();
    // No REDIS_URL, PUSH_PROXY_URL or API_TOKENS: everything embedded.
    launcher = spawnService('scripts/start-all.js', { PORT: String(port), LOG_PRETTY: 'false' });
    const run = launcher;
    await waitFor(() => run.output().includes('Ctrl-C stops everything'), {
      timeoutMs: 20_000,
      description: () => `the banner (output so far:\n${run.output()})`,
    });
    const { token, body } = parseBanner(run.output());
    const redisPid = Number(/"redisPid":(\d+)/.exec(run.output())?.[1]);
    expect(isProcessAlive(redisPid), 'embedded redis-server running').to.equal(true);

    const res = await request(`http://127.0.0.1:${port}/v1/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body,
    });
    expect(res.status).to.equal(202);
    expect((res.body as { accepted: number }).accepted).to.equal(3);
    await waitFor(() => (run.output().match(/"msg":"push received"/g) ?? []).length === 3, {
      timeoutMs: 10_000,
      description: 'three pushes logged by the stand-in proxy',
    });
    for (const who of ['bob', 'carol', 'dave']) expect(run.output()).to.contain(`"recipientId":"${who}"`);

    expect(await run.stop('SIGINT')).to.equal(0);
    expect(run.output()).to.match(/"child":"producer","code":0/);
    expect(run.output()).to.match(/"child":"consumer","code":0/);
    expect(isProcessAlive(redisPid), 'embedded redis-server stopped').to.equal(false);
  });
});
