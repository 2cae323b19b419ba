import { deepStrictEqual as assertEquals, rejects } from "node:assert/strict";
import { CniError } from "../cni/error.ts";
import { KubeApiError, type KubeClient, type PodStatusPatch } from "../kube/mod.ts";
import type { Pod } from "./deps.ts";
import { silentLogger } from "../platform/log.ts";
import { NETWORK_STATUS_ANNOTATION, networkStatusWriter } from "./status_write.ts";

function apiError(code: number, method: string, message: string): KubeApiError {
  const reasons: Record<number, string> = { 403: "Forbidden", 404: "NotFound", 409: "Conflict" };
  return new KubeApiError(code, {
    method,
    path: "/api/v1/namespaces/ns/pods/p/status",
    status: { kind: "Status", code, reason: reasons[code] ?? "Unknown", message },
  });
}

const FORBIDDEN = apiError(
  403,
  "PATCH",
  'pods "p" is forbidden: User "multus" cannot patch resource "pods/status" in API group "" in the namespace "ns"',
);
const CONFLICT = (n: number) =>
  apiError(409, "PUT", `Operation cannot be fulfilled on pods "p": conflict ${n}`);

/** The pod as the API holds it: labels, annotations, spec and status of its own. */
function stored(uid = "u1", rv = "7"): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: "p",
      namespace: "ns",
      uid,
      resourceVersion: rv,
      labels: { app: "web" },
      annotations: { "x/y": "z" },
    },
    spec: { nodeName: "n1", containers: [{ name: "c", image: "pause" }] },
    status: { phase: "Pending" },
  };
}

/** A scripted client: each write answers with the next queued error, or succeeds. */
function fakeClient(opts: { patch?: Error[]; put?: Error[]; pod?: () => Pod | Error } = {}) {
  const calls: string[] = [];
  const puts: Pod[] = [];
  const client = {
    getPod(_ns: string, _name: string): Promise<Pod> {
      calls.push("GET");
      const pod = opts.pod ? opts.pod() : stored();
      return pod instanceof Error ? Promise.reject(pod) : Promise.resolve(pod);
    },
    patchPodStatus(_ns: string, _name: string, patch: PodStatusPatch): Promise<Pod> {
      calls.push(`PATCH uid=${patch.uid}`);
      const err = opts.patch?.shift();
      return err ? Promise.reject(err) : Promise.resolve(stored());
    },
    updatePodStatus(_ns: string, _name: string, pod: Pod): Promise<Pod> {
      calls.push(`PUT rv=${pod.metadata.resourceVersion} uid=${pod.metadata.uid}`);
      puts.push(pod);
      const err = opts.put?.shift();
      return err ? Promise.reject(err) : Promise.resolve(pod);
    },
  } as unknown as KubeClient;
  return { client, calls, puts };
}

function fakeClock() {
  const sleeps: number[] = [];
  return {
    sleeps,
    clock: { now: () => 0, sleep: (ms: number) => (sleeps.push(ms), Promise.resolve()) },
  };
}

const TRIMMED: Pod = { metadata: { name: "p", namespace: "ns", uid: "u1", resourceVersion: "7" } };

Deno.test("networkStatusWriter() writes with one merge patch carrying the UID when RBAC allows it", async () => {
  const { client, calls } = fakeClient();
  const w = networkStatusWriter(client, { logger: silentLogger });
  assertEquals(await w.writeNetworkStatus(TRIMMED, "[]"), true);
  assertEquals(calls, ["PATCH uid=u1"]);
});

Deno.test("networkStatusWriter() after a 403 on the patch reads the pod whole and PUTs it with uid and resourceVersion, and never patches again", async () => {
  const { client, calls, puts } = fakeClient({ patch: [FORBIDDEN] });
  const w = networkStatusWriter(client, { logger: silentLogger });
  assertEquals(await w.writeNetworkStatus(TRIMMED, "[1]"), true);
  assertEquals(calls, ["PATCH uid=u1", "GET", "PUT rv=7 uid=u1"]);
  const expected = stored();
  expected.metadata.annotations = { "x/y": "z", [NETWORK_STATUS_ANNOTATION]: "[1]" };
  assertEquals(puts[0], expected, "the whole pod, labels and other annotations kept");
  calls.length = 0;
  assertEquals(await w.writeNetworkStatus(TRIMMED, "[2]"), true);
  assertEquals(calls, ["GET", "PUT rv=7 uid=u1"]);
});

Deno.test("networkStatusWriter() PUTs a pod this process read whole without reading it again", async () => {
  const { client, calls, puts } = fakeClient({ patch: [FORBIDDEN] });
  const whole = stored();
  const wholePods = new WeakSet<object>([whole]);
  const w = networkStatusWriter(client, { logger: silentLogger, wholePods });
  assertEquals(await w.writeNetworkStatus(whole, "[1]"), true);
  assertEquals(calls, ["PATCH uid=u1", "PUT rv=7 uid=u1"]);
  assertEquals(whole.metadata.annotations, { "x/y": "z" }, "the caller's object is not changed");
  assertEquals(puts[0]?.metadata.annotations?.[NETWORK_STATUS_ANNOTATION], "[1]");
});

Deno.test("networkStatusWriter() retries a 409 as RetryOnConflict(DefaultRetry): re-reads the pod before each retry, 10-11 ms apart", async () => {
  const { client, calls } = fakeClient({ patch: [FORBIDDEN], put: [CONFLICT(1), CONFLICT(2)] });
  const { clock, sleeps } = fakeClock();
  const w = networkStatusWriter(client, { logger: silentLogger, clock, random: () => 0.5 });
  assertEquals(await w.writeNetworkStatus(TRIMMED, "[]"), true);
  assertEquals(calls, [
    "PATCH uid=u1",
    "GET",
    "PUT rv=7 uid=u1",
    "GET",
    "PUT rv=7 uid=u1",
    "GET",
    "PUT rv=7 uid=u1",
  ]);
  assertEquals(sleeps, [10.5, 10.5]);
});

Deno.test("networkStatusWriter() retries a conflicting patch too, re-reading the pod first", async () => {
  const { client, calls } = fakeClient({ patch: [CONFLICT(1)] });
  const { clock } = fakeClock();
  const w = networkStatusWriter(client, { logger: silentLogger, clock });
  assertEquals(await w.writeNetworkStatus(TRIMMED, "[]"), true);
  assertEquals(calls, ["PATCH uid=u1", "GET", "PATCH uid=u1"]);
});

Deno.test("networkStatusWriter() gives up after 5 tries with the last try's error", async () => {
  const conflicts = [1, 2, 3, 4, 5, 6].map(CONFLICT);
  const { client, calls } = fakeClient({ patch: [FORBIDDEN], put: conflicts });
  const { clock, sleeps } = fakeClock();
  const w = networkStatusWriter(client, { logger: silentLogger, clock, random: () => 0 });
  await rejects(
    w.writeNetworkStatus(TRIMMED, "[]"),
    (err: unknown) => err instanceof KubeApiError && err.message.endsWith("conflict 5"),
  );
  assertEquals(calls.filter((c) => c.startsWith("PUT")).length, 5);
  assertEquals(sleeps, [10, 10, 10, 10]);
});

Deno.test("networkStatusWriter() fails at once, without retrying, when the pod was recreated with another UID", async () => {
  const { client, calls } = fakeClient({ patch: [FORBIDDEN], pod: () => stored("u2") });
  const w = networkStatusWriter(client, { logger: silentLogger });
  await rejects(
    w.writeNetworkStatus(TRIMMED, "[]"),
    (err: unknown) =>
      err instanceof CniError && err.code === 11 &&
      err.message === 'SetNetworkStatus: expected pod ns/p UID "u1" but got "u2" from Kube API',
  );
  assertEquals(calls, ["PATCH uid=u1", "GET"]);
  const precondition = apiError(
    409,
    "PUT",
    'Operation cannot be fulfilled on pods "p": Precondition failed: UID in precondition: u1, UID in object meta: u2',
  );
  const put = fakeClient({ patch: [FORBIDDEN], put: [precondition] });
  const whole = stored();
  const w2 = networkStatusWriter(put.client, {
    logger: silentLogger,
    wholePods: new WeakSet([whole]),
  });
  await rejects(
    w2.writeNetworkStatus(whole, "[]"),
    (err: unknown) =>
      err instanceof CniError && err.message.includes('is no longer the pod with UID "u1"'),
  );
  assertEquals(put.calls, ["PATCH uid=u1", "PUT rv=7 uid=u1"]);
});

Deno.test("networkStatusWriter() tolerates a pod deleted before or during the write", async () => {
  const gone = apiError(404, "GET", 'pods "p" not found');
  const { client } = fakeClient({ patch: [FORBIDDEN], pod: () => gone });
  const w = networkStatusWriter(client, { logger: silentLogger });
  assertEquals(await w.writeNetworkStatus(TRIMMED, "[]"), false);
  const patched = fakeClient({ patch: [apiError(404, "PATCH", 'pods "p" not found')] });
  const w2 = networkStatusWriter(patched.client, { logger: silentLogger });
  assertEquals(await w2.writeNetworkStatus(TRIMMED, "[]"), false);
});
