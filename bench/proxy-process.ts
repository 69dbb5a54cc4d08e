/**
 * The stand-in push proxy, as its own process so that it gets the machine's
 * other core instead of stealing CPU from the measured consumer. It does the
 * least an HTTP server can: drain the body unparsed, answer 200 `{}`, count.
 * While recording, it also keeps each push's arrival time by message id (the
 * part of the Idempotency-Key before the first ':'), for latency figures:
 * of every message, or only of those whose id starts with a given prefix
 * (see ./arrival-recording.ts).
 *
 * Two options serve the busy-room scenario: a recipient log (each push's
 * recipient, message and `collapsedCount`, see ./recipient-log.ts), which
 * makes it read the body; and a rate cap (./pacer.ts): requests queue and
 * are answered at most `cap` per second, in arrival order. A push counts
 * (and is recorded) when it is answered: that is when upstream "took" it.
 *
 * Started by the bench with an IPC channel; see ./proxy.ts for the commands.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ArrivalCounter, targetOf } from './arrival-counter';
import { ArrivalRecording } from './arrival-recording';
import { serveIpc } from './ipc';
import { Pacer } from './pacer';
import { RecipientLog } from './recipient-log';

const counter = new ArrivalCounter();
let connections = 0;
let recording: ArrivalRecording | undefined;
let recipientLog: RecipientLog | undefined;
let pacer: Pacer | undefined;

/** `true` follows every message id, a string only those starting with it; anything else records nothing. */
function recordingOf(arg: unknown): ArrivalRecording | undefined {
  if (arg === true) return new ArrivalRecording();
  return typeof arg === 'string' ? new ArrivalRecording(arg) : undefined;
}

const server = http.createServer((req, res) => {
  // Only the recipient log needs the body; otherwise it is drained unread.
  const log = recipientLog;
  const chunks: Buffer[] = [];
  const answer = (): void => {
    counter.add();
    const key = req.headers['idempotency-key'];
    const now = Date.now();
    if (recording && typeof key === 'string') recording.add(key, now);
    log?.add(Buffer.concat(chunks).toString('utf8'), now);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '2' });
    res.end('{}');
  };
  req.on('end', () => {
    const wait = pacer?.delay(performance.now()) ?? 0;
    if (wait > 0) setTimeout(answer, wait);
    else answer();
  });
  if (log) req.on('data', (chunk: Buffer) => chunks.push(chunk));
  else req.resume();
});
server.on('connection', () => void (connections += 1));
// Longer than any client's idle timeout, so the proxy never closes a socket a client is about to reuse.
server.keepAliveTimeout = 65_000;

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  serveIpc(
    {
      /** Zeroes counts; `arg` true (all) or a message id prefix starts recording arrival times. */
      reset: (arg) => {
        counter.reset();
        connections = 0;
        recording = recordingOf(arg);
        return true;
      },
      count: () => ({ count: counter.count, firstAt: counter.firstAt, connections }),
      waitFor: (arg) => counter.waitFor(targetOf(arg)),
      /** Recorded arrival times, then stops recording and forgets them. */
      arrivals: () => {
        const out = recording?.arrivals() ?? {};
        recording = undefined;
        return out;
      },
      /** Count and first/last arrival of the pushes the recording does not follow. */
      others: () => recording?.others() ?? { count: 0, firstAt: 0, lastAt: 0 },
      /** Starts a fresh recipient log (reset() leaves it alone). */
      recordRecipients: () => void (recipientLog = new RecipientLog()),
      /** The recipient log so far, then stops it and forgets it. */
      recipients: () => {
        const out = recipientLog?.snapshot() ?? { recipients: {}, unreadable: 0 };
        recipientLog = undefined;
        return out;
      },
      /** Caps answers at `arg` per second; 0 (or anything not positive) removes the cap. */
      cap: (arg) => void (pacer = typeof arg === 'number' && arg > 0 ? new Pacer(arg) : undefined),
    },
    { url: `http://127.0.0.1:${port}/push` },
  );
});
