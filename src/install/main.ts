/**
 * Composition root of `multus install`: parses the flags, wires the real file system
 * and runs {@linkcode install}.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { denoFs } from "../platform/fs.ts";
import { currentExecutable, denoExecutableFiles } from "../platform/self.ts";
import { processStdio, type Stdio } from "../platform/stdio.ts";
import { install, InstallError, type InstallType } from "./install.ts";

/**
 * The flags of `multus install`, as `node:util` `parseArgs` options. Multus's
 * `install_multus` has `-t/--type` and `-d/--dest-dir`; `--source`, `--multus-conf-file`
 * and `--cni-conf-dir` are ours (the last two named as in Multus's thin_entrypoint).
 */
export const INSTALL_FLAGS = {
  type: { type: "string", short: "t" },
  "dest-dir": { type: "string", short: "d", default: "/host/opt/cni/bin" },
  source: { type: "string", short: "s" },
  "multus-conf-file": { type: "string" },
  "cni-conf-dir": { type: "string", default: "/host/etc/cni/net.d" },
  help: { type: "boolean", short: "h" },
} as const;

/** The text `multus install --help` prints. */
export const INSTALL_HELP = `Usage: multus install --type thick|thin [options]

Copies this executable into the node's CNI bin dir as multus-shim (thick) or multus
(thin), plus passthru. Each file is written as a temp file in the destination dir and
renamed over the old one, so a runtime executing the old file is never disturbed.

  -t, --type thick|thin       which plugin to install (required)
  -d, --dest-dir DIR          the CNI bin dir as mounted here (default /host/opt/cni/bin)
  -s, --source FILE           the executable to copy (default: this executable)
      --multus-conf-file FILE also install this CNI config file into --cni-conf-dir
      --cni-conf-dir DIR      the CNI config dir as mounted here (default /host/etc/cni/net.d)
  -h, --help                  this text

Images carry the deno compile'd executable, which is self-contained. A launcher build
(dist/bin/multus when deno compile had no denort) is a small shell script naming the
absolute paths of deno and of dist/lib on the machine it was built on: copying it works,
but the copy runs only where those paths exist.
`;

/** Overrides of the real effects (tests). */
export interface RunInstallOptions {
  stdio?: Stdio;
  /** The executable `--source` defaults to (else the running one). */
  self?: string | null;
}

/** Runs `multus install <args>`; returns the exit code (0 ok, 1 on any error, as Multus). */
export async function runInstall(args: string[], opts: RunInstallOptions = {}): Promise<number> {
  const stdio = opts.stdio ?? processStdio;
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: INSTALL_FLAGS,
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    stdio.writeStderr(`multus install: ${msg}\n${INSTALL_HELP}`);
    return 1;
  }
  if (values.help) {
    stdio.writeStdout(INSTALL_HELP);
    return 0;
  }
  if (values.type !== "thick" && values.type !== "thin") {
    stdio.writeStderr("--type is missing or --type has invalid value\n");
    return 1;
  }
  const type: InstallType = values.type;
  const source = values.source ?? (opts.self !== undefined ? opts.self : currentExecutable());
  if (!source) {
    stdio.writeStderr(
      "multus install: cannot tell which executable this is (not a deno compile'd binary " +
        "nor the dist/ launcher); pass --source\n",
    );
    return 1;
  }
  const confFile = values["multus-conf-file"];
  if (confFile === "auto") {
    stdio.writeStderr(
      "multus install: --multus-conf-file=auto (generating the config) is not supported; " +
        "give a config file\n",
    );
    return 1;
  }
  try {
    await install({
      type,
      source,
      destDir: values["dest-dir"],
      confDir: values["cni-conf-dir"],
      ...(confFile !== undefined ? { confFile } : {}),
    }, {
      files: denoExecutableFiles,
      fs: denoFs,
      out: (line) => stdio.writeStdout(`${line}\n`),
      now: () => Date.now(),
      tag: () => crypto.randomUUID().slice(0, 8),
    });
    return 0;
  } catch (err) {
    // InstallError says which file failed; anything else is still a message, not a trace.
    const msg = err instanceof InstallError
      ? err.message
      : `multus install: ${err instanceof Error ? err.message : String(err)}`;
    stdio.writeStderr(`${msg}\n`);
    return 1;
  }
}
