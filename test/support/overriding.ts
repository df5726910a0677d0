/**
 * A stand-in for one part of a real object (a link, a transport) in a test: `target` with the
 * members in `own` put in their place, everything else its own, methods bound to it (so its private
 * fields still work). `own` may add members the target lacks (a simulated link dressed as WebRTC).
 */
export function overriding<T extends object>(target: T, own: Record<PropertyKey, unknown>): T {
  return new Proxy(target, {
    get(inner, key) {
      if (Object.hasOwn(own, key)) return own[key];
      const value = Reflect.get(inner, key) as unknown;
      return typeof value === 'function' ? value.bind(inner) : value;
    },
  });
}
