import type { OperationId } from "../../../generated/operations.ts";
import { answerHandlers } from "./answers.ts";
import { conversationHandlers } from "./conversations.ts";
import { customerHandlers } from "./customers.ts";
import { dataHandlers } from "./data.ts";
import { organizationHandlers } from "./organization.ts";
import { taskHandlers } from "./tasks.ts";
import type { Handler, Handlers } from "./types.ts";

const all: Handlers = { ...customerHandlers, ...conversationHandlers, ...taskHandlers, ...answerHandlers, ...organizationHandlers, ...dataHandlers };

export function handlerFor(operationId: string): Handler | undefined {
  return all[operationId as OperationId] as Handler | undefined;
}

export type { Handler, HandlerContext, Reply } from "./types.ts";
