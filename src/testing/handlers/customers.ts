import type { Customer } from "../../../generated/types.ts";
import { FakeHttpError, notFound, taken } from "../http-error.ts";
import type { FakeState } from "../state.ts";
import { type Handlers, created, json, noContent } from "./types.ts";

export function requireCustomer(state: FakeState, id: string): Customer & { id: string } {
  const customer = state.customers.get(id);
  if (customer) return customer;
  const survivor = state.survivingCustomerId(id);
  if (survivor) {
    throw new FakeHttpError(301, [{ attr: "customerId", code: "moved", detail: "customer id has changed", meta: { old: id, new: survivor } }], {
      Location: `/api/v1/customer-profiles/${encodeURIComponent(survivor)}`,
    });
  }
  throw notFound("customer", id, "customerId");
}

/** Gladly keeps emails, phones and externalCustomerId unique across profiles. */
function checkUnique(state: FakeState, profile: Partial<Customer>, self?: string): void {
  for (const email of profile.emails ?? []) {
    if (state.findCustomer({ email: email.original }).some((c) => c.id !== self)) throw taken("emails", email.original);
  }
  for (const phone of profile.phones ?? []) {
    if (state.findCustomer({ phone: phone.original }).some((c) => c.id !== self)) throw taken("phones", phone.original);
  }
  if (profile.externalCustomerId && state.findCustomer({ externalCustomerId: profile.externalCustomerId }).some((c) => c.id !== self)) {
    throw taken("externalCustomerId", profile.externalCustomerId);
  }
}

export const customerHandlers: Handlers = {
  createCustomer({ state, body }) {
    const profile = body as Customer;
    if (profile.id && (state.customers.has(profile.id) || state.mergedInto.has(profile.id))) throw taken("id", profile.id);
    checkUnique(state, profile);
    const customer = state.createCustomer(profile);
    return created(`/api/v1/customer-profiles/${customer.id}`);
  },

  findCustomers({ state, query }) {
    const where = {
      email: query.email as string | undefined,
      phone: query.phoneNumber as string | undefined,
      externalCustomerId: query.externalCustomerId as string | undefined,
    };
    if (!where.email && !where.phone && !where.externalCustomerId) {
      throw new FakeHttpError(400, [{ code: "blank", detail: "one of email, phoneNumber or externalCustomerId is required" }]);
    }
    return json(state.findCustomer(where));
  },

  getCustomer({ state, params }) {
    return json(requireCustomer(state, params.customerId!));
  },

  updateCustomer({ state, params, body }) {
    const customer = requireCustomer(state, params.customerId!);
    checkUnique(state, body as Partial<Customer>, customer.id);
    Object.assign(customer, body, { id: customer.id, updatedAt: state.now() });
    state.emit("CUSTOMER_PROFILE/UPDATED", { customerId: customer.id });
    return noContent();
  },

  deleteCustomer({ state, params }) {
    const customer = requireCustomer(state, params.customerId!);
    const open = [...state.conversations.values()].some((c) => c.customerId === customer.id && c.status !== "CLOSED");
    if (open) throw new FakeHttpError(400, [{ attr: "customerId", code: "invalid_state", detail: "all conversations of the customer must be closed" }]);
    state.customers.delete(customer.id);
    state.emit("CUSTOMER_PROFILE/DELETED", { customerId: customer.id });
    return noContent();
  },
};
