/** Serves export files of any size as NDJSON, generated on the fly so the server holds none of it. */
import { createServer } from "node:http";

const line = `${JSON.stringify({ id: "WmeA3Y51Q5ayCAaZ1AotIA", name: "Amy Agent", emailAddress: "amy.agent@company.com", teams: ["Tier 1", "Billing"], active: true, createdAt: "2019-07-03T04:30:12.07Z" })}\n`;
const block = Buffer.from(line.repeat(512));

const server = createServer((req, res) => {
  // GET /api/v1/export/jobs/<bytes>/files/agents.jsonl
  const bytes = Number(/\/export\/jobs\/(\d+)\/files\//.exec(req.url ?? "")?.[1] ?? 0);
  res.writeHead(200, { "Content-Type": "application/x-ndjson" });
  let sent = 0;
  const write = () => {
    while (sent < bytes) {
      sent += block.length;
      if (!res.write(block)) return void res.once("drain", write);
    }
    res.end();
  };
  write();
});
server.listen(0, "127.0.0.1", () => process.send?.({ port: (server.address() as { port: number }).port, lineBytes: Buffer.byteLength(line) }));
process.on("disconnect", () => process.exit(0));
