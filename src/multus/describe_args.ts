/**
 * The CNI arguments of an invocation as Multus's debug lines print them.
 *
 * @module
 */
import type { CmdArgs } from "../cni/skel.ts";

/** The CNI arguments of an invocation for a debug log line (no stdin: it may be large). */
export function describeArgs(args: CmdArgs): string {
  return `ContainerID:${JSON.stringify(args.containerId)} Netns:${
    JSON.stringify(args.netns)
  } IfName:${JSON.stringify(args.ifName)} Args:${JSON.stringify(args.args)} Path:${
    JSON.stringify(args.path)
  }`;
}
