/**
 * The `passthru` plugin: the first element of an auxiliary CNI chain. ADD returns an
 * empty result in the config's version; every other command succeeds doing nothing.
 *
 * @module
 */
import type { PluginFuncs } from "../cni/skel.ts";
import type { CniResult } from "../cni/types.ts";

/** Versions passthru accepts (as Multus's passthru: chaining needs >= 0.3.0). */
export const PASSTHRU_VERSIONS = ["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"] as const;

/** passthru's commands. */
export const passthruFuncs: PluginFuncs = {
  add(args): Promise<CniResult> {
    return Promise.resolve({
      cniVersion: args.cniVersion,
      interfaces: [],
      ips: [],
      routes: [],
      dns: {},
    });
  },
  del: (): Promise<void> => Promise.resolve(),
  check: (): Promise<void> => Promise.resolve(),
  gc: (): Promise<void> => Promise.resolve(),
  status: (): Promise<void> => Promise.resolve(),
};
