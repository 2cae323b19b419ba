import assert from "node:assert/strict";
import { call } from "./_testing.ts";
import { type KubeApiDouble, startKubeApiDouble } from "./server.ts";

const TOKEN = "writer-token";
const POD = "/api/v1/namespaces/ns/pods/p";
const STATUS = `${POD}/status`;
const NETWORK_STATUS = "k8s.v1.cni.cncf.io/network-status";

async function withPod(fn: (api: KubeApiDouble) => Promise<void>): Promise<void> {
  const api = await startKubeApiDouble({ tokens: [TOKEN] });
  try {
    api.createPod({ metadata: { name: "p", namespace: "ns" }, spec: { nodeName: "n1" } });
    await fn(api);
  } finally {
    await api.stop();
  }
}

type Obj = Record<string, unknown> & { metadata: Record<string, unknown> };

async function read(api: KubeApiDouble): Promise<Obj> {
  return (await call(api, POD, { token: TOKEN })).body as Obj;
}

Deno.test("handleUpdate() stores status and annotations but not spec when PUT to pods/status", async () => {
  await withPod(async (api) => {
    const pod = await read(api);
    pod.metadata["annotations"] = { [NETWORK_STATUS]: "[]" };
    pod["spec"] = { nodeName: "elsewhere" };
    pod["status"] = { phase: "Running" };
    const { status, body } = await call(api, STATUS, { token: TOKEN, method: "PUT", body: pod });
    assert.equal(status, 200);
    const stored = api.getPod("ns", "p");
    assert.equal(stored?.metadata.annotations?.[NETWORK_STATUS], "[]");
    assert.equal(stored?.spec?.nodeName, "n1");
    assert.equal(stored?.status?.phase, "Running");
    assert.equal((body as Obj).metadata["resourceVersion"], stored?.metadata.resourceVersion);
    assert.ok(Number(stored?.metadata.resourceVersion) > Number(pod.metadata["resourceVersion"]));
  });
});

Deno.test("handleUpdate() answers 409 Conflict when the resourceVersion is stale", async () => {
  await withPod(async (api) => {
    const pod = await read(api);
    api.updatePod("ns", "p", (p) => {
      p.metadata.labels = { changed: "yes" };
    });
    pod.metadata["annotations"] = { a: "b" };
    const { status, body } = await call(api, STATUS, { token: TOKEN, method: "PUT", body: pod });
    assert.equal(status, 409);
    assert.deepEqual(body, {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: 'Operation cannot be fulfilled on pods "p": the object has been modified; ' +
        "please apply your changes to the latest version and try again",
      reason: "Conflict",
      details: { name: "p", kind: "pods" },
      code: 409,
    });
  });
});

Deno.test("handleUpdate() writes unconditionally when the resourceVersion is empty", async () => {
  await withPod(async (api) => {
    const pod = await read(api);
    api.updatePod("ns", "p", (p) => {
      p.metadata.labels = { changed: "yes" };
    });
    pod.metadata["resourceVersion"] = "";
    pod["status"] = { phase: "Running" };
    const { status } = await call(api, STATUS, { token: TOKEN, method: "PUT", body: pod });
    assert.equal(status, 200);
    assert.equal(api.getPod("ns", "p")?.status?.phase, "Running");
  });
});

Deno.test("handleUpdate() keeps status when PUT to the pod itself", async () => {
  await withPod(async (api) => {
    const pod = await read(api);
    pod["status"] = { phase: "Failed" };
    pod.metadata["labels"] = { a: "1" };
    const { status } = await call(api, POD, { token: TOKEN, method: "PUT", body: pod });
    assert.equal(status, 200);
    const stored = api.getPod("ns", "p");
    assert.equal(stored?.status?.phase, "Pending");
    assert.deepEqual(stored?.metadata.labels, { a: "1" });
  });
});

Deno.test("handleUpdate() answers 400 when the body names another object", async () => {
  await withPod(async (api) => {
    const pod = await read(api);
    pod.metadata["name"] = "q";
    const { status, body } = await call(api, POD, { token: TOKEN, method: "PUT", body: pod });
    assert.equal(status, 400);
    assert.equal(
      body["message"],
      "the name of the object (q) does not match the name on the URL (p)",
    );
  });
});

Deno.test("handlePatch() applies merge, strategic-merge and JSON patches to pods/status", async () => {
  await withPod(async (api) => {
    const merge = await call(api, STATUS, {
      token: TOKEN,
      method: "PATCH",
      contentType: "application/merge-patch+json",
      body: { metadata: { annotations: { a: "1", b: "2" } }, spec: { nodeName: "x" } },
    });
    assert.equal(merge.status, 200);
    const strategic = await call(api, STATUS, {
      token: TOKEN,
      method: "PATCH",
      contentType: "application/strategic-merge-patch+json",
      body: { metadata: { annotations: { b: null } }, status: { phase: "Running" } },
    });
    assert.equal(strategic.status, 200);
    const json = await call(api, STATUS, {
      token: TOKEN,
      method: "PATCH",
      contentType: "application/json-patch+json",
      body: [
        { op: "test", path: "/metadata/annotations/a", value: "1" },
        {
          op: "add",
          path: `/metadata/annotations/${NETWORK_STATUS.replace("/", "~1")}`,
          value: "[]",
        },
      ],
    });
    assert.equal(json.status, 200);
    const stored = api.getPod("ns", "p");
    assert.deepEqual(stored?.metadata.annotations, { a: "1", [NETWORK_STATUS]: "[]" });
    assert.equal(stored?.status?.phase, "Running");
    assert.equal(stored?.spec?.nodeName, "n1");
  });
});

Deno.test("handlePatch() answers 409 when the patch carries a stale resourceVersion", async () => {
  await withPod(async (api) => {
    const { status, body } = await call(api, STATUS, {
      token: TOKEN,
      method: "PATCH",
      contentType: "application/merge-patch+json",
      body: { metadata: { resourceVersion: "1", annotations: { a: "1" } } },
    });
    assert.equal(status, 409);
    assert.equal(body["reason"], "Conflict");
    const current = api.getPod("ns", "p")?.metadata.resourceVersion;
    const ok = await call(api, STATUS, {
      token: TOKEN,
      method: "PATCH",
      contentType: "application/merge-patch+json",
      body: { metadata: { resourceVersion: current, annotations: { a: "1" } } },
    });
    assert.equal(ok.status, 200);
  });
});

Deno.test("handlePatch() answers 415 when the content type is not a patch type", async () => {
  await withPod(async (api) => {
    const { status, body } = await call(api, STATUS, {
      token: TOKEN,
      method: "PATCH",
      contentType: "application/json",
      body: { metadata: {} },
    });
    assert.equal(status, 415);
    assert.equal(body["reason"], "UnsupportedMediaType");
  });
});

Deno.test("handlePatch() answers 422 when a JSON patch test fails", async () => {
  await withPod(async (api) => {
    const { status, body } = await call(api, STATUS, {
      token: TOKEN,
      method: "PATCH",
      contentType: "application/json-patch+json",
      body: [{ op: "test", path: "/status/phase", value: "Running" }],
    });
    assert.equal(status, 422);
    assert.equal(body["reason"], "Invalid");
  });
});

Deno.test("handleCreate() stores core and events.k8s.io events with generated names", async () => {
  const api = await startKubeApiDouble({ tokens: [TOKEN] });
  try {
    const core = await call(api, "/api/v1/namespaces/ns/events", {
      token: TOKEN,
      method: "POST",
      body: {
        metadata: { generateName: "p." },
        involvedObject: { kind: "Pod", namespace: "ns", name: "p" },
        reason: "AddedInterface",
        message: "Add net1 [10.1.1.3/24] from ns/net1",
        type: "Normal",
      },
    });
    assert.equal(core.status, 201);
    const meta = core.body["metadata"] as Record<string, string>;
    assert.match(meta["name"] ?? "", /^p\.[a-z0-9]{5}$/);
    assert.ok(meta["uid"] && meta["resourceVersion"]);
    assert.equal(core.body["kind"], "Event");
    const v1 = await call(api, "/apis/events.k8s.io/v1/namespaces/ns/events", {
      token: TOKEN,
      method: "POST",
      body: {
        metadata: { name: "e1" },
        regarding: { kind: "Pod", name: "p" },
        reason: "AddedInterface",
        note: "x",
        type: "Normal",
      },
    });
    assert.equal(v1.status, 201);
    assert.equal(v1.body["apiVersion"], "events.k8s.io/v1");
    const again = await call(api, "/apis/events.k8s.io/v1/namespaces/ns/events", {
      token: TOKEN,
      method: "POST",
      body: { metadata: { name: "e1" } },
    });
    assert.equal(again.status, 409);
    assert.equal(again.body["reason"], "AlreadyExists");
    assert.equal(again.body["message"], 'events.events.k8s.io "e1" already exists');
    assert.equal(api.events({ reason: "AddedInterface", objectName: "p" }).length, 2);
    assert.equal(api.events({ api: "core" }).length, 1);
  } finally {
    await api.stop();
  }
});

Deno.test("handleCreate() answers 422 when neither name nor generateName is set", async () => {
  const api = await startKubeApiDouble({ tokens: [TOKEN] });
  try {
    const { status, body } = await call(api, "/api/v1/namespaces/ns/pods", {
      token: TOKEN,
      method: "POST",
      body: { metadata: {} },
    });
    assert.equal(status, 422);
    assert.equal(
      body["message"],
      'Pod "" is invalid: metadata.name: Required value: name or generateName is required',
    );
  } finally {
    await api.stop();
  }
});

Deno.test("handleDelete() returns the pod but a Success Status for a NAD", async () => {
  await withPod(async (api) => {
    const created = await call(api, "/api/v1/namespaces/ns/pods", {
      token: TOKEN,
      method: "POST",
      body: { metadata: { name: "q", uid: "ignored" }, spec: {} },
    });
    assert.equal(created.status, 201);
    assert.notEqual((created.body as Obj).metadata["uid"], "ignored");
    const pod = await call(api, "/api/v1/namespaces/ns/pods/q", { token: TOKEN, method: "DELETE" });
    assert.equal(pod.status, 200);
    assert.equal(pod.body["kind"], "Pod");
    assert.equal(api.getPod("ns", "q"), undefined);
    const nad = api.createNad("ns", "n", {});
    const path = "/apis/k8s.cni.cncf.io/v1/namespaces/ns/network-attachment-definitions/n";
    const gone = await call(api, path, { token: TOKEN, method: "DELETE" });
    assert.equal(gone.status, 200);
    assert.deepEqual(gone.body["details"], {
      name: "n",
      group: "k8s.cni.cncf.io",
      kind: "network-attachment-definitions",
      uid: nad.metadata.uid,
    });
    assert.equal(gone.body["status"], "Success");
  });
});
