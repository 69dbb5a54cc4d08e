/**
 * The lanes as the page knows them. LANES must match src/queue/lane.ts (the
 * order the API and the metrics list them in); the Chromium test checks the
 * cards this page draws against it.
 */
import { make } from './dom.js';

export const LANES = ['interactive', 'bulk'];

/** The lane of a shard or dead letter; one from before lanes has none and was in what is now interactive. */
export function laneOf(item) {
  return item && item.lane === 'bulk' ? 'bulk' : 'interactive';
}

/** The lane of an item as a badge; laneOf yields a known name only, so it is safe as a class. */
export function laneBadge(item, testId) {
  const lane = laneOf(item);
  const badge = make('span', 'lane-badge ' + lane, lane);
  if (testId) badge.dataset.testid = testId;
  return badge;
}
