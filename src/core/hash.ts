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
