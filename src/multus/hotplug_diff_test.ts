import { assertEquals } from "../../tests/support/assert.ts";
import type { DelegateConf } from "../engine/multus.ts";
import { diffAttachments, type HotplugDiff, type RecordedAttachment } from "./hotplug_diff.ts";

function nad(name: string, extra: Partial<DelegateConf> = {}): DelegateConf {
  return { name, confName: name, type: "bridge", isConflist: false, bytes: "{}", ...extra };
}

function rec(name: string, ifName: string, extra: Partial<DelegateConf> = {}): RecordedAttachment {
  return { delegate: nad(name, extra), ifName };
}

function diff(recorded: RecordedAttachment[], desired: DelegateConf[]): HotplugDiff {
  return diffAttachments({
    recordedBase: ["cluster"],
    desiredBase: ["cluster"],
    recorded,
    desired,
    reserved: ["eth0"],
  });
}

function summary(d: HotplugDiff): unknown {
  if (d.kind === "refused") return d.reason;
  return {
    names: d.secondaries.map((s) => `${s.name}@${s.ifnameRequest}`),
    added: d.added,
    removed: d.removed.map((r) => `${r.delegate.name}@${r.ifName}`),
  };
}

Deno.test("diffAttachments() adds new networks with the first free net<N> and keeps the others' names", () => {
  assertEquals(summary(diff([rec("ns/a", "net1")], [nad("ns/a"), nad("ns/b"), nad("ns/c")])), {
    names: ["ns/a@net1", "ns/b@net2", "ns/c@net3"],
    added: [1, 2],
    removed: [],
  });
});

Deno.test("diffAttachments() removes what the annotation dropped and never reuses its name", () => {
  const d = diff([rec("ns/a", "net1"), rec("ns/b", "net2")], [nad("ns/b"), nad("ns/c")]);
  assertEquals(summary(d), {
    names: ["ns/b@net2", "ns/c@net3"],
    added: [1],
    removed: ["ns/a@net1"],
  });
});

Deno.test("diffAttachments() matches a named interface by name and an unnamed one by network", () => {
  const recorded = [rec("ns/a", "a0"), rec("ns/a", "net2")];
  assertEquals(summary(diff(recorded, [nad("ns/a")])), {
    names: ["ns/a@net2"],
    added: [],
    removed: ["ns/a@a0"],
  });
  assertEquals(summary(diff(recorded, [nad("ns/a", { ifnameRequest: "a0" })])), {
    names: ["ns/a@a0"],
    added: [],
    removed: ["ns/a@net2"],
  });
});

Deno.test("diffAttachments() finds nothing to do when nothing changed", () => {
  const d = diff([rec("ns/a", "net1"), rec("ns/b", "b0")], [
    nad("ns/a"),
    nad("ns/b", { ifnameRequest: "b0" }),
  ]);
  assertEquals(summary(d), { names: ["ns/a@net1", "ns/b@b0"], added: [], removed: [] });
});

Deno.test("diffAttachments() refuses a rename in place, default-route changes and a new cluster network", () => {
  const refused = (d: HotplugDiff) => d.kind === "refused" ? d.reason.split(":")[0] : "allowed";
  assertEquals(
    refused(diff([rec("ns/a", "a0")], [nad("ns/a", { ifnameRequest: "a1" })])),
    "interface a0 of network ns/a cannot be renamed to a1 in place",
  );
  assertEquals(
    refused(diff([], [nad("ns/a", { gatewayRequest: ["10.0.0.1"] })])),
    "network ns/a asks for default-route",
  );
  assertEquals(
    refused(diff([rec("ns/a", "net1", { gatewayRequest: [] })], [])),
    "network ns/a (net1) carries the default route",
  );
  assertEquals(
    refused(
      diff([rec("ns/a", "net1", { gatewayRequest: ["10.0.0.1"] })], [
        nad("ns/a", { gatewayRequest: ["10.0.0.2"] }),
      ]),
    ),
    "default-route of network ns/a (net1) changed",
  );
  assertEquals(
    refused(diffAttachments({
      recordedBase: ["cluster"],
      desiredBase: ["kube-system/other"],
      recorded: [],
      desired: [],
      reserved: [],
    })),
    'the cluster network of a running pod cannot change (recorded ["cluster"], requested ["kube-system/other"])',
  );
  assertEquals(
    refused(diff([rec("ns/a", "net1", { gatewayRequest: ["10.0.0.1"] })], [
      nad("ns/a", { gatewayRequest: ["10.0.0.1"] }),
      nad("ns/b"),
    ])),
    "allowed",
  );
});
