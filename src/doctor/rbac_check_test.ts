import { deepStrictEqual as assertEquals, match as assertMatch } from "node:assert/strict";
import { checkRbac } from "./rbac_check.ts";
import type { ResourceAttributes } from "../kube/mod.ts";

/** A reviewer granting `grants` (`verb resource[/sub]`), recording what was asked. */
function reviewer(grants: string[], asked: string[] = []) {
  return (a: ResourceAttributes) => {
    const key = `${a.verb} ${a.resource}${a.subresource ? `/${a.subresource}` : ""}`;
    asked.push(key);
    return Promise.resolve({ allowed: grants.includes(key) });
  };
}

const MULTUS_ROLE = [
  "get pods",
  "list pods",
  "watch pods",
  "update pods/status",
  "get network-attachment-definitions",
  "list network-attachment-definitions",
  "watch network-attachment-definitions",
  "create events",
  "patch events",
];

Deno.test("checkRbac() passes our role, warns Multus's (pods/status update without patch)", async () => {
  const ours = await checkRbac(true, reviewer([...MULTUS_ROLE, "patch pods/status"]));
  assertEquals(ours.map((f) => f.verdict), ["pass", "pass", "pass", "pass"]);
  const multus = await checkRbac(true, reviewer(MULTUS_ROLE));
  assertEquals(multus.map((f) => f.verdict), ["pass", "pass", "warn", "pass"]);
  assertMatch(multus[2]!.what, /update granted, patch not/);
});

Deno.test("checkRbac() fails each missing verb with the grant to add; thin mode asks only get", async () => {
  const asked: string[] = [];
  const none = await checkRbac(false, reviewer([], asked));
  assertEquals(none.map((f) => f.verdict), ["fail", "fail", "fail", "warn"]);
  assertMatch(none[0]!.fix ?? "", /grant get on pods/);
  assertEquals(asked.filter((a) => a.startsWith("list") || a.startsWith("watch")), []);
  const failing = await checkRbac(true, () => Promise.reject(new Error("404 page not found")));
  assertEquals(failing.map((f) => f.verdict), ["fail"]);
});
