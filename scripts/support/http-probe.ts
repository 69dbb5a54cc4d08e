/**
 * Waits for an HTTP endpoint to answer 200, with a deadline. Used by the
 * launcher to print its banner only once the API can take requests.
 */
import http from 'node:http';
import { waitFor } from '../../src/core/wait-for';

/** Resolves with the status of one GET to `url`, or 0 if it did not answer. */
export function getStatus(url: string, timeoutMs = 1000): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

/** Waits until `url` answers 200. */
export async function waitForReady(url: string, timeoutMs: number): Promise<void> {
  await waitFor(async () => (await getStatus(url)) === 200, {
    timeoutMs,
    intervalMs: 100,
    description: `${url} to answer 200`,
  });
}
