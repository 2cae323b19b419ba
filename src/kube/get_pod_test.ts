import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import { CniError } from "../cni/error.ts";
import { TransportError } from "../platform/http.ts";
import type { CallOptions } from "./client.ts";
import { KubeApiError } from "./errors.ts";
import { getPodWithRetry, isStaticPod, type PodGetter, type PollClock } from "./get_pod.ts";
import type { Pod } from "./types.ts";

const POD: Pod = { metadata: { name: "p", namespace: "ns", uid: "api-uid" } };

function apiError(code: number, reason: string, message: string): KubeApiError {
  return new KubeApiError(code, {
    method: "GET",
    path: "/x",
    status: { kind: "Status", code, reason, message },
  });
}

const notFound = () => apiError(404, "NotFound", 'pods "p" not found');
const unavailable = () =>
  apiError(503, "ServiceUnavailable", "the server is currently unable to handle the request");
const refused = () => new TransportError("refused", 'Get "x": connect: connection refused');

class FakeClock implements PollClock {
  t = 0;
  sleeps: number[] = [];
  now(): number {
    return this.t;
  }
  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.t += ms;
    return Promise.resolve();
  }
}

/** A getter answering from a script of outcomes (the last one repeats). */
function scripted(...outcomes: Array<Pod | Error>): PodGetter & { calls: CallOptions[] } {
  const calls: CallOptions[] = [];
  return {
    calls,
    getPod(_ns: string, _name: string, opts?: CallOptions): Promise<Pod> {
      calls.push(opts ?? {});
      const o = outcomes[Math.min(calls.length - 1, outcomes.length - 1)]!;
      return o instanceof Error ? Promise.reject(o) : Promise.resolve(o);
    },
  };
}

const base = { namespace: "ns", name: "p", command: "ADD" as const };

Deno.test("getPodWithRetry() returns the pod at once with a per-call timeout of one poll", async () => {
  const src = scripted(POD);
  const clock = new FakeClock();
  assertEquals(await getPodWithRetry(src, { ...base, clock }), { pod: POD });
  assertEquals(src.calls, [{ timeoutMs: 250 }]);
  assertEquals(clock.sleeps, []);
});

Deno.test("getPodWithRetry() retries 503 and refused connections every 250 ms", async () => {
  const src = scripted(unavailable(), refused(), POD);
  const clock = new FakeClock();
  assertEquals(await getPodWithRetry(src, { ...base, clock }), { pod: POD });
  assertEquals(clock.sleeps, [250, 250]);
});

Deno.test("getPodWithRetry() does not retry NotFound without retryNotFound", async () => {
  const src = scripted(notFound());
  assertEquals(await getPodWithRetry(src, { ...base, clock: new FakeClock() }), { notFound: true });
  assertEquals(src.calls.length, 1);
});

Deno.test("getPodWithRetry() retries NotFound for 2.5 s with retryNotFound, then reports the pod absent", async () => {
  const src = scripted(notFound());
  const clock = new FakeClock();
  const r = await getPodWithRetry(src, { ...base, clock, retryNotFound: true, pollMs: 50 });
  assertEquals(r, { notFound: true });
  assertEquals(src.calls.length, 51);
  ok(clock.t <= 2_500);
});

Deno.test("getPodWithRetry() finds a pod that appears while retrying NotFound", async () => {
  const src = scripted(notFound(), notFound(), POD);
  assertEquals(
    await getPodWithRetry(src, { ...base, clock: new FakeClock(), retryNotFound: true }),
    { pod: POD },
  );
});

Deno.test("getPodWithRetry() makes one live GET with the normal timeout after the poll gives up", async () => {
  const polled = scripted(unavailable());
  const live = scripted(POD);
  const clock = new FakeClock();
  assertEquals(await getPodWithRetry(polled, { ...base, clock, live }), { pod: POD });
  assertEquals(polled.calls.length, 11, "at 0, 250, ..., 2500 ms");
  assertEquals(live.calls, [{}]);
});

Deno.test("getPodWithRetry() throws 'error waiting for pod' when the live GET fails too", async () => {
  const src = scripted(apiError(401, "Unauthorized", "Unauthorized"));
  await rejects(getPodWithRetry(src, { ...base, clock: new FakeClock() }), (e: unknown) => {
    ok(e instanceof CniError);
    assertEquals([e.code, e.message], [999, "error waiting for pod: Unauthorized"]);
    return true;
  });
  assertEquals(src.calls.length, 2, "non-retriable: no polling, then the one live GET");
});

Deno.test("getPodWithRetry() reports the pod absent when the final live GET says NotFound", async () => {
  const src = scripted(unavailable(), unavailable(), unavailable(), notFound());
  assertEquals(await getPodWithRetry(src, { ...base, clock: new FakeClock(), totalMs: 500 }), {
    notFound: true,
  });
});

Deno.test("getPodWithRetry() fails an ADD when the pod UID differs from K8S_POD_UID", async () => {
  await rejects(
    getPodWithRetry(scripted(POD), { ...base, uid: "cni-uid", clock: new FakeClock() }),
    (e: unknown) => {
      assertEquals(
        (e as Error).message,
        'expected pod UID "cni-uid" but got "api-uid" from Kube API',
      );
      return e instanceof CniError;
    },
  );
});

Deno.test("getPodWithRetry() warns and treats the pod as absent on a DEL with another UID", async () => {
  const r = await getPodWithRetry(scripted(POD), {
    ...base,
    command: "DEL",
    uid: "cni-uid",
    clock: new FakeClock(),
  });
  assertEquals(r, {
    notFound: true,
    warning:
      'pod ns/p: expected pod UID "cni-uid" but got "api-uid" from Kube API; treating the pod as gone',
  });
});

Deno.test("getPodWithRetry() skips the UID check for static pods and empty K8S_POD_UID", async () => {
  const mirror: Pod = {
    metadata: { ...POD.metadata, annotations: { "kubernetes.io/config.source": "file" } },
  };
  assertEquals(
    await getPodWithRetry(scripted(mirror), { ...base, uid: "cni-uid", clock: new FakeClock() }),
    { pod: mirror },
  );
  assertEquals(await getPodWithRetry(scripted(POD), { ...base, uid: "", clock: new FakeClock() }), {
    pod: POD,
  });
  assertEquals(
    await getPodWithRetry(scripted(POD), { ...base, uid: "api-uid", clock: new FakeClock() }),
    { pod: POD },
  );
});

Deno.test("isStaticPod() is true only for a config.source other than api", () => {
  const withSource = (s?: string): Pod => ({
    metadata: s === undefined ? {} : { annotations: { "kubernetes.io/config.source": s } },
  });
  assertEquals(
    [withSource(), withSource("api"), withSource("file"), withSource("http")].map(isStaticPod),
    [false, false, true, true],
  );
});
