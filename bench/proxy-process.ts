/**
 * The stand-in push proxy, as its own process so that it gets the machine's
 * other core instead of stealing CPU from the measured consumer. It does the
 * least an HTTP server can: drain the body unparsed, answer 200 `{}`, count.
 * While recording, it also keeps each push's arrival time by message id (the
 * part of the Idempotency-Key before the first ':'), for latency figures.
 *
 * Started by the bench with an IPC channel; see ./proxy.ts for the commands.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ArrivalCounter, targetOf } from './arrival-counter';
import { serveIpc } from './ipc';

const counter = new ArrivalCounter();
let connections = 0;
let recording = false;
let arrivals = new Map<string, number[]>();

function recordArrival(key: string | string[] | undefined, at: number): void {
  if (typeof key !== 'string') return;
  const cut = key.indexOf(':');
  const messageId = cut < 0 ? key : key.slice(0, cut);
  const list = arrivals.get(messageId);
  if (list) list.push(at);
  else arrivals.set(messageId, [at]);
}

const server = http.createServer((req, res) => {
  req.on('end', () => {
    counter.add();
    if (recording) recordArrival(req.headers['idempotency-key'], Date.now());
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '2' });
    res.end('{}');
  });
  req.resume();
});
server.on('connection', () => void (connections += 1));
// Longer than any client's idle timeout, so the proxy never closes a socket a client is about to reuse.
server.keepAliveTimeout = 65_000;

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  serveIpc(
    {
      /** Zeroes counts; `arg === true` starts recording arrival times. */
      reset: (arg) => {
        counter.reset();
        connections = 0;
        recording = arg === true;
        arrivals = new Map();
        return true;
      },
      count: () => ({ count: counter.count, firstAt: counter.firstAt, connections }),
      waitFor: (arg) => counter.waitFor(targetOf(arg)),
      /** Recorded arrival times, then stops recording and forgets them. */
      arrivals: () => {
        const out = Object.fromEntries(arrivals);
        recording = false;
        arrivals = new Map();
        return out;
      },
    },
    { url: `http://127.0.0.1:${port}/push` },
  );
});
