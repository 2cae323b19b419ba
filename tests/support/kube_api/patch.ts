/**
 * JSON merge patch (RFC 7386) and JSON patch (RFC 6902, with `~0`/`~1` pointer escapes),
 * applied to plain JSON values. Failures are `KubeStatusError`s shaped like the real
 * server's: 400 for an undecodable patch, 422 for one that does not apply.
 *
 * @module
 */

import { isRecord, jsonEqual } from "./objects.ts";
import { badRequest, failureStatus, KubeStatusError } from "./status.ts";

/** RFC 7386: objects merge recursively, `null` deletes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return structuredClone(patch);
  const result: Record<string, unknown> = isRecord(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

/** One RFC 6902 operation. */
export interface JsonPatchOperation {
  /** The operation. */
  readonly op: "add" | "remove" | "replace" | "move" | "copy" | "test";
  /** JSON pointer of the target. */
  readonly path: string;
  /** Value for add, replace and test. */
  readonly value?: unknown;
  /** Source pointer for move and copy. */
  readonly from?: string;
}

const OPS = new Set(["add", "remove", "replace", "move", "copy", "test"]);

/** Checks that `patch` is a list of operations (400 otherwise). */
export function decodeJsonPatch(patch: unknown): JsonPatchOperation[] {
  if (!Array.isArray(patch)) {
    throw badRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
  }
  return patch.map((op: unknown) => {
    if (!isRecord(op) || typeof op["op"] !== "string" || typeof op["path"] !== "string") {
      throw badRequest("json: cannot unmarshal patch operation: missing op or path");
    }
    if (!OPS.has(op["op"])) throw unprocessable(`Unexpected kind: ${op["op"]}`);
    return op as unknown as JsonPatchOperation;
  });
}

/** Applies RFC 6902 operations in order to a copy of `target`. */
export function jsonPatch(target: unknown, operations: readonly JsonPatchOperation[]): unknown {
  let doc = structuredClone(target);
  for (const op of operations) {
    switch (op.op) {
      case "add":
        doc = add(doc, op.path, structuredClone(op.value));
        break;
      case "remove":
        doc = remove(doc, op.path, "remove");
        break;
      case "replace":
        get(doc, op.path, "replace");
        doc = add(remove(doc, op.path, "replace"), op.path, structuredClone(op.value));
        break;
      case "move": {
        const from = op.from ?? "";
        const value = get(doc, from, "move");
        doc = add(remove(doc, from, "move"), op.path, value);
        break;
      }
      case "copy":
        doc = add(doc, op.path, structuredClone(get(doc, op.from ?? "", "copy")));
        break;
      case "test":
        if (!jsonEqual(tryGet(doc, op.path), op.value)) {
          throw unprocessable(`testing value ${op.path} failed: test failed`);
        }
        break;
    }
  }
  return doc;
}

function parsePointer(pointer: string): string[] {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) throw unprocessable(`JSON pointer must start with "/": ${pointer}`);
  return pointer.slice(1).split("/").map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function tryGet(doc: unknown, pointer: string): unknown {
  let value = doc;
  for (const part of parsePointer(pointer)) {
    if (Array.isArray(value)) value = value[arrayIndex(part, value.length - 1, pointer)];
    else if (isRecord(value) && Object.hasOwn(value, part)) value = value[part];
    else return undefined;
  }
  return value;
}

function get(doc: unknown, pointer: string, op: string): unknown {
  const value = tryGet(doc, pointer);
  if (value === undefined) {
    throw unprocessable(`${op} operation does not apply: doc is missing path: "${pointer}"`);
  }
  return value;
}

function parentOf(doc: unknown, pointer: string, op: string): { parent: unknown; key: string } {
  const parts = parsePointer(pointer);
  const key = parts.pop();
  if (key === undefined) return { parent: undefined, key: "" };
  const parentPointer = parts.map((p) => "/" + p.replace(/~/g, "~0").replace(/\//g, "~1"))
    .join("");
  const parent = parentPointer === "" ? doc : tryGet(doc, parentPointer);
  if (!Array.isArray(parent) && !isRecord(parent)) {
    throw unprocessable(`${op} operation does not apply: doc is missing path: "${pointer}"`);
  }
  return { parent, key };
}

function add(doc: unknown, pointer: string, value: unknown): unknown {
  if (pointer === "") return value;
  const { parent, key } = parentOf(doc, pointer, "add");
  if (Array.isArray(parent)) {
    const index = key === "-" ? parent.length : arrayIndex(key, parent.length, pointer);
    parent.splice(index, 0, value);
  } else if (isRecord(parent)) {
    parent[key] = value;
  }
  return doc;
}

function remove(doc: unknown, pointer: string, op: string): unknown {
  if (pointer === "") return undefined;
  const { parent, key } = parentOf(doc, pointer, op);
  if (Array.isArray(parent)) {
    parent.splice(arrayIndex(key, parent.length - 1, pointer), 1);
  } else if (isRecord(parent)) {
    if (!Object.hasOwn(parent, key)) {
      throw unprocessable(`${op} operation does not apply: doc is missing key: ${pointer}`);
    }
    delete parent[key];
  }
  return doc;
}

function arrayIndex(part: string, max: number, pointer: string): number {
  const index = /^(0|[1-9][0-9]*)$/.test(part) ? Number(part) : NaN;
  if (!(index >= 0 && index <= max)) {
    throw unprocessable(`Unable to access invalid index: ${part} in ${pointer}`);
  }
  return index;
}

function unprocessable(message: string): KubeStatusError {
  return new KubeStatusError(failureStatus(422, { message, details: {} }));
}
