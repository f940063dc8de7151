/** One entry of a Gladly error body, as the fake answers it. */
export interface ErrorDetail {
  attr?: string;
  code: string;
  detail: string;
  meta?: Record<string, string>;
}

/** Thrown by handlers; the server turns it into Gladly's `{"errors":[…]}` body. */
export class FakeHttpError extends Error {
  constructor(
    readonly status: number,
    readonly errors: ErrorDetail[],
    readonly headers: Record<string, string> = {},
  ) {
    super(errors.map((e) => e.detail).join("; "));
  }
}

export const notFound = (what: string, id: string, attr?: string) =>
  new FakeHttpError(404, [{ ...(attr && { attr }), code: "not_exist", detail: `${what} ${id} does not exist` }]);

export const taken = (attr: string, value: string) => new FakeHttpError(409, [{ attr, code: "taken", detail: `${attr} ${value} is already taken` }]);

export const invalid = (attr: string, detail: string, code = "invalid") => new FakeHttpError(400, [{ attr, code, detail }]);
