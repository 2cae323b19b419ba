import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { type Schema, Validator } from "jsonschema";
import { DAEMON_CONFIG_SCHEMA, MULTUS_CNI_CONFIG_SCHEMA } from "./config_schema.ts";
import { evaluateSchema, type JsonSchema } from "./json_schema.ts";

const brief = (s: JsonSchema, v: unknown) =>
  evaluateSchema(v, s).map((f) => ({ keyword: f.keyword, path: f.path, key: f.key }));

Deno.test("evaluateSchema() checks each keyword it knows", () => {
  const s: JsonSchema = {
    type: "object",
    properties: {
      a: { enum: ["x", 1] },
      b: { const: { k: [1] } },
      c: { oneOf: [{ type: "integer" }, { minimum: 0 }] },
      d: { not: { type: "string" } },
      e: { type: "array", items: [{ type: "string" }, { type: "number" }] },
      f: { if: { type: "string" }, then: { minLength: 2 }, else: { exclusiveMaximum: 5 } },
      g: { type: ["string", "null"], pattern: "^a" },
    },
    additionalProperties: { type: "boolean" },
  };
  assertEquals(brief(s, { a: 1, b: { k: [1] }, c: -1, d: 1, e: ["s", 2, {}], f: 4, g: null }), []);
  assertEquals(brief(s, { a: "y", b: { k: [2] }, c: 3, d: "s", e: [1], f: "x", g: "b", h: 1 }), [
    { keyword: "enum", path: ["a"], key: undefined },
    { keyword: "const", path: ["b"], key: undefined },
    { keyword: "oneOf", path: ["c"], key: undefined },
    { keyword: "not", path: ["d"], key: undefined },
    { keyword: "type", path: ["e", 0], key: undefined },
    { keyword: "minLength", path: ["f"], key: undefined },
    { keyword: "pattern", path: ["g"], key: undefined },
    { keyword: "type", path: ["h"], key: undefined },
  ]);
  assertEquals(brief(s, { f: 5 }), [{ keyword: "exclusiveMaximum", path: ["f"], key: undefined }]);
});

Deno.test("evaluateSchema() throws on a keyword it does not know and on a dangling $ref", () => {
  assertThrows(
    () => evaluateSchema(1, { minimun: 1 } as JsonSchema),
    /unknown JSON Schema keyword/,
  );
  assertThrows(() => evaluateSchema(1, { $ref: "#/definitions/none" }), /names no schema/);
});

const KEYED = new Set(["required", "additionalProperties"]);

/** Values that exercise every keyword of the published schemas, good and bad. */
function samples(schema: JsonSchema): unknown[] {
  const wrong = [42, "yes", "ten", "a,b", ["x"], {}, null, -1, 1.5, 70000, "", true];
  const out: unknown[] = [[1], "x", {}, { cniVersion: "1.0.0" }];
  for (const key of Object.keys(schema.properties ?? {})) {
    for (const v of wrong) out.push({ [key]: v }, { cniVersion: "1.0", [key]: v });
  }
  out.push(
    { perNodeCertificate: { enabled: true, certDir: "" }, multusConfigFile: "auto" },
    { perNodeCertificate: { enabled: false, x: 1, certDuration: "1h30m" } },
    { logOptions: { maxAge: -1, compress: "no", other: 1 }, logLevel: "PANIC" },
    { delegates: [{ type: "" }, { plugins: [] }, { plugins: [{}] }, 3], clusterNetwork: "" },
    { capabilities: { a: true, "b c": 0 }, systemNamespaces: ["a", 1, null] },
  );
  return out;
}

Deno.test("evaluateSchema() fails exactly where jsonschema does on the published schemas", () => {
  const validator = new Validator();
  for (const schema of [DAEMON_CONFIG_SCHEMA, MULTUS_CNI_CONFIG_SCHEMA]) {
    for (const value of samples(schema)) {
      const theirs = validator.validate(value, schema as Schema, { nestedErrors: false }).errors
        .filter((e) => e.name !== "allOf")
        .map((e) => [e.name, e.path, KEYED.has(e.name) ? e.argument : undefined]);
      const ours = evaluateSchema(value, schema).map((f) => [f.keyword, f.path, f.key]);
      assertEquals(ours, theirs, JSON.stringify(value));
    }
  }
});
