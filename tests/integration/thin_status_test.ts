/**
 * The network-status write under the RBAC a cluster really has (Go Multus's own
 * ClusterRole, without pods/status `patch`, and ours from `deployments/`), 409 conflicts
 * retried as client-go's RetryOnConflict does, and events that describe only what happened:
 * none for an ADD rolled back, none from a DEL. Rerun in thick mode by
 * `thick_rerun_test.ts`; where the modes' requests differ by design, the case says so.
 */
import yaml from "js-yaml";
import { assert, assertEquals } from "../support/assert.ts";
import { MULTUS_CLUSTER_ROLE, type PolicyRule } from "../support/kube_api/mod.ts";
import { linksIn, requireRoot } from "../support/netns.ts";
import { type MultusEnv, multusEnv, NETWORKS, type TestPod } from "../support/multus_env.ts";
import { testMode } from "../support/test_mode.ts";

/** The rules of our ClusterRole, as `deployments/multus-daemonset-thin.yml` grants them. */
function ourClusterRole(): PolicyRule[] {
  const text = Deno.readTextFileSync(
    new URL("../../deployments/multus-daemonset-thin.yml", import.meta.url),
  );
  const docs = yaml.loadAll(text) as Array<{ kind?: string; rules?: PolicyRule[] } | null>;
  const role = docs.find((d) => d?.kind === "ClusterRole");
  assert(role?.rules, "the thin deployment has a ClusterRole");
  return role.rules;
}

/** The named requests about one pod, as `METHOD resource[/sub] status`, in order. */
function podRequests(env: MultusEnv, name: string): string[] {
  return env.api.requests({ resource: "pods", name }).map((r) =>
    `${r.method} ${r.resource}${r.subresource ? `/${r.subresource}` : ""} ${r.status}`
  );
}

function conflictMessage(name: string, why = "the object has been modified"): string {
  return `Operation cannot be fulfilled on pods "${name}": ${why}; please apply your changes to the latest version and try again`;
}

const thin = (): boolean => testMode() === "thin";

/**
 * Thick mode posts events off the critical path: a pod ADDed after the case's own calls
 * whose events have all arrived shows that the queue has sent what came before it. Thin
 * mode sends its events before the plugin exits.
 */
async function settleEvents(env: MultusEnv): Promise<void> {
  if (thin()) return;
  const marker = env.pod(`marker-${crypto.randomUUID().slice(0, 8)}`);
  const ns = await env.extraNetns();
  const add = await env.cni({
    command: "ADD",
    pod: marker,
    containerId: "ctr-marker",
    netns: ns.path,
  });
  assertEquals(add.code, 0, add.stdout + add.stderr);
  for (let i = 0; i < 200; i++) {
    if (env.api.events({ objectName: marker.name, reason: "AddedInterface" }).length > 0) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assertEquals(env.api.events({ objectName: marker.name }).length, 1, "the marker's event arrived");
  const del = await env.cni({
    command: "DEL",
    pod: marker,
    containerId: "ctr-marker",
    netns: ns.path,
  });
  assertEquals(del.code, 0, del.stdout + del.stderr);
}

function eventsOf(env: MultusEnv, pod: TestPod): string[] {
  return env.api.events({ objectName: pod.name }).map((e) => `${e["reason"]} ${e["message"]}`);
}

Deno.test("multus ADD under Multus's own ClusterRole (pods/status: get, list, update, watch; no patch) writes network-status with a read and a PUT of pods/status, keeping the pod's labels and annotations", async () => {
  requireRoot();
  await using env = await multusEnv();
  env.api.setRbac(MULTUS_CLUSTER_ROLE);
  env.bridgeNad("default", "blue", "10.241.0.0/24");
  const one = env.pod("rbac-one", { [NETWORKS]: "blue", "example.com/keep": "yes" });
  const two = env.pod("rbac-two");
  env.api.updatePod("default", "rbac-one", (p) => {
    p.metadata.labels = { app: "web" };
  });
  env.api.clearLog();
  const add = await env.cni({ command: "ADD", pod: one, containerId: "ctr-rbac-one" });
  assertEquals(add.code, 0, add.stdout + add.stderr);
  assertEquals(env.networkStatus(one)?.map((s) => s["name"]), ["cluster", "default/blue"]);
  const stored = env.api.getPod("default", "rbac-one");
  assertEquals(stored?.metadata.labels, { app: "web" });
  assertEquals(stored?.metadata.annotations?.["example.com/keep"], "yes");
  assertEquals(
    podRequests(env, "rbac-one"),
    thin()
      // The pod read at the start of the ADD is PUT as it was read.
      ? ["GET pods 200", "PATCH pods/status 403", "PUT pods/status 200"]
      // The daemon's cached pod is trimmed: it reads the pod whole before the PUT.
      : ["PATCH pods/status 403", "GET pods 200", "PUT pods/status 200"],
  );
  // A second ADD: the daemon remembers the refusal; each thin plugin process learns it anew.
  const ns2 = await env.extraNetns();
  const add2 = await env.cni({
    command: "ADD",
    pod: two,
    containerId: "ctr-rbac-two",
    netns: ns2.path,
  });
  assertEquals(add2.code, 0, add2.stdout + add2.stderr);
  assertEquals(env.networkStatus(two)?.map((s) => s["name"]), ["cluster"]);
  assertEquals(
    podRequests(env, "rbac-two"),
    thin()
      ? ["GET pods 200", "PATCH pods/status 403", "PUT pods/status 200"]
      : ["GET pods 200", "PUT pods/status 200"],
  );
  for (
    const [pod, cid, netns] of [[one, "ctr-rbac-one", env.netns.path], [
      two,
      "ctr-rbac-two",
      ns2.path,
    ]] as const
  ) {
    const del = await env.cni({ command: "DEL", pod, containerId: cid, netns });
    assertEquals(del.code, 0, del.stdout + del.stderr);
  }
  assertEquals(await env.leases(), []);
});

Deno.test("multus ADD under our ClusterRole (deployments/) writes network-status with one PATCH and is refused nothing", async () => {
  requireRoot();
  await using env = await multusEnv();
  env.api.setRbac(ourClusterRole());
  env.bridgeNad("default", "blue", "10.241.0.0/24");
  const pod = env.pod("ours", { [NETWORKS]: "blue" });
  env.api.clearLog();
  const add = await env.cni({ command: "ADD", pod, containerId: "ctr-ours" });
  assertEquals(add.code, 0, add.stdout + add.stderr);
  assertEquals(env.networkStatus(pod)?.map((s) => s["name"]), ["cluster", "default/blue"]);
  assertEquals(
    podRequests(env, "ours"),
    thin() ? ["GET pods 200", "PATCH pods/status 200"] : ["PATCH pods/status 200"],
  );
  await settleEvents(env);
  assertEquals(env.api.requests({ status: 403 }), [], "nothing refused, daemon's watches included");
});

Deno.test("multus ADD under Multus's ClusterRole still fails for a pod recreated under another UID as its status is written, and rolls back", async () => {
  requireRoot();
  await using env = await multusEnv();
  env.api.setRbac(MULTUS_CLUSTER_ROLE);
  env.bridgeNad("default", "blue", "10.241.0.0/24");
  const pod = env.pod("reborn", { [NETWORKS]: "blue" });
  const newUid = crypto.randomUUID();
  env.api.beforeNext({ resource: "pods", subresource: "status" }, () => {
    env.api.deletePod("default", "reborn");
    env.api.createPod({
      metadata: { name: "reborn", namespace: "default", uid: newUid },
      spec: { nodeName: "node1", containers: [{ name: "c", image: "pause" }] },
    });
  });
  const add = await env.cni({ command: "ADD", pod, containerId: "ctr-reborn" });
  assertEquals(add.code, 1, add.stdout + add.stderr);
  const prefix = `Multus: [default/reborn/${pod.uid}]: error setting the networks status: `;
  assertEquals(
    (add.json as { msg: string }).msg,
    prefix + (thin()
      // The PUT of the pod read at the start carries the old UID: 409 on the precondition.
      ? `SetNetworkStatus: pod default/reborn is no longer the pod with UID "${pod.uid}": ` +
        `Operation cannot be fulfilled on pods "reborn": Precondition failed: UID in precondition: ${pod.uid}, UID in object meta: ${newUid}`
      // The daemon reads the pod before its PUT and compares UIDs, as Multus does.
      : `SetNetworkStatus: expected pod default/reborn UID "${pod.uid}" but got "${newUid}" from Kube API`),
  );
  assertEquals((add.json as { code: number }).code, 11);
  assertEquals((await linksIn(env.netns.name)).map((l) => l.ifname), ["lo"]);
  assertEquals(await env.leases(), []);
  assertEquals(env.networkStatus(pod), undefined);
  await settleEvents(env);
  assertEquals(eventsOf(env, pod), []);
});

Deno.test("multus ADD retries a 409 Conflict on the status write after reading the pod again, under our ClusterRole and under Multus's", async () => {
  requireRoot();
  await using env = await multusEnv();
  const ours = env.pod("conflict-ours");
  const theirs = env.pod("conflict-theirs");
  env.api.setRbac(ourClusterRole());
  env.api.failNext(1, {
    code: 409,
    message: conflictMessage("conflict-ours"),
    match: { method: "PATCH", subresource: "status" },
  });
  env.api.clearLog();
  const add = await env.cni({ command: "ADD", pod: ours, containerId: "ctr-c1" });
  assertEquals(add.code, 0, add.stdout + add.stderr);
  assertEquals(env.networkStatus(ours)?.length, 1);
  assertEquals(
    podRequests(env, "conflict-ours"),
    [
      ...(thin() ? ["GET pods 200"] : []),
      "PATCH pods/status 409",
      "GET pods 200",
      "PATCH pods/status 200",
    ],
  );

  env.api.setRbac(MULTUS_CLUSTER_ROLE);
  env.api.failNext(1, {
    code: 409,
    message: conflictMessage("conflict-theirs"),
    match: { method: "PUT", subresource: "status" },
  });
  const ns2 = await env.extraNetns();
  const add2 = await env.cni({
    command: "ADD",
    pod: theirs,
    containerId: "ctr-c2",
    netns: ns2.path,
  });
  assertEquals(add2.code, 0, add2.stdout + add2.stderr);
  assertEquals(env.networkStatus(theirs)?.length, 1);
  assertEquals(
    podRequests(env, "conflict-theirs"),
    thin()
      ? [
        "GET pods 200",
        "PATCH pods/status 403",
        "PUT pods/status 409",
        "GET pods 200",
        "PUT pods/status 200",
      ]
      : [
        "PATCH pods/status 403",
        "GET pods 200",
        "PUT pods/status 409",
        "GET pods 200",
        "PUT pods/status 200",
      ],
  );
  for (
    const [pod, cid, netns] of [[ours, "ctr-c1", env.netns.path], [
      theirs,
      "ctr-c2",
      ns2.path,
    ]] as const
  ) {
    const del = await env.cni({ command: "DEL", pod, containerId: cid, netns });
    assertEquals(del.code, 0, del.stdout + del.stderr);
  }
});

Deno.test("multus ADD with a 409 on every try of the status write fails after 5 tries with the last error, rolls back and posts no event", async () => {
  requireRoot();
  await using env = await multusEnv();
  env.api.setRbac(MULTUS_CLUSTER_ROLE);
  env.bridgeNad("default", "blue", "10.241.0.0/24");
  const pod = env.pod("contended", { [NETWORKS]: "blue" });
  const put = { method: "PUT", subresource: "status" } as const;
  env.api.failNext(4, { code: 409, message: conflictMessage("contended"), match: put });
  const last = conflictMessage("contended", "the object has been modified (try 5)");
  env.api.failNext(1, { code: 409, message: last, match: put });
  env.api.clearLog();
  const add = await env.cni({ command: "ADD", pod, containerId: "ctr-contended" });
  assertEquals(add.code, 1, add.stdout + add.stderr);
  assertEquals(
    (add.json as { msg: string }).msg,
    `Multus: [default/contended/${pod.uid}]: error setting the networks status: ${last}`,
  );
  assertEquals(env.api.count({ method: "PUT", name: "contended" }), 5);
  assertEquals((await linksIn(env.netns.name)).map((l) => l.ifname), ["lo"]);
  assertEquals(await env.leases(), []);
  assertEquals(env.networkStatus(pod), undefined);
  const del = await env.cni({ command: "DEL", pod, containerId: "ctr-contended" });
  assertEquals(del.code, 0, del.stdout + del.stderr);
  await settleEvents(env);
  assertEquals(eventsOf(env, pod), [], "no AddedInterface for interfaces rolled back");
});

Deno.test("multus DEL posts no event: the runtime's clean-up DEL after an ADD that failed on a missing NAD adds no second NoNetworkFound", async () => {
  requireRoot();
  await using env = await multusEnv();
  const pod = env.pod("nonad", { [NETWORKS]: "missing" });
  const add = await env.cni({ command: "ADD", pod, containerId: "ctr-nonad" });
  assertEquals(add.code, 1, add.stdout + add.stderr);
  const del = await env.cni({ command: "DEL", pod, containerId: "ctr-nonad" });
  assertEquals(del.code, 0, del.stdout + del.stderr);
  await settleEvents(env);
  assertEquals(eventsOf(env, pod), [
    "NoNetworkFound cannot find a network-attachment-definition (missing) in namespace (default): " +
    'network-attachment-definitions.k8s.cni.cncf.io "missing" not found',
  ]);
});
