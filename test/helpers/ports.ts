import { createServer } from "node:net";

/** A loopback port nothing listens on right now (taken and let go): for a server to start on, or to find nothing at. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
