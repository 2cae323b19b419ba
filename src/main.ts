/**
 * The one entry point of every mode. The mode comes from the name this file was run by
 * (argv[0]'s base name: `multus`, `multus-shim`, `multus-daemon`, `passthru`) or from a
 * sub-command (`multus daemon`, `multus version`, ...). Each mode's module is imported
 * lazily, so a plugin exec loads only what its mode needs.
 *
 * @module
 */

async function main(): Promise<number> {
  const { programName } = await import("./platform/process.ts");
  const name = programName();
  const [sub, ...rest] = Deno.args;
  if (sub === "--version" || sub === "-v" || sub === "version") {
    const { printVersion } = await import("./version.ts");
    return printVersion(name);
  }
  if (sub === "install") {
    const { runInstall } = await import("./install/main.ts");
    return await runInstall(rest);
  }
  if (name === "multus-daemon" || sub === "daemon") {
    const { runDaemon } = await import("./daemon/main.ts");
    return await runDaemon(name === "multus-daemon" ? Deno.args : rest);
  }
  if (name === "multus-shim" || sub === "shim") {
    const { runShim } = await import("./shim/main.ts");
    return await runShim();
  }
  if (name === "passthru" || sub === "passthru") {
    const { runPassthru } = await import("./passthru/main.ts");
    return await runPassthru();
  }
  if (sub !== undefined && !sub.startsWith("-")) {
    const { processStdio } = await import("./platform/stdio.ts");
    processStdio.writeStderr(
      `${name}: unknown sub-command "${sub}" (${rest.length} more arguments)\n`,
    );
    return 2;
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
