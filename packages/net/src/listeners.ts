/**
 * A set of listeners. A listener that throws does not stop the others or the code that
 * emitted: its error is rethrown on its own task, where the runtime reports it.
 */
export class Listeners<A extends unknown[]> {
  readonly #set = new Set<(...args: A) => void>();

  /** Adds a listener; returns a function that removes it. */
  add(listener: (...args: A) => void): () => void {
    this.#set.add(listener);
    return () => this.#set.delete(listener);
  }

  emit(...args: A): void {
    for (const listener of this.#set) {
      try {
        listener(...args);
      } catch (error) {
        setTimeout(() => {
          throw error;
        }, 0);
      }
    }
  }

  clear(): void {
    this.#set.clear();
  }
}
