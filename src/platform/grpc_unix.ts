/**
 * One unary gRPC call over a unix socket (`node:http2`), for the kubelet's pod-resources
 * API. Loaded lazily: only a pod whose NAD names a device resource needs it.
 *
 * @module
 */
import http2 from "node:http2";
import net from "node:net";

/** Options of {@linkcode grpcUnary}. */
export interface GrpcCallOptions {
  /** The whole call, connection included. */
  timeoutMs: number;
  /** The largest response message accepted. */
  maxMessageBytes: number;
}

/** The gRPC framing of one message: no compression, 4-byte big-endian length. */
function frame(message: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + message.length);
  new DataView(out.buffer).setUint32(1, message.length);
  out.set(message, 5);
  return out;
}

/**
 * Calls `method` (`/package.Service/Method`) with the encoded `request` and returns the
 * encoded response message.
 *
 * @throws {Error} `rpc error: code = <n> desc = <message>` for a gRPC status, or the
 *   connection's error, or `context deadline exceeded` after `timeoutMs`.
 */
export function grpcUnary(
  socket: string,
  method: string,
  request: Uint8Array,
  opts: GrpcCallOptions,
): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const client = http2.connect("http://localhost", {
      createConnection: () => net.connect(socket),
    });
    const finish = (err: Error | null, value?: Uint8Array): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.destroy();
      if (err) reject(err);
      else resolve(value!);
    };
    const timer = setTimeout(
      () => finish(new Error(`rpc error: context deadline exceeded after ${opts.timeoutMs} ms`)),
      opts.timeoutMs,
    );
    client.on("error", (err: Error) => finish(err));
    const req = client.request({
      ":method": "POST",
      ":path": method,
      "content-type": "application/grpc",
      te: "trailers",
    });
    const chunks: Uint8Array[] = [];
    let size = 0;
    let status: string | undefined;
    let message = "";
    const readStatus = (h: Record<string, unknown>): void => {
      if (h["grpc-status"] !== undefined) status = String(h["grpc-status"]);
      if (h["grpc-message"] !== undefined) message = decodeURIComponent(String(h["grpc-message"]));
    };
    req.on("response", (h: Record<string, unknown>) => readStatus(h));
    req.on("trailers", (h: Record<string, unknown>) => readStatus(h));
    req.on("data", (c: Uint8Array) => {
      size += c.length;
      if (size > opts.maxMessageBytes + 5) {
        finish(new Error(`rpc error: the response is larger than ${opts.maxMessageBytes} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.on("error", (err: Error) => finish(err));
    req.on("end", () => {
      if (status !== undefined && status !== "0") {
        finish(new Error(`rpc error: code = ${status} desc = ${message}`));
        return;
      }
      const body = new Uint8Array(size);
      let off = 0;
      for (const c of chunks) {
        body.set(c, off);
        off += c.length;
      }
      if (body.length < 5) {
        finish(new Error("rpc error: the response holds no message"));
        return;
      }
      if (body[0] !== 0) {
        finish(new Error("rpc error: compressed responses are not supported"));
        return;
      }
      const len = new DataView(body.buffer, body.byteOffset).getUint32(1);
      if (5 + len > body.length) {
        finish(new Error("rpc error: the response message is cut short"));
        return;
      }
      finish(null, body.slice(5, 5 + len));
    });
    req.end(frame(request));
  });
}
