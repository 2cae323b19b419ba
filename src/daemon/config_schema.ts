/**
 * JSON Schema validation of the daemon config (`daemon-config.json`) and of the Multus
 * CNI config, with the published schemas under `deployments/schema/`. Every violation
 * is reported at once, each as `<json path>: <message>`, e.g.
 * `connectionLimit: must be an integer >= 1, got "ten"`.
 *
 * The schemas are evaluated by `json_schema.ts` (the subset of draft-07 they use), not by
 * an npm package: the `jsonschema` package cost the daemon about 12 MiB RSS for its life
 * (Deno's Node.js layer and npm resolution), for a check done once at start.
 *
 * @module
 */
import { evaluateSchema, type JsonSchema, type SchemaFailure } from "./json_schema.ts";
import daemonSchema from "../../deployments/schema/daemon-config.schema.json" with {
  type: "json",
};
import cniSchema from "../../deployments/schema/multus-cni-config.schema.json" with {
  type: "json",
};

/** The published JSON Schema of `daemon-config.json` (draft-07). */
export const DAEMON_CONFIG_SCHEMA: JsonSchema = daemonSchema as JsonSchema;

/** The published JSON Schema of the Multus CNI config (draft-07). */
export const MULTUS_CNI_CONFIG_SCHEMA: JsonSchema = cniSchema as JsonSchema;

/**
 * Every way `value` (the parsed `daemon-config.json`) breaks the schema, in document
 * order; empty when it is valid. Unknown top-level keys are allowed (Multus overlays
 * every key onto the CNI config of each request).
 *
 * @example
 * ```ts
 * validateDaemonConfig({ connectionLimit: "ten", logLevel: "loud", cniVersion: "1.0.0" });
 * // [ 'connectionLimit: must be an integer >= 1, got "ten"',
 * //   'logLevel: must be one of "debug", "verbose", "error" or "panic" (any case), got "loud"' ]
 * ```
 */
export function validateDaemonConfig(value: unknown): string[] {
  return validate(value, DAEMON_CONFIG_SCHEMA);
}

/** Every way `value` (a parsed Multus CNI config) breaks its schema; empty when valid. */
export function validateMultusCniConfig(value: unknown): string[] {
  return validate(value, MULTUS_CNI_CONFIG_SCHEMA);
}

/**
 * The daemon's fatal error message for the violations of the config file at `path`:
 * one line naming the file and the count, then one indented line per violation.
 */
export function formatViolations(path: string, list: readonly string[]): string {
  const count = list.length === 1 ? "1 problem" : `${list.length} problems`;
  return [`invalid daemon config ${path}: ${count}`, ...list.map((v) => `  ${v}`)].join("\n");
}

function validate(value: unknown, schema: JsonSchema): string[] {
  return evaluateSchema(value, schema).map(violation);
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** `a.b[0]["odd key"]`; the document itself is `(root)`. */
function jsonPath(parts: readonly (string | number)[]): string {
  let out = "";
  for (const p of parts) {
    if (typeof p === "number") out += `[${p}]`;
    else if (IDENTIFIER.test(p)) out += out === "" ? p : `.${p}`;
    else out += `[${JSON.stringify(p)}]`;
  }
  return out === "" ? "(root)" : out;
}

/** A value as a message quotes it: JSON, cut at 60 characters. */
function show(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function join(list: readonly string[], last: string): string {
  return list.length < 2 ? list.join("") : `${list.slice(0, -1).join(", ")} ${last} ${list.at(-1)}`;
}

function bounds(s: JsonSchema): string {
  const min = typeof s.exclusiveMinimum === "number" ? `> ${s.exclusiveMinimum}` : undefined;
  const max = typeof s.exclusiveMaximum === "number" ? `< ${s.exclusiveMaximum}` : undefined;
  if (s.minimum !== undefined && s.maximum !== undefined) {
    return ` from ${s.minimum} to ${s.maximum}`;
  }
  const parts = [
    s.minimum !== undefined ? `>= ${s.minimum}` : min,
    s.maximum !== undefined ? `<= ${s.maximum}` : max,
  ].filter((p) => p !== undefined);
  return parts.length ? ` ${parts.join(" and ")}` : "";
}

/** What a schema accepts, as a noun phrase ("an integer >= 1", "a list of strings"). */
function describe(s: JsonSchema): string {
  if (s.title) return s.title;
  if (s.enum) return `one of ${join(s.enum.map((v) => JSON.stringify(v)), "or")}`;
  if (s.const !== undefined) return JSON.stringify(s.const);
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case "integer":
      return `an integer${bounds(s)}`;
    case "number":
      return `a number${bounds(s)}`;
    case "boolean":
      return "true or false";
    case "array": {
      const items = s.items && !Array.isArray(s.items) ? s.items : undefined;
      return items?.type === "string" ? "a list of strings" : "a list";
    }
    case "object": {
      const extra = s.additionalProperties;
      return typeof extra === "object" && extra.type === "boolean"
        ? "an object of true/false values"
        : "an object";
    }
    default:
      if (s.pattern !== undefined) return `a string matching ${s.pattern}`;
      return (s.minLength ?? 0) > 0 ? "a non-empty string" : "a string";
  }
}

function violation(err: SchemaFailure): string {
  const { schema, path } = err;
  switch (err.keyword) {
    case "required": {
      const why = schema.description ? ` (${schema.description})` : "";
      return `${jsonPath([...path, String(err.key)])}: is required${why}`;
    }
    case "additionalProperties": {
      const known = Object.keys(schema.properties ?? {});
      const hint = known.length ? ` (known keys: ${known.join(", ")})` : "";
      return `${jsonPath([...path, String(err.key)])}: is not a known key${hint}`;
    }
    case "minItems":
      return `${jsonPath(path)}: must have at least ${schema.minItems} item(s), got ${
        show(err.instance)
      }`;
    case "anyOf":
    case "oneOf":
    case "not":
      if (schema.title) {
        return `${jsonPath(path)}: must be ${schema.title}, got ${show(err.instance)}`;
      }
      return `${jsonPath(path)}: ${
        schema.description ?? `fails ${err.keyword}, got ${show(err.instance)}`
      }`;
    case "type":
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
    case "minLength":
    case "pattern":
    case "enum":
    case "const":
      return `${jsonPath(path)}: must be ${describe(schema)}, got ${show(err.instance)}`;
    default:
      return `${jsonPath(path)}: fails ${err.keyword}, got ${show(err.instance)}`;
  }
}
