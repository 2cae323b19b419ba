/**
 * `POST /delegate`: one delegate for a running pod, as dynamic-attachment controllers
 * (multus-dynamic-networks-controller) call it to hot-plug or unplug an interface. The
 * request's config is the delegate's own CNI config; `interfaceAttributes` carry the
 * requested IPs, MAC and cni-args; the interface name is `CNI_IFNAME`. ADD and DEL need
 * the pod to exist; unlike CNI DEL, a failed DEL is reported (the pod keeps running).
 *
 * @module
 */
import { CniCode, CniError } from "../cni/error.ts";
import type { CniResult } from "../cni/types.ts";
import { loadDelegate, parseK8sArgs, parseMultusConf, planPodNetworks } from "../engine/multus.ts";
import type { MultusDeps } from "../multus/deps.ts";
import { addDelegate, checkDelegate, delDelegate, multusRuntime } from "../multus/delegates.ts";
import { statusNetworkList } from "../cni/conflist.ts";
import type { CniRequest } from "./cni_request.ts";

/** Runs one `/delegate` request. */
export async function runDelegateRequest(
  req: CniRequest,
  deps: MultusDeps,
  opts: { overlay: Record<string, unknown> },
): Promise<CniResult | void> {
  const { args } = req;
  // The Multus config of a delegate request is the defaults plus the daemon config.
  const conf = parseMultusConf(
    JSON.stringify({ clusterNetwork: "delegate-request", ...opts.overlay }),
    { overlay: {} },
  );
  const k8s = parseK8sArgs(args.args);
  const attrs = req.interfaceAttributes ?? {};
  const delegate = loadDelegate(args.stdinText, {
    element: {
      name: "",
      namespace: req.podNamespace,
      interface: args.ifName,
      ...(attrs.ips ? { ips: attrs.ips } : {}),
      ...(attrs.mac ? { mac: attrs.mac } : {}),
      ...(attrs["cni-args"] ? { cniArgs: attrs["cni-args"] } : {}),
    },
  });
  const plan = planPodNetworks({
    conf,
    containerId: args.containerId,
    netns: args.netns,
    ifName: args.ifName,
    cniArgs: args.args,
    k8sArgs: k8s,
    delegates: [delegate],
    command: req.command === "ADD" || req.command === "DEL" || req.command === "CHECK"
      ? req.command
      : "ADD",
    secondaryOnly: true,
    uniqueArgs: true,
  });
  const d = plan.delegates[0]!;
  const rt = multusRuntime(conf, deps, args.path);
  const kube = await deps.kube({ kubeconfig: "" });
  if (req.command === "ADD" || req.command === "DEL") {
    const pod = kube
      ? await kube.pods.getPod(req.podNamespace, req.podName, { uid: k8s.podUid, isDel: false })
      : null;
    if (kube && !pod) {
      throw new CniError(
        CniCode.UnknownContainer,
        `pod ${req.podNamespace}/${req.podName} not found during Multus GetPod`,
      );
    }
    if (req.command === "ADD") {
      try {
        return await addDelegate(d, rt, deps);
      } catch (err) {
        throw CniError.from(err).withPrefix(
          `error configuring pod [${req.podNamespace}/${req.podName}] networking: `,
        );
      }
    }
    return await delDelegate(d, rt, { deps });
  }
  if (req.command === "CHECK") return await checkDelegate(d, rt, deps);
  if (req.command === "STATUS") return await statusNetworkList(d.list, rt);
  throw new CniError(CniCode.InvalidEnvironment, `unknown cmd type: ${req.command}`);
}
