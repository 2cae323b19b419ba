/**
 * `fieldSelector` and `labelSelector` parsing and matching, with the real server's error
 * messages for unsupported field labels.
 *
 * @module
 */

import { fieldAt, type KubeObject } from "./objects.ts";
import type { ResourceType } from "./resources.ts";
import { badRequest } from "./status.ts";

/** One parsed field requirement. */
export interface FieldRequirement {
  /** Field label, e.g. `spec.nodeName`. */
  readonly field: string;
  /** `=` (also written `==`) or `!=`. */
  readonly op: "=" | "!=";
  /** Compared with the field's string form (a missing field is `""`). */
  readonly value: string;
}

/** One parsed label requirement. */
export interface LabelRequirement {
  /** Label key. */
  readonly key: string;
  /** The operator. */
  readonly op: "=" | "!=" | "in" | "notin" | "exists" | "!exists";
  /** Values for `=`, `!=` (one), `in`, `notin`. */
  readonly values: readonly string[];
}

/** A parsed object filter: namespace, field and label requirements. */
export interface ObjectFilter {
  /** Only objects in this namespace, when set. */
  readonly namespace?: string | undefined;
  /** Every one must hold. */
  readonly fields: readonly FieldRequirement[];
  /** Every one must hold. */
  readonly labels: readonly LabelRequirement[];
}

/**
 * Parses `fieldSelector` for `type`; throws a 400 `KubeStatusError` for syntax errors and
 * field labels the real server does not index for this resource.
 */
export function parseFieldSelector(
  type: ResourceType,
  selector: string | null | undefined,
): FieldRequirement[] {
  if (!selector) return [];
  const requirements: FieldRequirement[] = [];
  for (const term of splitTerms(selector)) {
    if (term === "") continue;
    const match = /^([^=!]+?)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!match) {
      throw badRequest(`invalid selector: '${selector}'; can't understand '${term}'`);
    }
    const field = match[1] ?? "";
    const supported = field === "metadata.name" || field === "metadata.namespace" ||
      type.fieldLabels.includes(field);
    if (!supported) {
      throw badRequest(
        type.typedListItems
          ? `"${field}" is not a known field selector: only "metadata.name", "metadata.namespace"`
          : `field label not supported: ${field}`,
      );
    }
    requirements.push({
      field,
      op: match[2] === "!=" ? "!=" : "=",
      value: unescape(match[3] ?? ""),
    });
  }
  return requirements;
}

/** Parses `labelSelector` (`k=v`, `k==v`, `k!=v`, `k`, `!k`, `k in (a,b)`, `k notin (a,b)`). */
export function parseLabelSelector(selector: string | null | undefined): LabelRequirement[] {
  if (!selector) return [];
  const requirements: LabelRequirement[] = [];
  for (const raw of splitTerms(selector)) {
    const term = raw.trim();
    if (term === "") continue;
    let match = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
    if (match) {
      const values = (match[3] ?? "").split(",").map((v) => v.trim()).filter((v) => v !== "");
      requirements.push({ key: match[1] ?? "", op: match[2] === "in" ? "in" : "notin", values });
      continue;
    }
    match = /^([\w./-]+)\s*(==|=|!=)\s*([\w.-]*)$/.exec(term);
    if (match) {
      const op = match[2] === "!=" ? "!=" : "=";
      requirements.push({ key: match[1] ?? "", op, values: [match[3] ?? ""] });
      continue;
    }
    match = /^(!?)([\w./-]+)$/.exec(term);
    if (match) {
      requirements.push({
        key: match[2] ?? "",
        op: match[1] === "!" ? "!exists" : "exists",
        values: [],
      });
      continue;
    }
    throw badRequest(`unable to parse requirement: found '${term}', expected: key or operator`);
  }
  return requirements;
}

/** Whether `obj` passes `filter`. */
export function matchesFilter(obj: KubeObject, filter: ObjectFilter): boolean {
  if (filter.namespace !== undefined && obj.metadata.namespace !== filter.namespace) return false;
  for (const req of filter.fields) {
    const value = fieldAt(obj, req.field);
    const text = value === undefined || value === null ? "" : String(value);
    if ((text === req.value) !== (req.op === "=")) return false;
  }
  const labels = obj.metadata.labels ?? {};
  for (const req of filter.labels) {
    const has = Object.hasOwn(labels, req.key);
    const value = labels[req.key];
    const ok = req.op === "exists"
      ? has
      : req.op === "!exists"
      ? !has
      : req.op === "="
      ? has && value === req.values[0]
      : req.op === "!="
      ? !has || value !== req.values[0]
      : req.op === "in"
      ? has && req.values.includes(value ?? "")
      : !has || !req.values.includes(value ?? "");
    if (!ok) return false;
  }
  return true;
}

/** Splits on commas outside parentheses, honouring `\,` escapes. */
function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let current = "";
  let depth = 0;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (c === "\\" && i + 1 < selector.length) {
      current += c + selector[i + 1];
      i++;
    } else if (c === "(") {
      depth++;
      current += c;
    } else if (c === ")") {
      depth--;
      current += c;
    } else if (c === "," && depth === 0) {
      terms.push(current);
      current = "";
    } else {
      current += c;
    }
  }
  terms.push(current);
  return terms;
}

function unescape(value: string): string {
  return value.replace(/\\(.)/g, "$1");
}
