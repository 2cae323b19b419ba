/**
 * A CRI `runtime.v1.RuntimeService` client over the runtime's unix socket, as kubelet
 * speaks it: gRPC over HTTP/2 (the product's `grpcUnary`), messages from `cri_proto.ts`.
 * Every call has a deadline, so a hung runtime fails the test instead of hanging it.
 *
 * @module
 */
import { grpcUnary } from "../../src/platform/grpc_unix.ts";
import { mapField, messageFields, ProtoWriter, stringField, uintField } from "./cri_proto.ts";

/** A port mapping of a sandbox (`hostPort` in a pod spec). */
export interface CriPortMapping {
  protocol?: "TCP" | "UDP" | "SCTP";
  containerPort: number;
  hostPort: number;
  hostIp?: string;
}

/** What RunPodSandbox is asked for (kubelet's `PodSandboxConfig`, the fields tests use). */
export interface SandboxSpec {
  /** `metadata.name`, `.namespace` and `.uid`: the pod's, as kubelet sends them. */
  name: string;
  namespace: string;
  uid: string;
  attempt?: number;
  hostname?: string;
  portMappings?: CriPortMapping[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** `linux.cgroup_parent`. */
  cgroupParent?: string;
}

/** The answer of PodSandboxStatus. */
export interface SandboxStatus {
  id: string;
  name: string;
  namespace: string;
  uid: string;
  state: "READY" | "NOTREADY";
  /** `network.ip`, then `network.additional_ips`. */
  ips: string[];
  /** The verbose `info` map (containerd: key `info`, JSON). */
  info: Record<string, string>;
}

/** A sandbox of ListPodSandbox. */
export interface SandboxListItem {
  id: string;
  name: string;
  namespace: string;
  uid: string;
  state: "READY" | "NOTREADY";
}

/** A runtime condition of Status (`RuntimeReady`, `NetworkReady`). */
export interface RuntimeCondition {
  type: string;
  status: boolean;
  reason: string;
  message: string;
}

/** The RuntimeService calls the tier makes. */
export interface CriClient {
  version(): Promise<{ runtimeName: string; runtimeVersion: string; runtimeApiVersion: string }>;
  status(): Promise<RuntimeCondition[]>;
  /** Returns the sandbox ID. */
  runPodSandbox(spec: SandboxSpec, opts?: { timeoutMs?: number }): Promise<string>;
  podSandboxStatus(id: string, opts?: { verbose?: boolean }): Promise<SandboxStatus>;
  stopPodSandbox(id: string): Promise<void>;
  removePodSandbox(id: string): Promise<void>;
  listPodSandbox(): Promise<SandboxListItem[]>;
  /** ImageService.ImageStatus: whether the runtime's CRI image store holds `ref`. */
  imageExists(ref: string): Promise<boolean>;
}

const SERVICE = "/runtime.v1.RuntimeService";
const IMAGES = "/runtime.v1.ImageService";
const PROTOCOLS = { TCP: 0, UDP: 1, SCTP: 2 } as const;

function metadata(buf: Uint8Array | undefined): { name: string; uid: string; namespace: string } {
  const m = buf ?? new Uint8Array(0);
  return { name: stringField(m, 1), uid: stringField(m, 2), namespace: stringField(m, 3) };
}

function sandboxConfig(spec: SandboxSpec): ProtoWriter {
  const w = new ProtoWriter()
    .message(
      1,
      new ProtoWriter().string(1, spec.name).string(2, spec.uid).string(3, spec.namespace)
        .uint(4, spec.attempt ?? 0),
    )
    .string(2, spec.hostname ?? spec.name);
  for (const p of spec.portMappings ?? []) {
    w.message(
      5,
      new ProtoWriter().uint(1, PROTOCOLS[p.protocol ?? "TCP"]).uint(2, p.containerPort)
        .uint(3, p.hostPort).string(4, p.hostIp),
    );
  }
  w.map(6, spec.labels).map(7, spec.annotations);
  // linux: cgroup_parent 1, security_context 2 (namespace_options 1: network POD = 0).
  w.message(
    8,
    new ProtoWriter().string(1, spec.cgroupParent).message(
      2,
      new ProtoWriter().message(1, new ProtoWriter()),
    ),
  );
  return w;
}

/**
 * A client for the runtime listening on `socket`. Each call fails with
 * `<Method>: rpc error: ...` (the runtime's gRPC status and message) or after `timeoutMs`.
 */
export function criClient(socket: string, opts: { timeoutMs?: number } = {}): CriClient {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  async function call(
    method: string,
    req: ProtoWriter,
    ms = timeoutMs,
    service = SERVICE,
  ): Promise<Uint8Array> {
    try {
      return await grpcUnary(socket, `${service}/${method}`, req.finish(), {
        timeoutMs: ms,
        maxMessageBytes: 16 * 1024 * 1024,
      });
    } catch (err) {
      throw new Error(`${method}: ${(err as Error).message}`);
    }
  }
  return {
    async version() {
      const r = await call("Version", new ProtoWriter().string(1, "v1"));
      return {
        runtimeName: stringField(r, 2),
        runtimeVersion: stringField(r, 3),
        runtimeApiVersion: stringField(r, 4),
      };
    },
    async status() {
      const r = await call("Status", new ProtoWriter());
      const status = messageFields(r, 1)[0] ?? new Uint8Array(0);
      return messageFields(status, 1).map((c) => ({
        type: stringField(c, 1),
        status: uintField(c, 2) === 1,
        reason: stringField(c, 3),
        message: stringField(c, 4),
      }));
    },
    async runPodSandbox(spec, o = {}) {
      const r = await call(
        "RunPodSandbox",
        new ProtoWriter().message(1, sandboxConfig(spec)),
        o.timeoutMs ?? timeoutMs,
      );
      return stringField(r, 1);
    },
    async podSandboxStatus(id, o = {}) {
      const r = await call(
        "PodSandboxStatus",
        new ProtoWriter().string(1, id).uint(2, o.verbose ?? false),
      );
      const s = messageFields(r, 1)[0] ?? new Uint8Array(0);
      const network = messageFields(s, 5)[0] ?? new Uint8Array(0);
      const ips = [
        stringField(network, 1),
        ...messageFields(network, 2).map((p) => stringField(p, 1)),
      ]
        .filter((ip) => ip !== "");
      return {
        id: stringField(s, 1),
        ...metadata(messageFields(s, 2)[0]),
        state: uintField(s, 3) === 0 ? "READY" : "NOTREADY",
        ips,
        info: mapField(r, 2),
      };
    },
    async stopPodSandbox(id) {
      await call("StopPodSandbox", new ProtoWriter().string(1, id));
    },
    async removePodSandbox(id) {
      await call("RemovePodSandbox", new ProtoWriter().string(1, id));
    },
    async listPodSandbox() {
      const r = await call("ListPodSandbox", new ProtoWriter());
      return messageFields(r, 1).map((item) => ({
        id: stringField(item, 1),
        ...metadata(messageFields(item, 2)[0]),
        state: uintField(item, 3) === 0 ? "READY" : "NOTREADY",
      }));
    },
    async imageExists(ref) {
      // ImageStatusRequest{image 1: ImageSpec{image 1}} -> ImageStatusResponse{image 1}.
      const r = await call(
        "ImageStatus",
        new ProtoWriter().message(1, new ProtoWriter().string(1, ref)),
        timeoutMs,
        IMAGES,
      );
      return messageFields(r, 1).length > 0;
    },
  };
}

/**
 * The network namespace path of a sandbox from its verbose status (containerd's `info`
 * JSON: `runtimeSpec.linux.namespaces[type=network].path`), or undefined.
 */
export function sandboxNetnsPath(status: SandboxStatus): string | undefined {
  const raw = status.info["info"];
  if (!raw) return undefined;
  const info = JSON.parse(raw) as {
    runtimeSpec?: { linux?: { namespaces?: Array<{ type?: string; path?: string }> } };
  };
  return info.runtimeSpec?.linux?.namespaces?.find((n) => n.type === "network")?.path;
}
