import { type JsonObject, isObject } from "../lib/spec.ts";
import type { Repair } from "./types.ts";

/**
 * Chat messages got `messageType` with quick replies; getConversationItems' example shows plain
 * chat messages without it, yet the TEXT branch of ChatMessage requires it, so no plain chat
 * message of the example validates. The quick-reply branches keep requiring it: it is what tells
 * them apart.
 */
export const plainChatMessageType: Repair = {
  name: "plain-chat-message-type",
  reason: "plain (TEXT) chat messages are shown without `messageType`, which their schema requires; only the quick-reply branches need it to be told apart",
  apply(spec) {
    const fixed: string[] = [];
    const chat = spec.components.schemas?.ChatMessage;
    const branches = isObject(chat) && Array.isArray(chat.oneOf) ? chat.oneOf : [];
    for (const branch of branches) {
      if (!isObject(branch) || !isObject(branch.properties) || !Array.isArray(branch.required)) continue;
      const messageType = branch.properties.messageType;
      const text = isObject(messageType) && Array.isArray(messageType.enum) && messageType.enum.length === 1 && messageType.enum[0] === "TEXT";
      if (!text || !branch.required.includes("messageType")) continue;
      branch.required = branch.required.filter((name) => name !== "messageType");
      fixed.push(`components/schemas/ChatMessage ${String((branch as JsonObject).title)}: messageType no longer required`);
    }
    return { count: fixed.length, details: fixed };
  },
};
