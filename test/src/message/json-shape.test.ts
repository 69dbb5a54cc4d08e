import { expect } from 'chai';
import { jsonShapeProblem, MAX_JSON_DEPTH } from '../../../src/message/json-shape';

/** `depth` levels of objects or arrays, parsed from text (building it recursively would be the bug under test). */
function nested(depth: number, objects = true): unknown {
  const text = objects ? `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}` : `${'['.repeat(depth)}1${']'.repeat(depth)}`;
  return JSON.parse(text);
}

describe('json-shape', () => {
  it('allows exactly MAX_JSON_DEPTH levels, counting the body as the first', () => {
    expect(jsonShapeProblem({ data: nested(MAX_JSON_DEPTH - 1) })).to.equal(undefined);
    expect(jsonShapeProblem({ data: nested(MAX_JSON_DEPTH) })).to.deep.equal({
      path: 'data',
      message: `is nested more than ${MAX_JSON_DEPTH} levels deep`,
    });
  });

  it('names the top-level field of deep nesting in any position, arrays included', () => {
    expect(jsonShapeProblem({ recipientIds: ['a', nested(5000, false)] })?.path).to.equal('recipientIds');
    expect(jsonShapeProblem({ notification: { body: 'b', x: nested(5000) } })?.path).to.equal('notification');
    expect(jsonShapeProblem(nested(5000, false))?.path).to.equal('(body)');
  });

  it('walks 300,000 levels without overflowing the stack', () => {
    expect(jsonShapeProblem({ data: nested(300_000, false) })?.path).to.equal('data');
  });

  it('refuses __proto__ as a key anywhere, and allows constructor and prototype', () => {
    const parsed = JSON.parse('{"data":{"list":[{"__proto__":{"polluted":true}}]}}') as unknown;
    expect(jsonShapeProblem(parsed)).to.deep.equal({ path: 'data.list.0.__proto__', message: '"__proto__" is not allowed as a key' });
    expect(jsonShapeProblem(JSON.parse('{"data":{"constructor":1,"prototype":{"x":1}}}'))).to.equal(undefined);
  });
});
