/**
 * One watch stream, independent of the transport: initial or replayed events, live events
 * through the request's filter (objects leaving the filter arrive as DELETED, entering it
 * as ADDED), periodic BOOKMARKs, `timeoutSeconds`, and 410 Expired as an ERROR event.
 *
 * @module
 */

import type { KubeObject } from "./objects.ts";
import { apiVersionOf, type ResourceType } from "./resources.ts";
import { matchesFilter, type ObjectFilter } from "./selectors.ts";
import { KubeStatusError } from "./status.ts";
import type { ObjectStore, StoreEvent } from "./store.ts";

/** Where a watch writes its newline-delimited JSON events. */
export interface WatchSink {
  /** Writes one chunk (one event followed by `\n`). */
  write(chunk: string): void;
  /** Ends the stream. */
  end(): void;
}

/** What a watch request asked for. */
export interface WatchOptions {
  /** The watched resource. */
  readonly type: ResourceType;
  /** Namespace, field and label filter. */
  readonly filter: ObjectFilter;
  /** Start after this resourceVersion; undefined, `""` or `0`: send current state first. */
  readonly resourceVersion?: number | undefined;
  /** `allowWatchBookmarks=true`. */
  readonly allowBookmarks: boolean;
  /** Interval between BOOKMARK events. */
  readonly bookmarkIntervalMs: number;
  /** `timeoutSeconds`: end the stream after this long. */
  readonly timeoutSeconds?: number | undefined;
  /** `sendInitialEvents=true`: current state, then a bookmark marking its end. */
  readonly sendInitialEvents?: boolean;
  /** Called once when the stream ends for any reason. */
  readonly onEnd?: () => void;
}

/** A running watch. */
export interface WatchHandle {
  /** Stops events and timers and ends the stream (idempotent). */
  stop(): void;
}

/** The watch event a store event becomes for a watcher with `filter`, if any. */
export function watchEventFor(
  event: StoreEvent,
  filter: ObjectFilter,
): { type: string; object: KubeObject } | undefined {
  const now = matchesFilter(event.object, filter);
  const before = event.previous !== undefined && matchesFilter(event.previous, filter);
  switch (event.type) {
    case "ADDED":
      return now ? { type: "ADDED", object: event.object } : undefined;
    case "DELETED":
      return before || now ? { type: "DELETED", object: event.object } : undefined;
    case "MODIFIED":
      if (before && now) return { type: "MODIFIED", object: event.object };
      if (now) return { type: "ADDED", object: event.object };
      if (before) return { type: "DELETED", object: event.object };
      return undefined;
  }
}

/** Starts streaming to `sink`; events written synchronously within the call come first. */
export function startWatch(
  store: ObjectStore,
  sink: WatchSink,
  options: WatchOptions,
): WatchHandle {
  const { type, filter } = options;
  const timers: ReturnType<typeof setTimeout>[] = [];
  let stopped = false;
  const send = (eventType: string, object: unknown) => {
    if (!stopped) sink.write(JSON.stringify({ type: eventType, object }) + "\n");
  };
  const bookmark = (annotations?: Record<string, string>) => {
    const metadata: Record<string, unknown> = { resourceVersion: String(store.resourceVersion) };
    if (annotations) metadata["annotations"] = annotations;
    send("BOOKMARK", { kind: type.kind, apiVersion: apiVersionOf(type), metadata });
  };
  const handle: WatchHandle = {
    stop() {
      if (stopped) return;
      stopped = true;
      unsubscribe();
      for (const t of timers) clearTimeout(t);
      sink.end();
      options.onEnd?.();
    },
  };
  const deliver = (event: StoreEvent) => {
    const out = watchEventFor(event, filter);
    if (out) send(out.type, out.object);
  };
  const unsubscribe = store.subscribe(type, deliver);

  const rv = options.resourceVersion;
  if (rv === undefined || rv === 0 || options.sendInitialEvents) {
    for (const obj of store.list(type, filter.namespace)) {
      if (matchesFilter(obj, filter)) send("ADDED", obj);
    }
    if (options.sendInitialEvents && options.allowBookmarks) {
      bookmark({ "k8s.io/initial-events-end": "true" });
    }
  } else {
    try {
      for (const event of store.eventsSince(type, rv)) deliver(event);
    } catch (error) {
      if (!(error instanceof KubeStatusError)) throw error;
      send("ERROR", error.status);
      handle.stop();
      return handle;
    }
  }
  if (options.allowBookmarks) {
    timers.push(setInterval(() => bookmark(), Math.max(1, options.bookmarkIntervalMs)));
  }
  if (options.timeoutSeconds !== undefined && options.timeoutSeconds > 0) {
    timers.push(setTimeout(() => handle.stop(), options.timeoutSeconds * 1000));
  }
  return handle;
}
