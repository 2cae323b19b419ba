/**
 * `perNodeCertificate` through `dist/bin/multus-daemon` against the API double: the
 * daemon asks for its node's client certificate with the bootstrap kubeconfig's token,
 * waits until it is issued, then makes every other request as `system:multus:<node>`;
 * a restart reuses the stored certificate; a denied request stops the daemon with a
 * message.
 */
import { assert, assertEquals } from "../support/assert.ts";
import { type DaemonEnv, daemonEnv } from "../support/daemon_env.ts";
import { waitReady } from "../support/daemon_env.ts";
import { requireRoot } from "../support/netns.ts";

const NODE_USER = "system:multus:node1";

function perNode(env: DaemonEnv, certDir: string): Record<string, unknown> {
  return {
    perNodeCertificate: {
      enabled: true,
      bootstrapKubeconfig: env.kubeconfig,
      certDir,
      certDuration: "1h",
    },
  };
}

/** Settles every pending CSR as it appears (issue with the test CA, or deny). */
function approver(env: DaemonEnv, deny?: string): { stop(): Promise<void> } {
  let running = true;
  const loop = (async () => {
    while (running) {
      for (const csr of env.api.csrs()) {
        const status = (csr["status"] ?? {}) as Record<string, unknown>;
        if (status["conditions"]) continue;
        const name = csr.metadata.name!;
        if (deny) {
          env.api.settleCsr(name, { deny });
        } else {
          const spec = csr["spec"] as { request: string };
          const certPem = await env.api.pki!.signCsr(atob(spec.request));
          env.api.settleCsr(name, { certPem });
        }
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
    },
  };
}

Deno.test("multus-daemon perNodeCertificate: CSR with the bootstrap token, then every request as the node", async () => {
  requireRoot();
  await using env = await daemonEnv();
  await env.daemon.stop();
  const certDir = `${env.root}/pki/multus`;
  const approve = approver(env);
  env.api.clearLog();
  try {
    await env.startDaemon({ config: perNode(env, certDir) });
  } finally {
    await approve.stop();
  }
  const csrs = env.api.csrs();
  assertEquals(csrs.length, 1);
  const spec = csrs[0]!["spec"] as Record<string, unknown>;
  assertEquals(spec["signerName"], "kubernetes.io/kube-apiserver-client");
  assertEquals(spec["usages"], ["digital signature", "client auth"]);
  assertEquals(spec["expirationSeconds"], 3600);
  const csrPost = env.api.requests().find((r) => r.resource === "certificatesigningrequests");
  assert(csrPost && csrPost.user !== NODE_USER, "the CSR is sent with the bootstrap credentials");
  const stored = await Deno.stat(`${certDir}/multus-client-current.pem`);
  assertEquals(stored.mode! & 0o777, 0o600);

  // The informers and an ADD's status write go as the node.
  env.bridgeNad("default", "blue", "10.241.0.0/24");
  const pod = env.pod("pernode", { "k8s.v1.cni.cncf.io/networks": "blue" });
  await new Promise((r) => setTimeout(r, 300)); // the informer sees the pod
  env.api.clearLog();
  const add = await env.shim({ command: "ADD", pod, containerId: "ctr-pernode" });
  assertEquals(add.code, 0, add.stdout + add.stderr + env.daemon.log());
  const patch = env.api.requests().find((r) => r.verb === "patch");
  assertEquals(patch?.user, NODE_USER);
  const watches = env.api.requests().filter((r) => r.verb === "watch" || r.verb === "list");
  for (const w of watches) assertEquals(w.user, NODE_USER, `${w.verb} ${w.resource}`);
  assertEquals(
    (await env.shim({ command: "DEL", pod, containerId: "ctr-pernode" })).code,
    0,
  );

  // A restart reuses the stored certificate: no new CSR, ready without an approver.
  await env.daemon.stop();
  await env.startDaemon({ config: perNode(env, certDir) });
  assertEquals(env.api.csrs().length, 1);
});

Deno.test("multus-daemon perNodeCertificate: a denied CSR stops the daemon with the reason; no node name is refused", async () => {
  requireRoot();
  await using env = await daemonEnv();
  await env.daemon.stop();
  const deny = approver(env, "not approved for this node");
  try {
    const d = await env.startDaemon({
      config: perNode(env, `${env.root}/denied`),
      waitReady: false,
    });
    assertEquals(await d.exited, 1);
    assert(
      /perNodeCertificate: certificate was not signed: CertificateSigningRequest csr-\w+ is Denied: not approved for this node/
        .test(d.log()),
      d.log(),
    );
  } finally {
    await deny.stop();
  }
  const anonymous = await env.startDaemon({
    config: perNode(env, `${env.root}/anon`),
    env: { MULTUS_NODE_NAME: "" },
    waitReady: false,
  });
  assertEquals(await anonymous.exited, 1);
  assert(
    anonymous.log().includes(
      "error getting node name for perNodeCertificate, please check manifest to have MULTUS_NODE_NAME",
    ),
    anonymous.log(),
  );
  assert(!(await waitReady(`${env.socketDir}multus.sock`, 200)));
});
