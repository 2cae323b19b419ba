/**
 * A stand-in for the kubelet's PodResources gRPC service on a unix socket (`node:http2`):
 * `List` answers the pods it was given, encoded as `v1.ListPodResourcesResponse`;
 * `status` makes every call fail with that gRPC status instead.
 *
 * @module
 */
import http2, { type IncomingHttpHeaders, type ServerHttp2Stream } from "node:http2";

/** One pod's devices, per container. */
export interface PodDevices {
  namespace: string;
  name: string;
  containers: Array<
    { name: string; devices: Array<{ resourceName: string; deviceIds: string[] }> }
  >;
}

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

function field(num: number, body: Uint8Array): number[] {
  return [...varint(num * 8 + 2), ...varint(body.length), ...body];
}

const str = (num: number, s: string): number[] => field(num, new TextEncoder().encode(s));

/** Encodes a `v1.ListPodResourcesResponse`. */
export function encodeListResponse(pods: PodDevices[]): Uint8Array {
  const out: number[] = [];
  for (const p of pods) {
    const containers = p.containers.map((c) => {
      const devs = c.devices.map((d) =>
        new Uint8Array([...str(1, d.resourceName), ...d.deviceIds.flatMap((id) => str(2, id))])
      );
      return new Uint8Array([...str(1, c.name), ...devs.flatMap((d) => field(2, d))]);
    });
    const pod = new Uint8Array([
      ...str(1, p.name),
      ...str(2, p.namespace),
      ...containers.flatMap((c) => field(3, c)),
    ]);
    out.push(...field(1, pod));
  }
  return new Uint8Array(out);
}

/** A running stand-in. */
export interface FakeKubelet extends AsyncDisposable {
  /** Requests seen (`:path`). */
  calls: string[];
  /** Makes every later call fail with this gRPC status and message. */
  fail(status: number, message: string): void;
}

/** Serves `pods` on `socket` (its directory must exist). */
export async function fakeKubeletPodResources(
  socket: string,
  pods: PodDevices[],
): Promise<FakeKubelet> {
  const calls: string[] = [];
  let failure: { status: number; message: string } | null = null;
  const server = http2.createServer();
  server.on("stream", (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
    calls.push(String(headers[":path"]));
    stream.on("data", () => {});
    stream.on("end", () => {
      if (failure) {
        stream.respond({
          ":status": 200,
          "content-type": "application/grpc",
          "grpc-status": String(failure.status),
          "grpc-message": encodeURIComponent(failure.message),
        }, { endStream: true });
        return;
      }
      if (headers[":path"] !== "/v1.PodResourcesLister/List") {
        stream.respond(
          { ":status": 200, "content-type": "application/grpc", "grpc-status": "12" },
          {
            endStream: true,
          },
        );
        return;
      }
      const msg = encodeListResponse(pods);
      const framed = new Uint8Array(5 + msg.length);
      new DataView(framed.buffer).setUint32(1, msg.length);
      framed.set(msg, 5);
      stream.respond({ ":status": 200, "content-type": "application/grpc" }, {
        waitForTrailers: true,
      });
      stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
      stream.end(framed);
    });
  });
  await new Promise<void>((resolve) => server.listen(socket, () => resolve()));
  return {
    calls,
    fail(status, message) {
      failure = { status, message };
    },
    async [Symbol.asyncDispose]() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Deno.remove(socket).catch(() => {});
    },
  };
}
