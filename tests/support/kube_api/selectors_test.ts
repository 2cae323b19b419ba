import assert from "node:assert/strict";
import type { KubeObject } from "./objects.ts";
import { NADS, PODS } from "./resources.ts";
import { matchesFilter, parseFieldSelector, parseLabelSelector } from "./selectors.ts";
import { KubeStatusError } from "./status.ts";

const pod = (name: string, nodeName?: string, labels?: Record<string, string>): KubeObject => ({
  metadata: { name, namespace: "ns", ...(labels ? { labels } : {}) },
  spec: nodeName === undefined ? {} : { nodeName },
});

Deno.test("parseFieldSelector() accepts =, == and != on indexed pod fields", () => {
  assert.deepEqual(
    parseFieldSelector(PODS, "spec.nodeName=n1,metadata.name!=x,status.phase==Running"),
    [
      { field: "spec.nodeName", op: "=", value: "n1" },
      { field: "metadata.name", op: "!=", value: "x" },
      { field: "status.phase", op: "=", value: "Running" },
    ],
  );
  assert.deepEqual(parseFieldSelector(PODS, ""), []);
  assert.deepEqual(parseFieldSelector(PODS, null), []);
});

Deno.test("parseFieldSelector() throws 400 like the real API when the field is not indexed", () => {
  const cases: [typeof PODS, string, string][] = [
    [PODS, "spec.foo=1", "field label not supported: spec.foo"],
    [
      NADS,
      "spec.config=x",
      '"spec.config" is not a known field selector: only "metadata.name", "metadata.namespace"',
    ],
  ];
  for (const [type, selector, message] of cases) {
    assert.throws(() => parseFieldSelector(type, selector), (error: unknown) => {
      assert.ok(error instanceof KubeStatusError);
      assert.deepEqual([error.code, error.status.reason, error.status.message], [
        400,
        "BadRequest",
        message,
      ]);
      return true;
    });
  }
});

Deno.test("parseFieldSelector() throws 400 when a term has no operator", () => {
  assert.throws(() => parseFieldSelector(PODS, "spec.nodeName"), KubeStatusError);
});

Deno.test("parseLabelSelector() parses equality, existence and set terms", () => {
  assert.deepEqual(parseLabelSelector("app=a,tier!=db,env in (x, y),!gone,has,z notin (q)"), [
    { key: "app", op: "=", values: ["a"] },
    { key: "tier", op: "!=", values: ["db"] },
    { key: "env", op: "in", values: ["x", "y"] },
    { key: "gone", op: "!exists", values: [] },
    { key: "has", op: "exists", values: [] },
    { key: "z", op: "notin", values: ["q"] },
  ]);
});

Deno.test("matchesFilter() treats a missing field as empty when selecting by spec.nodeName", () => {
  const filter = { fields: parseFieldSelector(PODS, "spec.nodeName="), labels: [] };
  assert.equal(matchesFilter(pod("a"), filter), true);
  assert.equal(matchesFilter(pod("b", "n1"), filter), false);
});

Deno.test("matchesFilter() applies namespace, field and label requirements together", () => {
  const filter = {
    namespace: "ns",
    fields: parseFieldSelector(PODS, "spec.nodeName=n1"),
    labels: parseLabelSelector("app=web,tier!=db"),
  };
  assert.equal(matchesFilter(pod("a", "n1", { app: "web" }), filter), true);
  assert.equal(matchesFilter(pod("a", "n2", { app: "web" }), filter), false);
  assert.equal(matchesFilter(pod("a", "n1", { app: "web", tier: "db" }), filter), false);
  assert.equal(matchesFilter(pod("a", "n1"), filter), false);
  assert.equal(matchesFilter(pod("a", "n1", { app: "web" }), { ...filter, namespace: "x" }), false);
});
