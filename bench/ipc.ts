/**
 * A tiny request/reply protocol over Node's IPC channel between the bench and
 * its helper processes (proxy, no-op and naive consumers). Helpers announce
 * themselves with a `ready` event, then answer named commands. A helper whose
 * parent disappears exits at once, so it can never be left behind.
 */
import type { ChildProcess } from 'node:child_process';

/** A command handler in a helper; its result must survive JSON. */
export type IpcHandler = (arg: unknown) => unknown;

interface Request {
  id: number;
  cmd: string;
  arg?: unknown;
}

interface Reply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

interface ReadyEvent {
  event: 'ready';
  info: unknown;
}

function isReply(value: unknown): value is Reply {
  return typeof value === 'object' && value !== null && typeof (value as Reply).id === 'number';
}

function isReady(value: unknown): value is ReadyEvent {
  return typeof value === 'object' && value !== null && (value as ReadyEvent).event === 'ready';
}

/** The bench's side of one helper's channel. */
export class IpcClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  /** Resolves with the helper's `ready` info. */
  readonly ready: Promise<unknown>;

  constructor(
    private readonly child: ChildProcess,
    private readonly name: string,
  ) {
    this.ready = new Promise((resolve, reject) => {
      child.on('message', (message: unknown) => {
        if (isReady(message)) resolve(message.info);
        else if (isReply(message)) this.settle(message);
      });
      child.once('exit', (code, signal) => {
        const err = new Error(`${name} exited (${code ?? signal}); see its log`);
        reject(err);
        this.pending.forEach((p) => p.reject(err));
        this.pending.clear();
      });
    });
    this.ready.catch(() => undefined);
  }

  private settle(reply: Reply): void {
    const waiter = this.pending.get(reply.id);
    this.pending.delete(reply.id);
    if (reply.ok) waiter?.resolve(reply.result);
    else waiter?.reject(new Error(`${this.name}: ${reply.error ?? 'failed'}`));
  }

  /** Sends `cmd` and resolves with the helper's answer (which may come much later, e.g. "count reached"). */
  call(cmd: string, arg?: unknown): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const request: Request = { id, cmd, arg };
      this.child.send(request, (err) => {
        if (err) {
          this.pending.delete(id);
          reject(err);
        }
      });
    });
  }
}

/** The helper's side: announces `info` as ready and serves `handlers` until the parent goes away. */
export function serveIpc(handlers: Record<string, IpcHandler>, info: unknown): void {
  const send = process.send?.bind(process);
  if (!send) throw new Error('this helper must be started by the bench (no IPC channel)');
  process.on('message', (message: Request) => {
    const handler = handlers[message.cmd];
    if (!handler) return void send({ id: message.id, ok: false, error: `unknown command ${message.cmd}` });
    Promise.resolve()
      .then(() => handler(message.arg))
      .then(
        (result) => send({ id: message.id, ok: true, result }),
        (err: unknown) => send({ id: message.id, ok: false, error: err instanceof Error ? err.message : String(err) }),
      );
  });
  // The bench is gone (crashed or killed): never outlive it.
  process.on('disconnect', () => process.exit(0));
  send({ event: 'ready', info });
}
