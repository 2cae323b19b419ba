import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { CniError } from "../cni/error.ts";
import { pathSegment, resourcePath, segmentProblems } from "./path.ts";

Deno.test("segmentProblems() lists client-go's IsValidPathSegmentName reasons", () => {
  assertEquals(segmentProblems("net-a"), []);
  assertEquals(segmentProblems("."), ["may not be '.'"]);
  assertEquals(segmentProblems(".."), ["may not be '..'"]);
  assertEquals(segmentProblems("a/b%2F"), ["may not contain '/'", "may not contain '%'"]);
});

Deno.test("pathSegment() escapes what it accepts and refuses, code 7, what would change the path", () => {
  assertEquals(pathSegment("resource name", "a b?c#d"), "a%20b%3Fc%23d");
  const refused = (kind: "namespace" | "resource name", value: string, msg: string) =>
    throws(
      () => pathSegment(kind, value),
      (e) => e instanceof CniError && e.code === 7 && e.message === msg,
    );
  refused("namespace", "a/b", `invalid namespace "a/b": [may not contain '/']`);
  refused("resource name", "..", `invalid resource name "..": [may not be '..']`);
  refused("resource name", "x%2Fy", `invalid resource name "x%2Fy": [may not contain '%']`);
  refused("resource name", "", "resource name may not be empty");
  refused("namespace", "", "an empty namespace may not be set when a resource name is provided");
});

Deno.test("resourcePath() builds namespaced, cluster-wide and cluster-scoped paths", () => {
  assertEquals(
    resourcePath("/api/v1", "pods", { namespace: "ns", name: "p" }),
    "/api/v1/namespaces/ns/pods/p",
  );
  assertEquals(resourcePath("/api/v1", "pods", { namespace: "ns" }), "/api/v1/namespaces/ns/pods");
  assertEquals(resourcePath("/api/v1", "pods", {}), "/api/v1/pods");
  assertEquals(resourcePath("/api/v1", "pods", { namespace: "" }), "/api/v1/pods");
  assertEquals(resourcePath("/apis/x/v1", "things", { name: "t" }), "/apis/x/v1/things/t");
  throws(() => resourcePath("/api/v1", "pods", { namespace: "", name: "p" }), CniError);
});
