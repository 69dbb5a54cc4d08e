/**
 * Finds free TCP ports on 127.0.0.1 for test servers. A port is "free" when we
 * can listen on it right now; nothing reserves it afterwards, so a caller races
 * every other process on the machine and should bind soon after asking.
 */
import net from 'node:net';

/** Loopback only: the harness never exposes servers beyond this machine. */
const HOST = '127.0.0.1';

/** Redis Cluster listens on `port + 10000` for its node-to-node bus. */
export const CLUSTER_BUS_OFFSET = 10000;

/** Highest client port whose cluster bus port still fits in 16 bits. */
const MAX_CLUSTER_PORT = 65535 - CLUSTER_BUS_OFFSET - 1;

/** Thrown when no suitable port turns up within the attempt budget. */
export class NoFreePortError extends Error {
  readonly code = 'no_free_port';
  constructor(message: string) {
    super(message);
    this.name = 'NoFreePortError';
  }
}

/** Listens on `port` (0 = let the OS pick), closes, and returns the bound port. */
function probe(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    // Unref so a probe can never hold a test runner open.
    server.unref();
    server.once('error', reject);
    server.listen({ port, host: HOST, exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (bound > 0 ? resolve(bound) : reject(new Error('no port bound'))));
    });
  });
}

/** True if something could listen on `port` at 127.0.0.1 right now. */
export async function isPortFree(port: number): Promise<boolean> {
  try {
    await probe(port);
    return true;
  } catch {
    return false;
  }
}

/** One free port on 127.0.0.1, chosen by the OS. */
export function findFreePort(): Promise<number> {
  return probe(0);
}

/** `count` distinct free ports on 127.0.0.1. */
export async function findFreePorts(count: number): Promise<number[]> {
  return collectPorts(count, async () => true);
}

/**
 * `count` distinct free ports whose cluster bus ports (`port + 10000`) are
 * free too, stay below 65536, and collide with no other chosen port or bus port.
 */
export async function findFreeClusterPorts(count: number): Promise<number[]> {
  const taken = new Set<number>();
  return collectPorts(count, async (port) => {
    const bus = port + CLUSTER_BUS_OFFSET;
    if (port > MAX_CLUSTER_PORT || taken.has(port) || taken.has(bus)) return false;
    if (!(await isPortFree(bus))) return false;
    taken.add(port).add(bus);
    return true;
  });
}

/** Asks the OS for ports until `count` distinct ones pass `accept`. */
async function collectPorts(
  count: number,
  accept: (port: number) => Promise<boolean>,
): Promise<number[]> {
  const chosen = new Set<number>();
  // The OS hands out ephemeral ports (32768-60999 on Linux), so a few
  // rejections are normal; the budget only guards against an exhausted range.
  const maxAttempts = count * 50 + 50;
  for (let attempt = 0; attempt < maxAttempts && chosen.size < count; attempt++) {
    const port = await findFreePort();
    if (!chosen.has(port) && (await accept(port))) chosen.add(port);
  }
  if (chosen.size < count) {
    throw new NoFreePortError(`found only ${chosen.size} of ${count} free ports on ${HOST}`);
  }
  return [...chosen];
}
