/**
 * A lookup table keyed by names that come from config.json or the command line. Without a
 * prototype, so that "constructor", "toString" or "__proto__" are unknown names like any other
 * (a plain object literal answers them with Object's own functions).
 */
export function table<T>(entries: Record<string, T>): Readonly<Record<string, T>> {
  return Object.freeze(Object.assign(Object.create(null) as Record<string, T>, entries));
}
