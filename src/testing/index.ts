/**
 * `gladly-api/testing`: a fake Gladly you can start in your own tests, like stripe-mock for Stripe.
 *
 *   const fake = await startFakeGladly();
 *   const gladly = createGladlyClient(fake.clientOptions());
 *
 * @module gladly-api/testing
 */
export { startFakeGladly, type FakeGladly, type FakeGladlyOptions, type FakeRequestRecord, type FakeWarning } from "./fake.ts";
export { type Fault, type FaultHandle, type FaultMatch, networkFaults } from "./faults.ts";
export { FakeClock, FakeState, type FakeEvent } from "./state.ts";
export { responseProblems, schemaProblems } from "./validate.ts";
export type { DeliveryRecord } from "./webhook-delivery.ts";
