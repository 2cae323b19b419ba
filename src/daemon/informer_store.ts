/**
 * The cache under an informer (client-go's indexer and handler fan-out): objects keyed
 * `namespace/name`, changes applied one by one from watch events or all at once from a
 * LIST (diffed into the adds, updates and deletes it implies), and the handlers told.
 *
 * @module
 */
import type { KubeObject } from "../kube/mod.ts";

/** The cache key client-go uses: `namespace/name`, or `name` for cluster-scoped objects. */
export function objectKey(obj: KubeObject): string {
  const { namespace, name } = obj.metadata;
  return namespace ? `${namespace}/${name ?? ""}` : name ?? "";
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Objects of one kind with add/update/delete handlers. A handler that throws is logged
 * through `onHandlerError` and does not stop the others.
 *
 * @example Usage
 * ```ts
 * const store = new InformerStore<{ metadata: { name: string; namespace: string } }>();
 * store.onAdd((o) => console.log("added", o.metadata.name));
 * store.replace([{ metadata: { name: "a", namespace: "ns" } }]);
 * ```
 */
export class InformerStore<T extends KubeObject> {
  #objects = new Map<string, T>();
  readonly #adds = new Set<(obj: T) => void>();
  readonly #updates = new Set<(old: T, cur: T) => void>();
  readonly #deletes = new Set<(obj: T) => void>();
  readonly #onHandlerError: (message: string) => void;

  /** An empty store; `onHandlerError` receives `an event handler failed: <reason>`. */
  constructor(onHandlerError: (message: string) => void = () => {}) {
    this.#onHandlerError = onHandlerError;
  }

  /** How many objects are cached. */
  get size(): number {
    return this.#objects.size;
  }

  /** The cached object (`namespace` "" for cluster-scoped ones). Treat it as read-only. */
  get(namespace: string, name: string): T | undefined {
    return this.#objects.get(namespace ? `${namespace}/${name}` : name);
  }

  /** Every cached object. Treat them as read-only. */
  list(): T[] {
    return [...this.#objects.values()];
  }

  /** Calls `fn` for every object that appears; `replay` also calls it now for each cached one. */
  onAdd(fn: (obj: T) => void, replay = false): () => void {
    this.#adds.add(fn);
    if (replay) { for (const obj of [...this.#objects.values()]) this.#call(() => fn(obj)); }
    return () => this.#adds.delete(fn);
  }

  /** Calls `fn` for every change, and for every object at each resync (`old === cur`). */
  onUpdate(fn: (old: T, cur: T) => void): () => void {
    this.#updates.add(fn);
    return () => this.#updates.delete(fn);
  }

  /** Calls `fn` with the last known state of every object that disappears. */
  onDelete(fn: (obj: T) => void): () => void {
    this.#deletes.add(fn);
    return () => this.#deletes.delete(fn);
  }

  /** Stores `obj` (ADDED or MODIFIED) and tells the handlers. */
  upsert(obj: T): void {
    const key = objectKey(obj);
    const prev = this.#objects.get(key);
    this.#objects.set(key, obj);
    if (prev) this.#emitUpdate(prev, obj);
    else this.#emitAdd(obj);
  }

  /** Forgets the object `obj` names (DELETED) and tells the handlers its last known state. */
  remove(obj: KubeObject): void {
    const key = objectKey(obj);
    const prev = this.#objects.get(key);
    if (!prev) return;
    this.#objects.delete(key);
    this.#emitDelete(prev);
  }

  /**
   * Swaps in a LIST result and emits what it implies: adds for new keys, updates for a
   * changed resourceVersion, deletes for keys no longer listed.
   */
  replace(items: readonly T[]): void {
    const old = this.#objects;
    const next = new Map<string, T>();
    for (const obj of items) next.set(objectKey(obj), obj);
    this.#objects = next;
    for (const [key, obj] of next) {
      const prev = old.get(key);
      if (!prev) this.#emitAdd(obj);
      else if (prev.metadata.resourceVersion !== obj.metadata.resourceVersion) {
        this.#emitUpdate(prev, obj);
      }
    }
    for (const [key, obj] of old) if (!next.has(key)) this.#emitDelete(obj);
  }

  /** Re-delivers every object to the `onUpdate` handlers. */
  resync(): void {
    if (this.#updates.size === 0) return;
    for (const obj of [...this.#objects.values()]) this.#emitUpdate(obj, obj);
  }

  #emitAdd(obj: T): void {
    for (const fn of this.#adds) this.#call(() => fn(obj));
  }

  #emitUpdate(old: T, cur: T): void {
    for (const fn of this.#updates) this.#call(() => fn(old, cur));
  }

  #emitDelete(obj: T): void {
    for (const fn of this.#deletes) this.#call(() => fn(obj));
  }

  #call(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#onHandlerError(`an event handler failed: ${messageOf(err)}`);
    }
  }
}
