/** A minimal loopback JSON server for overhead measurements, run in its own process so its CPU is not the client's. */
import { createServer } from "node:http";

const body = JSON.stringify({ id: "OOrlNMXeS72gs_WEX2TtMg", name: "Francis Avallone", emails: [{ original: "francis@example.com", primary: true }] });
const server = createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    res.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) }).end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as { port: number };
  process.send?.({ port });
});
process.on("disconnect", () => process.exit(0));
