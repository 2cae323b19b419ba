/**
 * Network namespaces and links for integration tests, created with `ip` and always
 * removed. Names carry the `cnitest` prefix so a leak is easy to spot.
 *
 * @module
 */

const decoder = new TextDecoder();

/** Runs `ip` with `args`; returns stdout. Throws with stderr on failure. */
export async function ip(...args: string[]): Promise<string> {
  const out = await new Deno.Command("ip", { args, stdout: "piped", stderr: "piped" }).output();
  if (!out.success) {
    throw new Error(`ip ${args.join(" ")} failed: ${decoder.decode(out.stderr).trim()}`);
  }
  return decoder.decode(out.stdout);
}

/** Runs `ip -j <args>` and parses the JSON. */
export async function ipJson<T = unknown>(...args: string[]): Promise<T> {
  const text = await ip("-j", ...args);
  return (text.trim() ? JSON.parse(text) : []) as T;
}

let counter = 0;

/** A short unique name: `<prefix><pid-ish><counter>`, at most 15 bytes. */
export function uniqueName(prefix = "cnit"): string {
  const id = `${(Deno.pid % 10000).toString(36)}${(counter++).toString(36)}${
    Math.floor(Math.random() * 1296).toString(36)
  }`;
  return `${prefix}${id}`.slice(0, 15);
}

/** A network namespace that exists until `remove()` (or `await using`). */
export interface Netns extends AsyncDisposable {
  name: string;
  path: string;
  remove(): Promise<void>;
}

/** Creates a network namespace `cnitest-<unique>`. */
export async function createNetns(): Promise<Netns> {
  const name = `cnitest-${uniqueName("")}`;
  await ip("netns", "add", name);
  const remove = async (): Promise<void> => {
    await ip("netns", "del", name).catch(() => {});
  };
  return { name, path: `/var/run/netns/${name}`, remove, [Symbol.asyncDispose]: remove };
}

/** An address of `ip -j addr`. */
export interface AddrInfo {
  family: string;
  local: string;
  prefixlen: number;
}

/** A link of `ip -j addr`. */
export interface LinkAddrs {
  ifname: string;
  address?: string;
  "addr_info": AddrInfo[];
  operstate?: string;
}

/** The links and addresses inside namespace `ns`. */
export function linksIn(ns: string): Promise<LinkAddrs[]> {
  return ipJson<LinkAddrs[]>("-n", ns, "addr");
}

/** The link named `ifname` inside `ns`, or undefined. */
export async function linkIn(ns: string, ifname: string): Promise<LinkAddrs | undefined> {
  return (await linksIn(ns)).find((l) => l.ifname === ifname);
}

/** A route of `ip -j route`. */
export interface RouteInfo {
  dst: string;
  gateway?: string;
  dev: string;
}

/** The IPv4 routes inside `ns`. */
export function routesIn(ns: string, family: "-4" | "-6" = "-4"): Promise<RouteInfo[]> {
  return ipJson<RouteInfo[]>("-n", ns, family, "route");
}

/** Whether a host link exists. */
export async function hostLinkExists(name: string): Promise<boolean> {
  try {
    await ip("link", "show", "dev", name);
    return true;
  } catch {
    return false;
  }
}

/** Deletes a host link; a missing one is fine. */
export async function deleteHostLink(name: string): Promise<void> {
  await ip("link", "del", "dev", name).catch(() => {});
}

/**
 * A veth pair on the host whose first end is up and usable as a macvlan parent (this
 * kernel has no `dummy` links). Removing one end removes both.
 */
export async function createVethParent(): Promise<{ name: string } & AsyncDisposable> {
  const name = uniqueName("cnip");
  const peer = uniqueName("cniq");
  await ip("link", "add", name, "type", "veth", "peer", "name", peer);
  await ip("link", "set", name, "up");
  await ip("link", "set", peer, "up");
  return { name, [Symbol.asyncDispose]: () => deleteHostLink(name) };
}

/** True when running as root (the integration tier needs it). */
export function isRoot(): boolean {
  return Deno.uid() === 0;
}

/** Throws a clear error when not root: integration tests never skip silently. */
export function requireRoot(): void {
  if (!isRoot()) {
    throw new Error("integration tests must run as root (they create network namespaces)");
  }
}
