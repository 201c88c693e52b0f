import { AzureHttpError } from "../azure/http.js";

/** What an ARM read gave: the value, or why the identity may not read it. */
export type Readable<T> = { readable: true; value: T } | { readable: false; status: number; detail: string };

/** ARM's or Graph's 401/403: the identity may not read it. */
export function isForbidden(error: unknown): error is AzureHttpError {
  return error instanceof AzureHttpError && (error.status === 403 || error.status === 401);
}

/** A 403/401 means the identity may not read it; anything else is a fault the caller should see. */
export function unreadable(error: unknown): { readable: false; status: number; detail: string } {
  if (isForbidden(error)) {
    return { readable: false, status: error.status, detail: error.message };
  }
  throw error;
}
