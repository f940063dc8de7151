import type { Task } from "../../../generated/types.ts";
import { notFound, taken } from "../http-error.ts";
import type { FakeState } from "../state.ts";
import { customerFor } from "./conversations.ts";
import { requireCustomer } from "./customers.ts";
import { type Handlers, created, json, noContent } from "./types.ts";

function requireTask(state: FakeState, id: string) {
  const task = state.tasks.get(id);
  if (!task) throw notFound("task", id, "taskId");
  return task;
}

function checkAssignee(state: FakeState, assignee: { inboxId: string; agentId?: string }): void {
  if (!state.inboxes.has(assignee.inboxId)) throw notFound("inbox", assignee.inboxId, "assignee.inboxId");
  if (assignee.agentId && !state.agents.has(assignee.agentId)) throw notFound("agent", assignee.agentId, "assignee.agentId");
}

function addTask(state: FakeState, customerId: string, body: { id?: string; assignee: { inboxId: string; agentId?: string }; body: string; dueAt: string }) {
  if (body.id !== undefined && state.tasks.has(body.id)) throw taken("id", body.id);
  checkAssignee(state, body.assignee);
  const task: Task & { id: string; customerId: string } = {
    id: body.id ?? state.newId(),
    customerId,
    timestamp: state.now(),
    createdBy: { id: state.apiUserId, type: "API" },
    assignee: body.assignee,
    body: body.body,
    dueAt: body.dueAt,
    status: "OPEN",
  };
  state.tasks.set(task.id, task);
  state.emit("TASK/CREATED", { customerId, taskId: task.id, context: {} });
  return created(`/api/v1/tasks/${task.id}`);
}

export const taskHandlers: Handlers = {
  createTaskAndCustomer({ state, body }) {
    return addTask(state, customerFor(state, body.customer), body);
  },

  createTask({ state, params, body }) {
    return addTask(state, requireCustomer(state, params.customerId!).id, body);
  },

  getTasks({ state, params, query }) {
    const customer = requireCustomer(state, params.customerId!);
    const tasks = [...state.tasks.values()].filter((t) => t.customerId === customer.id && (query.status === undefined || t.status === query.status));
    return json(tasks.slice(0, 2000));
  },

  getTask({ state, params }) {
    return json(requireTask(state, params.taskId!));
  },

  updateTask({ state, params, body }) {
    const task = requireTask(state, params.taskId!);
    const context = { customerId: task.customerId, taskId: task.id, context: {} };
    if (body.assignee) {
      checkAssignee(state, body.assignee);
      task.assignee = body.assignee;
      state.emit("TASK/ASSIGNEE_UPDATED", { ...context, assignee: body.assignee });
    }
    if (body.body !== undefined && body.body !== task.body) {
      task.body = body.body;
      state.emit("TASK/CONTENT_UPDATED", context);
    }
    if (body.dueAt !== undefined && body.dueAt !== task.dueAt) {
      task.dueAt = body.dueAt;
      state.emit("TASK/DUE_DATE_UPDATED", { ...context, dueAt: body.dueAt });
    }
    if (body.status !== undefined && body.status !== task.status) {
      task.status = body.status;
      state.emit(body.status === "CLOSED" ? "TASK/CLOSED" : "TASK/REOPENED", context);
    }
    return noContent();
  },

  createTaskComment({ state, params, body }) {
    const task = requireTask(state, params.taskId!);
    if (!state.agents.has(body.agentId)) throw notFound("agent", body.agentId, "agentId");
    if (body.id !== undefined && state.taskComments.has(body.id)) throw taken("id", body.id);
    const comment = { id: body.id ?? state.newId(), taskId: task.id, agentId: body.agentId, comment: body.comment ?? "", createdAt: state.now() };
    state.taskComments.set(comment.id, comment);
    state.emit("TASK/COMMENT_ADDED", { customerId: task.customerId, taskId: task.id, commentId: comment.id, context: {} });
    return created(`/api/v1/tasks/${task.id}/comments/${comment.id}`);
  },

  getTaskComments({ state, params }) {
    const task = requireTask(state, params.taskId!);
    return json([...state.taskComments.values()].filter((c) => c.taskId === task.id));
  },

  getTaskComment({ state, params }) {
    const task = requireTask(state, params.taskId!);
    const comment = state.taskComments.get(params.commentId!);
    if (!comment || comment.taskId !== task.id) throw notFound("task comment", params.commentId!, "commentId");
    return json(comment);
  },
};
