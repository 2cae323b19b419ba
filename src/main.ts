/**
 * The one entry point of every mode. The mode comes from the name this file was run by
 * (argv[0]'s base name: `multus`, `multus-shim`, `multus-daemon`, `passthru`) or from a
 * sub-command (`multus daemon`, `multus version`, ...). Each mode's module is imported
 * lazily, so a plugin exec loads only what its mode needs.
 *
 * Help (`--help`, `-h`, `help [COMMAND]`) is only ever asked for by arguments: a CNI exec
 * (`CNI_COMMAND` set, or no arguments) runs its mode exactly as it always has, and the
 * command-line reader and the help texts are loaded only for the other command lines.
 *
 * @module
 */

async function main(): Promise<number> {
  const { programName } = await import("./platform/process.ts");
  const name = programName();
  let args = Deno.args;
  const usageError = async (message: string): Promise<number> => {
    const { processStdio } = await import("./platform/stdio.ts");
    processStdio.writeStderr(`${name}: ${message}\nRun '${name} --help' for usage.\n`);
    return 2;
  };
  if (args.length > 0 && Deno.env.get("CNI_COMMAND") === undefined) {
    const { readCommandLine } = await import("./cli/command_line.ts");
    const line = readCommandLine(name, args);
    if (line.kind === "usage_error") return await usageError(line.message);
    if (line.kind === "help") {
      const { helpText } = await import("./cli/help.ts");
      const { processStdio } = await import("./platform/stdio.ts");
      processStdio.writeStdout(helpText(line.topic));
      return 0;
    }
    args = line.args;
  }
  const [sub, ...rest] = args;
  if (sub === "--version" || sub === "-v" || sub === "version") {
    const { printVersion } = await import("./version.ts");
    return printVersion(name);
  }
  if (sub === "install") {
    const { runInstall } = await import("./install/main.ts");
    return await runInstall(rest);
  }
  if (sub === "doctor") {
    const { runDoctor } = await import("./doctor/main.ts");
    return await runDoctor(rest);
  }
  if (sub === "explain") {
    const { runExplain } = await import("./tools/explain_main.ts");
    return await runExplain(rest);
  }
  if (name === "multus-daemon" || sub === "daemon") {
    const { runDaemon } = await import("./daemon/main.ts");
    return name === "multus-daemon"
      ? await runDaemon(args, { program: name })
      : await runDaemon(rest, { program: `${name} daemon` });
  }
  if (name === "multus-shim" || sub === "shim") {
    const { runShim } = await import("./shim/main.ts");
    const { delOnNode } = await import("./multus/del_on_node.ts");
    return await runShim({ localDel: delOnNode });
  }
  if (name === "passthru" || sub === "passthru") {
    const { runPassthru } = await import("./passthru/main.ts");
    return await runPassthru();
  }
  if (sub !== undefined && !sub.startsWith("-")) {
    return await usageError(`unknown sub-command "${sub}" (${rest.length} more arguments)`);
  }
  const { warmUpTlsEntropy, willUseKubernetes } = await import("./platform/tls_warmup.ts");
  const { processStdio } = await import("./platform/stdio.ts");
  if (willUseKubernetes(Deno.env.get("CNI_COMMAND"), processStdio, Deno.env.toObject())) {
    warmUpTlsEntropy();
  }
  const { runThinPlugin } = await import("./multus/main.ts");
  return await runThinPlugin();
}

Deno.exit(await main());
