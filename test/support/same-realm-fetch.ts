/**
 * Node's fetch as the SDK sees it in production. Under jest the global fetch belongs to another
 * realm than the test's code, so the SDK's `error instanceof Error` is false and it wraps
 * `new Error(String(error))`, dropping the network cause; one realm, as in production, keeps it.
 */
export const sameRealmFetch = (async (...args: Parameters<typeof fetch>) => {
  try {
    return await fetch(...args);
  } catch (error) {
    // The same error, cause and all, made an error of this realm.
    throw Object.setPrototypeOf(error as object, TypeError.prototype) as TypeError;
  }
}) as typeof fetch;
