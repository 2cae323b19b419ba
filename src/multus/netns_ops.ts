/**
 * {@linkcode NetnsOps} over `nsenter --net=<path>` and `ip`: namespaces are never
 * entered in-process. Listing links is one exec; default-route edits are one `ip
 * -batch` exec per address family.
 *
 * @module
 */
import type { Exec } from "../platform/exec.ts";
import type { Fs } from "../platform/fs.ts";
import type { NetnsOps } from "./deps.ts";

const NSENTER = ["/usr/bin/nsenter", "/bin/nsenter", "/usr/sbin/nsenter"];
const IP = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"];

async function firstExisting(paths: string[], fs: Pick<Fs, "stat">): Promise<string> {
  for (const p of paths) if ((await fs.stat(p))?.isFile) return p;
  throw new Error(`none of ${paths.join(", ")} exists`);
}

/** Network-namespace effects through `nsenter` and `ip`. */
export function nsenterNetnsOps(exec: Exec, fs: Pick<Fs, "stat">): NetnsOps {
  let tools: Promise<{ nsenter: string; ip: string }> | undefined;
  const resolve = (): Promise<{ nsenter: string; ip: string }> =>
    tools ??= Promise.all([firstExisting(NSENTER, fs), firstExisting(IP, fs)]).then((
      [nsenter, ip],
    ) => ({ nsenter, ip }));

  async function ipIn(netns: string, args: string[], stdin = ""): Promise<string> {
    const { nsenter, ip } = await resolve();
    const out = await exec.run({
      path: nsenter,
      args: [`--net=${netns}`, ip, ...args],
      env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" },
      stdin,
      timeoutMs: 10_000,
    });
    if (out.code !== 0) {
      throw new Error((out.stderr || out.stdout || `exit ${out.code}`).trim());
    }
    return out.stdout;
  }

  return {
    async exists(netns: string): Promise<boolean> {
      return netns !== "" && (await fs.stat(netns)) !== null;
    },
    async linkNames(netns: string): Promise<string[]> {
      const text = await ipIn(netns, ["-j", "link", "show"]);
      const links = text.trim() ? JSON.parse(text) as Array<{ ifname: string }> : [];
      return links.map((l) => l.ifname);
    },
    async applyDefaultRoutes(netns, ifName, actions): Promise<void> {
      const v4 = actions.add.filter((gw) => !gw.includes(":"));
      const v6 = actions.add.filter((gw) => gw.includes(":"));
      const batch = (del: boolean, dst: string, gws: string[]): string[] => [
        ...(del ? [`route flush exact ${dst} dev ${ifName}`] : []),
        ...gws.map((gw) => `route replace default via ${gw} dev ${ifName}`),
      ];
      const four = batch(actions.deleteV4, "0.0.0.0/0", v4);
      const six = batch(actions.deleteV6, "::/0", v6);
      if (four.length) await ipIn(netns, ["-4", "-batch", "-"], four.join("\n") + "\n");
      if (six.length) await ipIn(netns, ["-6", "-batch", "-"], six.join("\n") + "\n");
    },
  };
}
