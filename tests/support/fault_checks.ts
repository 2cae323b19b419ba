/**
 * Invariants the fault suite (`tests/integration/faults_*_test.ts`) asserts after each
 * injected fault, never timings: no interface left in the pods' namespaces or enslaved to
 * the test's bridges on the host, no host-local lease, no file under the cache dir
 * (scratch caches, libcni result caches, temp files), the daemon alive and `/healthz` 200.
 * Plus the few process helpers the faults need.
 *
 * @module
 */
import { assert, assertEquals } from "./assert.ts";
import { ipJson, linksIn, type Netns } from "./netns.ts";
import { filesUnder } from "./cni_runtime.ts";
import type { DaemonEnv } from "./daemon_env.ts";
import { waiter } from "./eventually.ts";

/** What {@linkcode assertNodeClean} looks at. */
export interface CleanScope {
  /** Pod namespaces that must hold nothing but `lo`. */
  netns: Netns[];
  /** Host bridges that must have no port left (a veth per attachment). */
  bridges: string[];
}

/** Asserts the node holds nothing of any pod and the daemon serves. */
export async function assertNodeClean(env: DaemonEnv, scope: CleanScope): Promise<void> {
  for (const ns of scope.netns) {
    const links = (await linksIn(ns.name)).map((l) => l.ifname);
    assertEquals(links, ["lo"], `links left in ${ns.name}`);
  }
  const bridges = new Set(scope.bridges);
  const ports = (await ipJson<{ ifname: string; master?: string }[]>("-j", "link", "show"))
    .filter((l) => l.master !== undefined && bridges.has(l.master))
    .map((l) => `${l.ifname}@${l.master}`);
  assertEquals(ports, [], "host veth ends left on the test's bridges");
  assertEquals(await env.leases(), [], "host-local leases left");
  assertEquals(await filesUnder(env.cniDir), [], "files left under the cache dir");
  await assertDaemonServes(env);
}

/** Asserts the current daemon process is alive and `/healthz` answers 200. */
export async function assertDaemonServes(env: DaemonEnv): Promise<void> {
  const state = await Deno.readTextFile(`/proc/${env.daemon.pid}/stat`).catch(() => "");
  assert(state !== "" && !/^\d+ \(.*\) [ZX]/.test(state), "the daemon is not running");
  const health = await env.request("GET", "/healthz");
  assertEquals(health.status, 200, `/healthz: ${health.body}`);
}

/** Every descendant process of `pid` (children first found first). */
export async function descendants(pid: number): Promise<number[]> {
  const out: number[] = [];
  const walk = async (p: number): Promise<void> => {
    let tasks: string[] = [];
    try {
      for await (const t of Deno.readDir(`/proc/${p}/task`)) tasks.push(t.name);
    } catch {
      tasks = [];
    }
    for (const t of tasks) {
      const text = await Deno.readTextFile(`/proc/${p}/task/${t}/children`).catch(() => "");
      for (const c of text.trim().split(/\s+/).filter(Boolean).map(Number)) {
        out.push(c);
        await walk(c);
      }
    }
  };
  await walk(pid);
  return out;
}

/** Sends SIGKILL to each of `pids` still alive (processes the test's daemon started). */
export function killAll(pids: number[]): void {
  for (const p of pids) {
    try {
      Deno.kill(p, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

/** Waits until `check()` holds (polling); throws naming `what` after `ms`. */
export const eventually = waiter({ ms: 60_000 });
