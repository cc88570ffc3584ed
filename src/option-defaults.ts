/**
 * `options` over `defaults`, as every part's constructor resolves its options: an option left
 * `undefined` takes its default instead of overriding it (a caller may pass `{ ttlMs: undefined }`
 * for "the default").
 */
export function withDefaults<D extends object, O extends object>(defaults: D, options: O): D & Partial<O> {
  const given = Object.entries(options).filter(([, value]) => value !== undefined);
  return { ...defaults, ...(Object.fromEntries(given) as Partial<O>) };
}
