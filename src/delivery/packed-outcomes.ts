/**
 * Decoding a packed markers string (see delivery-markers): slot i is the 3 bits at bit offset 3i,
 * most significant bit first, as BITFIELD u3 #i reads them. Counting them is how a status read
 * learns a message's outcomes: no counters are kept beside the markers.
 */

/** Outcome codes of a slot, as record-outcome.lua writes them: 0 is nothing recorded yet. */
export const SLOT_DELIVERED = 1;
export const SLOT_FAILED = 2;
export const SLOT_EXPIRED = 3;
export const SLOT_COLLAPSED = 4;

/**
 * How many slots of `bytes` hold each code: index = code (0..7). A slot that would run past the
 * end of the string does not exist (BITFIELD SET grows the string to hold the whole slot).
 */
export function countSlots(bytes: Uint8Array): number[] {
  const counts = [0, 0, 0, 0, 0, 0, 0, 0];
  const slots = Math.floor((bytes.length * 8) / 3);
  for (let i = 0; i < slots; i++) {
    const bit = i * 3;
    const at = bit >> 3;
    // The slot lies within these two bytes (3 bits never straddle more than one byte boundary).
    const word = ((bytes[at] ?? 0) << 8) | (bytes[at + 1] ?? 0);
    const code = (word >> (13 - (bit & 7))) & 7;
    counts[code] = (counts[code] ?? 0) + 1;
  }
  return counts;
}

/**
 * The bytes of a packed string sent as numbers of six bytes each, big-endian (read-outcomes.lua),
 * `length` bytes in all: the last number's padding is dropped.
 */
export function bytesOfSixes(words: readonly number[], length: number): Uint8Array {
  const bytes = new Uint8Array(words.length * 6);
  for (const [w, word] of words.entries()) {
    // 48 bits: two 24-bit halves, each exact in a JS number's bit operations.
    const high = Math.floor(word / 0x1000000);
    const low = word % 0x1000000;
    bytes.set([high >>> 16, (high >>> 8) & 255, high & 255, low >>> 16, (low >>> 8) & 255, low & 255], w * 6);
  }
  return bytes.subarray(0, length);
}
