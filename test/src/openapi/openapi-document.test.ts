import { expect } from 'chai';
import { listQuerySchema, replayBodySchema } from '../../../src/deadletter/dead-letter-schema';
import { messageSchema } from '../../../src/message/message-schema';
import { toSchema } from '../../../src/openapi/openapi-document';
import { baseEnv, SHARED_REDIS_URL, TEST_TOKEN } from '../../support/env';
import { request } from '../../support/http';
import { deletePrefix } from '../../support/redis';
import { runProducer, type RunningProducer } from '../../support/service';

type Doc = { openapi: string; paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: unknown }> }; parameters?: Array<{ name: string }> }>> };

describe('OpenAPI document', () => {
  let producer: RunningProducer;
  let env: Record<string, string>;
  let doc: Doc;

  before(async () => {
    env = baseEnv({ MAX_RECIPIENTS: '5000' });
    producer = await runProducer(env);
    const res = await request(`${producer.url}/openapi.json`);
    expect(res.status).to.equal(200);
    doc = res.body as Doc;
  });

  after(async () => {
    await producer.close();
    await deletePrefix(SHARED_REDIS_URL, env['QUEUE_PREFIX']!);
  });

  it('is OpenAPI 3 and describes requests with the schemas that validate them', () => {
    expect(doc.openapi).to.match(/^3\./);
    const body = (path: string) => doc.paths[path]?.['post']?.requestBody?.content['application/json']?.schema;
    expect(body('/v1/messages')).to.deep.equal(toSchema(messageSchema(5000)));
    expect(body('/v1/dead-letters/replay')).to.deep.equal(toSchema(replayBodySchema));
    const listed = doc.paths['/v1/dead-letters']?.['get']?.parameters?.map((p) => p.name);
    expect(listed).to.deep.equal(Object.keys(listQuerySchema.shape));
  });

  it('documents only routes that exist', async () => {
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const method of Object.keys(methods)) {
        const url = `${producer.url}${path.replace('{messageId}', 'some-id')}`;
        const res = await request(url, {
          method: method.toUpperCase(),
          headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' },
          body: method === 'post' ? '{}' : undefined,
        });
        // 404 is a valid answer for an unknown message id, but not "no such route".
        const noRoute = res.status === 405 || (res.status === 404 && (res.body as { error?: string }).error === 'not_found' && !path.includes('{'));
        expect(noRoute, `${method} ${path} answered ${res.status}`).to.equal(false);
      }
    }
  });
});
