/**
 * The `gladly bulk` one-liners of the README's bulk section, taken from README.md as written and
 * run in-process against the fake Gladly: each must do what its recipe says. A command added to
 * the README without a case here fails the first test.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../src/cli/program.ts";
import { type FakeGladly, startFakeGladly } from "../src/testing/index.ts";

/** The shell lines of the section's `sh` blocks as argument lists: continuations joined, comments cut, single quotes honoured. */
function readmeCommands(readme: string): string[][] {
  const start = readme.indexOf("## Bulk jobs: `gladly-api/bulk`");
  const section = readme.slice(start, readme.indexOf("\n## ", start + 1));
  const commands: string[][] = [];
  for (const [, block] of section.matchAll(/```sh\n([\s\S]*?)```/g)) {
    for (const line of block!.replace(/\\\n\s*/g, " ").split("\n")) {
      const words: string[] = [];
      let word: string | undefined;
      for (let i = 0; i < line.length; i++) {
        const ch = line[i]!;
        if (ch === "'") {
          const end = line.indexOf("'", i + 1);
          word = (word ?? "") + line.slice(i + 1, end);
          i = end;
        } else if (ch === "#" && word === undefined) break;
        else if (/\s/.test(ch)) {
          if (word !== undefined) words.push(word);
          word = undefined;
        } else word = (word ?? "") + ch;
      }
      if (word !== undefined) words.push(word);
      if (words.length) commands.push(words);
    }
  }
  return commands;
}

let fake: FakeGladly;
let dir: string;
let commands: string[][];

beforeAll(async () => {
  fake = await startFakeGladly({ rateLimit: false });
  dir = await mkdtemp(join(tmpdir(), "gladly-bulk-readme-"));
  commands = readmeCommands(await readFile("README.md", "utf8"));
});
afterAll(async () => {
  await fake.close();
  await rm(dir, { recursive: true, force: true });
});

/** The README's command for this operation and input file, run with its relative files in the test's directory. */
async function runReadme(operation: string, input: string, csv: string[]): Promise<{ code: number; stderr: string; summary: Record<string, unknown> }> {
  const argv = commands.find((c) => `${c[2]} ${c[3]}` === operation && c.includes(input));
  if (!argv) throw new Error(`the README has no gladly bulk ${operation} --input ${input}`);
  await writeFile(join(dir, input), `${csv.join("\n")}\n`);
  const args = argv.slice(2).map((arg) => (/\.(csv|journal)$/.test(arg) ? join(dir, arg) : arg));
  let stdout = "";
  let stderr = "";
  const code = await runCli({
    argv: args,
    env: { GLADLY_BASE_URL: fake.url, GLADLY_AGENT_EMAIL: fake.agentEmail, GLADLY_API_TOKEN: fake.apiToken },
    stdout: { write: (chunk) => (stdout += String(chunk)) },
    stderr: { write: (chunk) => (stderr += chunk) },
    readStdin: async () => "",
    untilInterrupted: () => new Promise<void>(() => {}),
  });
  return { code, stderr, summary: JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as Record<string, unknown> };
}

const CASES = [
  "customers createCustomer customers.csv",
  "customers deleteCustomer delete.csv",
  "tasks createTask tasks.csv",
  "conversations patchConversation close.csv",
  "conversations patchConversation reassign.csv",
  "conversations addTopicToConversation topics.csv",
  "conversations redactContent redact.csv",
];

describe("the README's gladly bulk commands", () => {
  it("are all run below, and are all gladly bulk", () => {
    expect(commands.every((c) => c[0] === "npx" && c[1] === "gladly" && c[2] === "bulk")).toBe(true);
    const described = commands.map((c) => `${c[3]} ${c[4]} ${c[c.indexOf("--input") + 1]}`);
    expect(described.sort()).toEqual([...CASES].sort());
  });

  it("create customers from the conventional columns, with a failures file", async () => {
    const { code, summary, stderr } = await runReadme("bulk customers", "customers.csv", [
      "name,address,email:1,email:2,phone:1,customAttribute:tier",
      "Readme Ada,1 Main St,readme-ada@example.com,ada2@example.com,+14155550177,gold",
      "Readme Bob,,not-an-email,,,",
    ]);
    expect(code, stderr).toBe(1);
    expect(summary, stderr).toMatchObject({ total: 2, done: 1, failed: 1 });
    const [ada] = [...fake.state.customers.values()].filter((c) => c.name === "Readme Ada");
    expect(ada).toMatchObject({
      address: "1 Main St",
      emails: [{ original: "readme-ada@example.com" }, { original: "ada2@example.com" }],
      phones: [{ original: "+14155550177" }],
      customAttributes: { tier: "gold" },
    });
    expect(await readFile(join(dir, "failed.csv"), "utf8")).toMatch(/Readme Bob.*email/);
  });

  it("delete customers by id, a customer already gone counting as done", async () => {
    const gone = fake.state.createCustomer({ name: "Readme Gone" }).id;
    const { code, summary } = await runReadme("bulk customers", "delete.csv", ["customerId", gone, "never-existed"]);
    expect(code).toBe(0);
    expect(summary).toMatchObject({ total: 2, done: 2 });
    expect(fake.state.customers.has(gone)).toBe(false);
  });

  it("create tasks from the template", async () => {
    const customer = fake.state.createCustomer({ name: "Readme Tasks" }).id;
    const [inbox] = [...fake.state.inboxes.keys()];
    const { code, summary } = await runReadme("bulk tasks", "tasks.csv", [
      "customerId,inboxId,agentId,body,dueAt",
      `${customer},${inbox},,Call back about the refund,2030-01-01T09:00:00.000Z`,
    ]);
    expect(code).toBe(0);
    expect(summary).toMatchObject({ done: 1 });
    const tasks = [...fake.state.tasks.values()].filter((t) => t.customerId === customer);
    expect(tasks).toEqual([expect.objectContaining({ body: "Call back about the refund", dueAt: "2030-01-01T09:00:00.000Z" })]);
  });

  it("close conversations, and reassign others", async () => {
    const [toClose, toMove] = ["Readme Close", "Readme Move"].map((name) => fake.state.openConversation(fake.state.createCustomer({ name }).id).id!);
    const [, billing] = [...fake.state.inboxes.keys()];
    const [, amy] = [...fake.state.agents.keys()];
    expect((await runReadme("bulk conversations", "close.csv", ["conversationId", toClose!])).code).toBe(0);
    expect(fake.state.conversations.get(toClose!)!.status).toBe("CLOSED");
    expect((await runReadme("bulk conversations", "reassign.csv", ["conversationId,inboxId,agentId", `${toMove},${billing},${amy}`])).code).toBe(0);
    expect(fake.state.conversations.get(toMove!)).toMatchObject({ inboxId: billing, agentId: amy });
  });

  it("add topics by id", async () => {
    const conversation = fake.state.openConversation(fake.state.createCustomer({ name: "Readme Topics" }).id);
    const [topic] = [...fake.state.topics.keys()];
    expect((await runReadme("bulk conversations", "topics.csv", ["conversationId,topicId", `${conversation.id},${topic}`])).code).toBe(0);
    expect(conversation.topicIds).toContain(topic);
  });

  it("redact items", async () => {
    const customer = fake.state.createCustomer({ name: "Readme Redact" });
    const { id: conversationId } = fake.state.openConversation(customer.id);
    const itemId = fake.state.newId();
    fake.state.items.set(itemId, {
      id: itemId,
      customerId: customer.id,
      conversationId: conversationId!,
      timestamp: fake.state.now(),
      initiator: { id: customer.id, type: "CUSTOMER" },
      content: { type: "SMS", from: "+14155550100", to: "+14155550199", content: "my card is 4111 1111 1111 1111" },
    });
    expect((await runReadme("bulk conversations", "redact.csv", ["itemId", itemId])).code).toBe(0);
    expect(fake.state.items.get(itemId)!.content).toMatchObject({ content: "[redacted]" });
  });
});
