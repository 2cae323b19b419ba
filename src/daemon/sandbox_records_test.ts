import { assertEquals } from "../../tests/support/assert.ts";
import { denoFs } from "../platform/fs.ts";
import { type SandboxRecord, SandboxRecords } from "./sandbox_records.ts";

function record(containerId: string, extra: Partial<SandboxRecord> = {}): SandboxRecord {
  return {
    containerId,
    netns: `/var/run/netns/${containerId}`,
    ifName: "eth0",
    cniArgs: "K8S_POD_NAMESPACE=ns;K8S_POD_NAME=web",
    cniPath: "/opt/cni/bin",
    stdinText: "{}",
    podNamespace: "ns",
    podName: "web",
    podUid: "u1",
    addedAt: 1,
    ...extra,
  };
}

Deno.test("SandboxRecords.forPod() returns the newest record of the pod and UID", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const records = new SandboxRecords(denoFs, `${dir}/sandboxes/`);
    await records.write(record("old", { addedAt: 1 }));
    await records.write(record("new", { addedAt: 2 }));
    await records.write(record("other", { podName: "db", addedAt: 3 }));
    await records.write(record("../escape"));
    assertEquals((await records.forPod("ns", "web"))?.containerId, "new");
    assertEquals(await records.forPod("ns", "web", "u2"), null);
    assertEquals((await records.list()).length, 3);
    await records.remove("new");
    assertEquals((await records.forPod("ns", "web", "u1"))?.containerId, "old");
    await Deno.writeTextFile(`${dir}/sandboxes/torn.json`, "{");
    assertEquals((await records.list()).length, 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("SandboxRecords.list() is empty when the directory does not exist", async () => {
  assertEquals(await new SandboxRecords(denoFs, "/nonexistent/sandboxes").list(), []);
});
