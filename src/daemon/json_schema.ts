/**
 * A JSON Schema (draft-07) evaluator for the subset the published config schemas under
 * `deployments/schema/` use: `type`, `properties`, `additionalProperties`, `required`,
 * `items`, `minItems`, `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`,
 * `minLength`, `pattern`, `enum`, `const`, `allOf`, `anyOf`, `oneOf`, `not`,
 * `if`/`then`/`else` and local `$ref` (`#/definitions/...`). Annotations (`title`,
 * `description`, `default`, ...) are ignored; any other keyword is a mistake in the schema
 * and throws, so a misspelt keyword cannot silently check nothing.
 *
 * It yields every failure at once, in schema order, each with the keyword, the instance's
 * path and the (sub)schema that failed: the shapes `config_schema.ts` turns into messages.
 * A failing `anyOf`/`oneOf`/`not` is one failure, not its branches' failures. `pattern` is
 * an ECMAScript regular expression, as JSON Schema defines it.
 *
 * @module
 */

/** A JSON Schema document or subschema (the keywords this evaluator knows). */
export interface JsonSchema {
  $schema?: string;
  $ref?: string;
  title?: string;
  description?: string;
  default?: unknown;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  required?: string[];
  items?: JsonSchema | JsonSchema[];
  minItems?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  pattern?: string;
  enum?: unknown[];
  const?: unknown;
  allOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  not?: JsonSchema;
  if?: JsonSchema;
  then?: JsonSchema;
  else?: JsonSchema;
  definitions?: Record<string, JsonSchema>;
}

/** One failed keyword. */
export interface SchemaFailure {
  /** The keyword that failed (`type`, `required`, `anyOf`, ...). */
  keyword: string;
  /** Where the failing value is: property names and item indexes from the document. */
  path: (string | number)[];
  /** The failing value (for `required` and `additionalProperties`, the object). */
  instance: unknown;
  /** The (sub)schema that holds the keyword, `$ref`s resolved. */
  schema: JsonSchema;
  /** The key that is missing (`required`) or not allowed (`additionalProperties`). */
  key?: string;
}

const ANNOTATIONS = new Set([
  "$schema",
  "$id",
  "$comment",
  "title",
  "description",
  "default",
  "examples",
  "definitions",
  "then",
  "else",
]);

const patterns = new Map<string, RegExp>();

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function hasType(v: unknown, type: string): boolean {
  switch (type) {
    case "object":
      return isObject(v);
    case "array":
      return Array.isArray(v);
    case "integer":
      return Number.isInteger(v);
    case "number":
      return typeof v === "number" && Number.isFinite(v);
    case "null":
      return v === null;
    case "string":
      return typeof v === "string";
    case "boolean":
      return typeof v === "boolean";
    default:
      throw new Error(`unknown JSON Schema type ${JSON.stringify(type)}`);
  }
}

/** JSON equality (for `enum` and `const`). */
function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length &&
    ka.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function resolve(ref: string, root: JsonSchema): JsonSchema {
  if (!ref.startsWith("#/")) throw new Error(`unsupported $ref ${JSON.stringify(ref)}`);
  let node: unknown = root;
  for (const part of ref.slice(2).split("/")) {
    const key = decodeURIComponent(part).replaceAll("~1", "/").replaceAll("~0", "~");
    node = isObject(node) ? node[key] : undefined;
  }
  if (!isObject(node)) throw new Error(`$ref ${JSON.stringify(ref)} names no schema`);
  return node as JsonSchema;
}

/**
 * Every way `value` breaks `schema` (whose `#/definitions/...` are looked up in `root`),
 * in schema order; empty when it is valid.
 *
 * @example
 * ```ts
 * evaluateSchema({ port: "x" }, { type: "object", properties: { port: { type: "integer" } } });
 * // [{ keyword: "type", path: ["port"], instance: "x", schema: { type: "integer" } }]
 * ```
 */
export function evaluateSchema(
  value: unknown,
  schema: JsonSchema,
  opts: { root?: JsonSchema; path?: (string | number)[] } = {},
): SchemaFailure[] {
  const root = opts.root ?? schema;
  const path = opts.path ?? [];
  // draft-07: a $ref replaces every keyword beside it.
  const s = schema.$ref !== undefined ? resolve(schema.$ref, root) : schema;
  if (s.$ref !== undefined) return evaluateSchema(value, s, { root, path });
  const out: SchemaFailure[] = [];
  const fail = (keyword: string, extra: { key?: string } = {}) =>
    out.push({ keyword, path, instance: value, schema: s, ...extra });
  const sub = (v: unknown, child: JsonSchema, at: (string | number)[] = path) =>
    evaluateSchema(v, child, { root, path: at });
  const num = typeof value === "number" ? value : undefined;
  for (const keyword of Object.keys(s)) {
    if (ANNOTATIONS.has(keyword)) continue;
    switch (keyword) {
      case "type": {
        const types = Array.isArray(s.type) ? s.type : [s.type!];
        if (!types.some((t) => hasType(value, t))) fail(keyword);
        break;
      }
      case "properties":
        if (!isObject(value)) break;
        for (const [key, child] of Object.entries(s.properties!)) {
          if (Object.hasOwn(value, key)) out.push(...sub(value[key], child, [...path, key]));
        }
        break;
      case "additionalProperties": {
        if (!isObject(value)) break;
        const extra = s.additionalProperties!;
        for (const key of Object.keys(value)) {
          if (s.properties && Object.hasOwn(s.properties, key)) continue;
          if (extra === false) fail(keyword, { key });
          else if (extra !== true) out.push(...sub(value[key], extra, [...path, key]));
        }
        break;
      }
      case "required":
        if (!isObject(value)) break;
        for (const key of s.required!) if (!Object.hasOwn(value, key)) fail(keyword, { key });
        break;
      case "items":
        if (!Array.isArray(value)) break;
        value.forEach((item, i) => {
          const child = Array.isArray(s.items) ? s.items[i] : s.items;
          if (child) out.push(...sub(item, child, [...path, i]));
        });
        break;
      case "minItems":
        if (Array.isArray(value) && value.length < s.minItems!) fail(keyword);
        break;
      case "minimum":
        if (num !== undefined && num < s.minimum!) fail(keyword);
        break;
      case "maximum":
        if (num !== undefined && num > s.maximum!) fail(keyword);
        break;
      case "exclusiveMinimum":
        if (num !== undefined && num <= s.exclusiveMinimum!) fail(keyword);
        break;
      case "exclusiveMaximum":
        if (num !== undefined && num >= s.exclusiveMaximum!) fail(keyword);
        break;
      case "minLength":
        // Counted in code points, as JSON Schema says.
        if (typeof value === "string" && [...value].length < s.minLength!) fail(keyword);
        break;
      case "pattern": {
        if (typeof value !== "string") break;
        let re = patterns.get(s.pattern!);
        if (!re) patterns.set(s.pattern!, re = new RegExp(s.pattern!, "u"));
        if (!re.test(value)) fail(keyword);
        break;
      }
      case "enum":
        if (!s.enum!.some((e) => same(e, value))) fail(keyword);
        break;
      case "const":
        if (!same(s.const, value)) fail(keyword);
        break;
      case "allOf":
        for (const child of s.allOf!) out.push(...sub(value, child));
        break;
      case "anyOf":
        if (!s.anyOf!.some((child) => sub(value, child).length === 0)) fail(keyword);
        break;
      case "oneOf":
        if (s.oneOf!.filter((child) => sub(value, child).length === 0).length !== 1) fail(keyword);
        break;
      case "not":
        if (sub(value, s.not!).length === 0) fail(keyword);
        break;
      case "if": {
        const branch = sub(value, s.if!).length === 0 ? s.then : s.else;
        if (branch) out.push(...sub(value, branch));
        break;
      }
      default:
        throw new Error(`unknown JSON Schema keyword ${JSON.stringify(keyword)}`);
    }
  }
  return out;
}
