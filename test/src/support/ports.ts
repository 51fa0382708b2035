import { createServer, type AddressInfo, type Server } from 'node:net';

/**
 * Distinct free TCP ports on loopback, held open together so none repeats. Taken
 * below Linux's ephemeral range (32768+), where the OS hands out ports for
 * outgoing connections and `listen(0)`: the Temporal dev server picks its
 * internal ports that way, and could otherwise grab one of ours before we bind it.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    while (servers.length < count) {
      const port = 20_000 + Math.floor(Math.random() * 12_000);
      const server = createServer();
      const bound = await new Promise<boolean>((resolve) => {
        server.once('error', () => resolve(false));
        server.listen({ port, host: '127.0.0.1', exclusive: true }, () => resolve(true));
      });
      if (bound) servers.push(server);
    }
    return servers.map((s) => (s.address() as AddressInfo).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}
