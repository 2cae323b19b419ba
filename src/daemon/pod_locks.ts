/**
 * One pod's CNI work at a time: its ADD, DEL, CHECK, `/delegate` calls and hot-plugs run
 * one after another (keyed by `namespace/name`), so a hot-plug never races the ADD that
 * set the sandbox up or the DEL that tears it down. A DEL wins over a hot-plug in
 * progress: it aborts the hot-plug (which rolls back its partial work) and runs next.
 *
 * @module
 */

/** Per-pod serialisation with abortable hot-plugs. */
export class PodLocks {
  readonly #tails = new Map<string, Promise<unknown>>();
  readonly #hotplugs = new Map<string, Set<AbortController>>();

  /** Runs `fn` once every earlier task of `key` has finished. */
  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const before = this.#tails.get(key) ?? Promise.resolve();
    const mine = before.then(fn, fn);
    const tail = mine.catch(() => {});
    this.#tails.set(key, tail);
    tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return mine;
  }

  /** Runs a hot-plug under the lock with a signal that {@linkcode PodLocks.abortHotplugs} fires. */
  runHotplug<T>(key: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const ctl = new AbortController();
    let set = this.#hotplugs.get(key);
    if (!set) this.#hotplugs.set(key, set = new Set());
    set.add(ctl);
    return this.run(key, () => fn(ctl.signal)).finally(() => {
      set.delete(ctl);
      if (set.size === 0 && this.#hotplugs.get(key) === set) this.#hotplugs.delete(key);
    });
  }

  /** Aborts every hot-plug of `key`, running or waiting (the pod is being deleted). */
  abortHotplugs(key: string): void {
    for (const ctl of this.#hotplugs.get(key) ?? []) ctl.abort();
  }

  /** Keys with work running or waiting. */
  get busy(): number {
    return this.#tails.size;
  }
}
