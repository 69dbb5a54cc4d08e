import { createHash } from 'node:crypto';

/**
 * A stable 32-bit string hash (FNV-1a over UTF-16 code units). Every producer
 * and consumer must map a recipient to the same shard forever, so this must
 * not depend on the Node version, the platform or a random seed.
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a hash of `value`, as an unsigned 32-bit integer. */
export function fnv1a32(value: string): number {
  let hash = FNV_OFFSET;
  for (let i = 0; i < value.length; i++) {
    hash ^= value.charCodeAt(i);
    hash = Math.imul(hash, FNV_PRIME);
  }
  return hash >>> 0;
}

/**
 * A fingerprint of an ordered list of strings none of which contains a newline (ids, see
 * message-schema's ID_PATTERN): base64 SHA-1 of the list joined by `\n`. Equal lists give equal
 * fingerprints; a different order or member gives a different one (collisions aside).
 */
export function listFingerprint(values: readonly string[]): string {
  return createHash('sha1').update(values.join('\n')).digest('base64');
}
