/**
 * fast-check generators of hostile request bodies: random JSON, wrong types
 * in every field, huge strings, invalid UTF-8, and deep nesting, huge arrays
 * and prototype-pollution keys in every position. Each yields the raw bytes
 * to send.
 */
import fc from 'fast-check';

const VALID = {
  messageId: 'fuzz',
  roomId: 'room',
  senderId: 'sender',
  recipientIds: ['a', 'b'],
  notification: { title: 't', body: 'b' },
};
const FIELDS = [...Object.keys(VALID), 'data', 'collapseKey', 'priority', 'ttlSeconds', 'sendAt'];

/** Any JSON value, or something that is not one. */
const wildValue = fc.oneof(
  fc.jsonValue(),
  fc.string({ maxLength: 300 }),
  fc.string({ minLength: 5000, maxLength: 20_000 }),
  fc.integer(),
  fc.double(),
  fc.constantFrom(null, true, false, -1, 0, 1e309, '', '__proto__', '{}', '}{'),
  fc.array(fc.jsonValue(), { maxLength: 20 }),
);

/** A valid message with one to three fields replaced by wild values (or removed). */
const mutatedMessage = fc
  .tuple(fc.uniqueArray(fc.constantFrom(...FIELDS), { minLength: 1, maxLength: 3 }), fc.array(fc.option(wildValue), { minLength: 3, maxLength: 3 }))
  .map(([fields, values]) => {
    const body: Record<string, unknown> = { ...VALID, messageId: `fuzz-${Math.random().toString(36).slice(2)}` };
    fields.forEach((f, i) => {
      const v = values[i];
      if (v === null || v === undefined) delete body[f];
      else body[f] = v;
    });
    return Buffer.from(JSON.stringify(body));
  });

/** Deeply nested arrays or objects, balanced or not. */
const deepNesting = fc.tuple(fc.integer({ min: 100, max: 300_000 }), fc.boolean(), fc.boolean()).map(([depth, objects, balanced]) => {
  const open = objects ? '{"a":'.repeat(depth) : '['.repeat(depth);
  const close = balanced ? (objects ? '}' : ']').repeat(depth) : '';
  return Buffer.from(`${open}1${close}`);
});

/** A message whose text contains bytes that are not UTF-8. */
const invalidUtf8 = fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => {
  const junk = Buffer.from(bytes.map((b) => b | 0x80));
  return Buffer.concat([Buffer.from('{"messageId":"x","roomId":"'), junk, Buffer.from('","notification":{"body":"b"}}')]);
});

/** Keys aimed at prototype pollution, at the top level and nested. */
const pollution = fc.constantFrom('__proto__', 'constructor', 'prototype').chain((key) =>
  fc.constantFrom(
    `{"${key}":{"polluted":true},"messageId":"p","roomId":"r","senderId":"s","recipientIds":["a"],"notification":{"body":"b"}}`,
    `{"messageId":"p","roomId":"r","senderId":"s","recipientIds":["a"],"notification":{"body":"b","${key}":{"x":1}}}`,
    `{"messageId":"p","roomId":"r","senderId":"s","recipientIds":["a"],"notification":{"body":"b"},"data":{"${key}":{"polluted":true}}}`,
  ).map((text) => Buffer.from(text)),
);

/**
 * Structural attacks placed in every position a body has: the top level,
 * inside `notification`, inside `data`, and as an item of an array
 * (`recipientIds`, or an array inside `data`). The text is built by
 * concatenation, since JSON.stringify itself would overflow on deep values.
 */
const structuralPayload = fc.oneof(
  // Deep nesting: a few levels (valid) up to far beyond any limit.
  fc.tuple(fc.integer({ min: 1, max: 20_000 }), fc.boolean()).map(([depth, objects]) =>
    objects ? `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}` : `${'['.repeat(depth)}1${']'.repeat(depth)}`,
  ),
  // Huge arrays: up to 200k items (about 400 KB), of numbers, ids or empty objects.
  fc.tuple(fc.integer({ min: 1, max: 200_000 }), fc.constantFrom('0', '"a"', '{}', '[]')).map(([n, item]) => `[${Array(n).fill(item).join(',')}]`),
  // Prototype keys holding an object, an array or a scalar.
  fc.tuple(fc.constantFrom('__proto__', 'constructor', 'prototype'), fc.constantFrom('{"polluted":true}', '[1]', '1', 'null'))
    .map(([key, value]) => `{"${key}":${value}}`),
);

/** A message with a structural payload in one position, under a prototype key or an ordinary one. */
const structuralBody = fc
  .tuple(
    structuralPayload,
    fc.constantFrom('top', 'notification', 'data', 'recipientIds', 'dataArray'),
    fc.constantFrom('__proto__', 'constructor', 'prototype', 'x', 'data', 'title'),
  )
  .map(([payload, position, key]) => {
    const id = `fuzz-${Math.random().toString(36).slice(2)}`;
    const head = `"messageId":"${id}","roomId":"r","senderId":"s"`;
    const recipients = position === 'recipientIds' ? `["a",${payload}]` : '["a","b"]';
    const notification = position === 'notification' ? `{"body":"b","${key}":${payload}}` : '{"body":"b"}';
    const data = position === 'data' ? `,"data":{"${key}":${payload}}` : position === 'dataArray' ? `,"data":{"list":[1,${payload}]}` : '';
    const top = position === 'top' ? `,"${key}":${payload}` : '';
    return Buffer.from(`{${head},"recipientIds":${recipients},"notification":${notification}${data}${top}}`);
  });

/** Arbitrary bytes and arbitrary JSON. */
const randomJson = fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? 'null'));
const randomBytes = fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b));

/** Every kind of hostile body. */
export const hostileBody: fc.Arbitrary<Buffer> = fc.oneof(
  { arbitrary: mutatedMessage, weight: 5 },
  { arbitrary: randomJson, weight: 2 },
  { arbitrary: randomBytes, weight: 1 },
  { arbitrary: deepNesting, weight: 1 },
  { arbitrary: invalidUtf8, weight: 1 },
  { arbitrary: pollution, weight: 1 },
  { arbitrary: structuralBody, weight: 3 },
);
