/**
 * The double's storage: objects per resource, one global resourceVersion counter (like
 * etcd's revision), a bounded per-resource event history for watch replay, and synchronous
 * fan-out of every change to subscribers.
 *
 * @module
 */

import { canonicalOrder, jsonEqual, type KubeObject } from "./objects.ts";
import type { ResourceType } from "./resources.ts";
import { alreadyExists, conflict, expired, notFound, qualifiedResource } from "./status.ts";

/** A stored change. `previous` is the state before a MODIFIED or DELETED. */
export interface StoreEvent {
  /** What happened. */
  readonly type: "ADDED" | "MODIFIED" | "DELETED";
  /** The object after the change (for DELETED: the last state, with the delete's rv). */
  readonly object: KubeObject;
  /** The object before a MODIFIED or DELETED. */
  readonly previous?: KubeObject;
  /** The resourceVersion of the change. */
  readonly resourceVersion: number;
}

/** Receives every change of one resource type. */
export type StoreListener = (event: StoreEvent) => void;

/** Options of {@linkcode ObjectStore.update}. */
export interface UpdateOptions {
  /**
   * Optimistic concurrency: the resourceVersion the client read; a different current one
   * is a 409 Conflict ("the object has been modified"). Empty or undefined: unconditional.
   */
  readonly resourceVersion?: string | undefined;
}

/** DeleteOptions preconditions, checked against the stored object (409 on mismatch). */
export interface Preconditions {
  /** Required current `metadata.resourceVersion`; empty or undefined means none. */
  readonly resourceVersion?: string | undefined;
  /** Required current `metadata.uid`. */
  readonly uid?: string | undefined;
}

interface Bucket {
  readonly objects: Map<string, KubeObject>;
  history: StoreEvent[];
  /** Events at or below this rv were dropped from history (0 = none dropped). */
  floor: number;
  readonly listeners: Set<StoreListener>;
}

/** In-memory objects, history and watch fan-out. */
export class ObjectStore {
  #revision = 1;
  readonly #historySize: number;
  readonly #buckets = new Map<string, Bucket>();

  /** `historySize` bounds the events kept per resource for watch replay. */
  constructor(options: { historySize: number }) {
    this.#historySize = Math.max(1, options.historySize);
  }

  /** The current global resourceVersion. */
  get resourceVersion(): number {
    return this.#revision;
  }

  /** A copy of the stored object, or undefined. */
  get(type: ResourceType, key: { namespace: string; name: string }): KubeObject | undefined {
    const obj = this.#bucket(type).objects.get(`${key.namespace}/${key.name}`);
    return obj ? structuredClone(obj) : undefined;
  }

  /** Copies of every object (optionally of one namespace), sorted by namespace then name. */
  list(type: ResourceType, namespace?: string): KubeObject[] {
    const out: KubeObject[] = [];
    for (const [key, obj] of this.#bucket(type).objects) {
      if (namespace === undefined || key.startsWith(`${namespace}/`)) {
        out.push(structuredClone(obj));
      }
    }
    return out.sort((a, b) => compareKeys(a, b));
  }

  /** Stores a new object (its metadata already prepared); 409 AlreadyExists if taken. */
  create(type: ResourceType, obj: KubeObject): KubeObject {
    const bucket = this.#bucket(type);
    const key = keyOf(obj);
    if (bucket.objects.has(key)) throw alreadyExists(type, obj.metadata.name ?? "");
    const stored = this.#stamp(obj);
    bucket.objects.set(key, stored);
    this.#emit(type, { type: "ADDED", object: stored, resourceVersion: this.#revision });
    return structuredClone(stored);
  }

  /**
   * Replaces an existing object; 404 if missing, 409 if a precondition fails. A write that
   * changes nothing keeps the resourceVersion and emits no event (as etcd-backed storage).
   */
  update(type: ResourceType, obj: KubeObject, options: UpdateOptions = {}): KubeObject {
    const bucket = this.#bucket(type);
    const key = keyOf(obj);
    const current = bucket.objects.get(key);
    const name = obj.metadata.name ?? "";
    if (!current) throw notFound(type, name);
    const expected = options.resourceVersion;
    if (expected && expected !== current.metadata.resourceVersion) throw conflict(type, name);
    const { resourceVersion: _old, ...currentMeta } = current.metadata;
    const { resourceVersion: _new, ...nextMeta } = obj.metadata;
    if (jsonEqual({ ...current, metadata: currentMeta }, { ...obj, metadata: nextMeta })) {
      return structuredClone(current);
    }
    const stored = this.#stamp(obj);
    bucket.objects.set(key, stored);
    this.#emit(type, {
      type: "MODIFIED",
      object: stored,
      previous: current,
      resourceVersion: this.#revision,
    });
    return structuredClone(stored);
  }

  /** Removes an object and returns its last state (with the delete's resourceVersion). */
  delete(
    type: ResourceType,
    key: { namespace: string; name: string; preconditions?: Preconditions },
  ): KubeObject {
    const bucket = this.#bucket(type);
    const current = bucket.objects.get(`${key.namespace}/${key.name}`);
    if (!current) throw notFound(type, key.name);
    checkPreconditions(type, current, key.preconditions ?? {});
    bucket.objects.delete(`${key.namespace}/${key.name}`);
    const last = this.#stamp(current);
    this.#emit(type, {
      type: "DELETED",
      object: last,
      previous: current,
      resourceVersion: this.#revision,
    });
    return structuredClone(last);
  }

  /**
   * Events after `resourceVersion`, oldest first; throws 410 Expired when some of them
   * were already dropped from the bounded history.
   */
  eventsSince(type: ResourceType, resourceVersion: number): StoreEvent[] {
    const bucket = this.#bucket(type);
    if (resourceVersion < bucket.floor) throw expired(resourceVersion, bucket.floor);
    return bucket.history.filter((e) => e.resourceVersion > resourceVersion);
  }

  /** Drops all history so any older resourceVersion gets 410 Expired (etcd compaction). */
  compact(): void {
    for (const bucket of this.#buckets.values()) {
      bucket.history = [];
      bucket.floor = this.#revision;
    }
  }

  /** Calls `listener` for every later change of `type`; returns the unsubscribe function. */
  subscribe(type: ResourceType, listener: StoreListener): () => void {
    const bucket = this.#bucket(type);
    bucket.listeners.add(listener);
    return () => bucket.listeners.delete(listener);
  }

  #stamp(obj: KubeObject): KubeObject {
    this.#revision += 1;
    const stored = structuredClone(obj);
    stored.metadata = { ...stored.metadata, resourceVersion: String(this.#revision) };
    return canonicalOrder(stored);
  }

  #emit(type: ResourceType, event: StoreEvent): void {
    const bucket = this.#bucket(type);
    bucket.history.push(event);
    if (bucket.history.length > this.#historySize) {
      const dropped = bucket.history.splice(0, bucket.history.length - this.#historySize);
      bucket.floor = dropped[dropped.length - 1]?.resourceVersion ?? bucket.floor;
    }
    for (const listener of [...bucket.listeners]) listener(event);
  }

  #bucket(type: ResourceType): Bucket {
    const name = qualifiedResource(type);
    let bucket = this.#buckets.get(name);
    if (!bucket) {
      bucket = { objects: new Map(), history: [], floor: 0, listeners: new Set() };
      this.#buckets.set(name, bucket);
    }
    return bucket;
  }
}

function checkPreconditions(
  type: ResourceType,
  current: KubeObject,
  preconditions: Preconditions,
): void {
  const name = current.metadata.name ?? "";
  const rv = preconditions.resourceVersion;
  if (rv && rv !== current.metadata.resourceVersion) {
    throw conflict(
      type,
      name,
      `Precondition failed: ResourceVersion in precondition: ${rv}, ` +
        `ResourceVersion in object meta: ${current.metadata.resourceVersion}`,
    );
  }
  if (preconditions.uid && preconditions.uid !== current.metadata.uid) {
    throw conflict(
      type,
      name,
      `Precondition failed: UID in precondition: ${preconditions.uid}, ` +
        `UID in object meta: ${current.metadata.uid}`,
    );
  }
}

function keyOf(obj: KubeObject): string {
  return `${obj.metadata.namespace ?? ""}/${obj.metadata.name ?? ""}`;
}

function compareKeys(a: KubeObject, b: KubeObject): number {
  const ka = keyOf(a);
  const kb = keyOf(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
