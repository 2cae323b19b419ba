/**
 * The effects every mode runs Multus with on the real node (processes, files, network
 * namespaces through `nsenter`, the process environment, real time). Each composition root
 * (thin plugin, daemon, the shim's local DEL, `multus explain`, `multus doctor`) adds what
 * differs: its Kubernetes access and its own extras.
 *
 * @module
 */
import { denoExec } from "../platform/exec.ts";
import { denoFs, type Fs } from "../platform/fs.ts";
import type { Logger } from "../platform/log.ts";
import { processEnv } from "../platform/process.ts";
import type { MultusDeps } from "./deps.ts";
import { nsenterNetnsOps } from "./netns_ops.ts";

/** Options of {@linkcode nodeDeps}. */
export interface NodeDepsOptions {
  /** The file system (default {@linkcode denoFs}). */
  fs?: Fs;
}

/**
 * {@linkcode MultusDeps} over the real node, with `kube` as the Kubernetes access and the
 * file system `opts.fs`.
 */
export function nodeDeps(
  logger: Logger,
  kube: MultusDeps["kube"],
  opts: NodeDepsOptions = {},
): MultusDeps {
  const fs = opts.fs ?? denoFs;
  return {
    exec: denoExec,
    fs,
    logger,
    kube,
    netns: nsenterNetnsOps(denoExec, fs),
    env: processEnv.toObject(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now: () => Date.now(),
  };
}
