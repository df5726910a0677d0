/**
 * A set of at most `capacity` values, the least recently added forgotten first: for what peers or a
 * signaling room can make us remember (each user names its capacity as a constant, with its reason).
 */
export class BoundedSet<T> {
  readonly #values = new Set<T>();

  constructor(private readonly capacity: number) {}

  has(value: T): boolean {
    return this.#values.has(value);
  }

  /** Adds `value` as the most recent (again, if it was there), forgetting the oldest past capacity. */
  add(value: T): void {
    this.#values.delete(value);
    this.#values.add(value);
    if (this.#values.size > this.capacity) this.#values.delete(this.#values.values().next().value!);
  }

  delete(value: T): void {
    this.#values.delete(value);
  }
}
