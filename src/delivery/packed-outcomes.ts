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
  // Three bytes hold exactly eight slots: read them as one 24-bit number.
  const groups = Math.floor(bytes.length / 3);
  for (let g = 0, at = 0; g < groups; g++, at += 3) {
    const v = ((bytes[at] ?? 0) << 16) | ((bytes[at + 1] ?? 0) << 8) | (bytes[at + 2] ?? 0);
    for (let shift = 21; shift >= 0; shift -= 3) counts[(v >> shift) & 7]! += 1;
  }
  // The rest, one or two bytes (8 or 16 bits): 2 or 5 whole slots, left-aligned in a 24-bit number.
  const rest = bytes.length - groups * 3;
  const v = ((bytes[groups * 3] ?? 0) << 16) | ((rest === 2 ? bytes[groups * 3 + 1] ?? 0 : 0) << 8);
  const slots = Math.floor((rest * 8) / 3);
  for (let i = 0, shift = 21; i < slots; i++, shift -= 3) counts[(v >> shift) & 7]! += 1;
  return counts;
}

/**
 * The bytes of a packed string sent as numbers of six bytes each, big-endian (read-outcomes.lua),
 * `length` bytes in all: the last number's padding is dropped.
 */
export function bytesOfSixes(words: readonly number[], length: number): Uint8Array {
  const bytes = new Uint8Array(words.length * 6);
  for (let w = 0, at = 0; w < words.length; w++, at += 6) {
    const word = words[w] ?? 0;
    // 48 bits: two 24-bit halves, each exact in a JS number's bit operations.
    const high = Math.floor(word / 0x1000000);
    const low = word % 0x1000000;
    bytes[at] = high >>> 16;
    bytes[at + 1] = (high >>> 8) & 255;
    bytes[at + 2] = high & 255;
    bytes[at + 3] = low >>> 16;
    bytes[at + 4] = (low >>> 8) & 255;
    bytes[at + 5] = low & 255;
  }
  return bytes.subarray(0, length);
}
