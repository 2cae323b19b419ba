import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Stdio } from "../platform/stdio.ts";
import { INSTALL_FLAGS, INSTALL_HELP, runInstall } from "./main.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");

function recordingStdio(): Stdio & { out: string; err: string } {
  const io = {
    out: "",
    err: "",
    readStdin: () => new Uint8Array(0),
    writeStdout(text: string) {
      io.out += text;
    },
    writeStderr(text: string) {
      io.err += text;
    },
  };
  return io;
}

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "multus-install-main-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("runInstall() rejects a missing or unknown --type with Multus's message and exit 1", async () => {
  for (const args of [[], ["--type", "thicc"], ["-t", ""], ["--dest-dir", "/tmp"]]) {
    const io = recordingStdio();
    assertEquals(await runInstall(args, { stdio: io, self: "/x" }), 1, args.join(" "));
    assertEquals(io.err, "--type is missing or --type has invalid value\n");
    assertEquals(io.out, "");
  }
});

Deno.test("runInstall() rejects unknown flags and positionals, printing the usage", async () => {
  for (const args of [["--type", "thin", "--bogus"], ["--type", "thin", "extra"]]) {
    const io = recordingStdio();
    assertEquals(await runInstall(args, { stdio: io, self: "/x" }), 1);
    assert(io.err.startsWith("multus install: "), io.err);
    assert(io.err.includes("Usage: multus install"), io.err);
  }
});

Deno.test("runInstall() --help prints the usage and exits 0", async () => {
  const io = recordingStdio();
  assertEquals(await runInstall(["-h"], { stdio: io }), 0);
  assertEquals(io.out, INSTALL_HELP);
  assert(INSTALL_HELP.includes("Copies this executable file"), INSTALL_HELP);
  assert(INSTALL_HELP.includes("\nExamples:\n  # thick"), "the help has examples");
  assert(!INSTALL_HELP.includes("launcher"), "the help does not describe a build");
});

Deno.test("INSTALL_HELP's examples use only flags multus install accepts", () => {
  const examples = INSTALL_HELP.slice(INSTALL_HELP.indexOf("\nExamples:\n"));
  const lines = examples.split("\n").filter((l) => l.trim().startsWith("multus install"));
  assert(lines.length >= 2, examples);
  for (const line of lines) {
    for (const flag of line.match(/ --?[a-z-]+/g) ?? []) {
      const name = flag.trim().replace(/^--?/, "");
      const known = Object.entries(INSTALL_FLAGS).some(([long, o]) =>
        flag.startsWith(" --") ? long === name : "short" in o && o.short === name
      );
      assert(known, `${line}: ${flag.trim()}`);
    }
  }
});

Deno.test("runInstall() needs --source when it cannot tell its own executable", async () => {
  const io = recordingStdio();
  assertEquals(await runInstall(["--type", "thin"], { stdio: io, self: null }), 1);
  assert(io.err.includes("pass --source"), io.err);
});

Deno.test("runInstall() refuses --multus-conf-file=auto for thick mode (the daemon generates that config)", async () => {
  const io = recordingStdio();
  const args = ["--type", "thick", "--multus-conf-file=auto"];
  assertEquals(await runInstall(args, { stdio: io, self: "/x", env: {} }), 1);
  assert(io.err.includes("--multus-conf-file=auto is for thin mode"), io.err);
});

Deno.test("runInstall() thin in a pod: binary, kubeconfig, then the config generated from the primary", async () => {
  await withTempDir(async (dir) => {
    const source = join(dir, "multus");
    await Deno.writeTextFile(source, "#!/bin/sh\n", { mode: 0o755 });
    for (const d of ["bin", "net.d", "sa"]) await Deno.mkdir(join(dir, d));
    await Deno.writeTextFile(join(dir, "sa/token"), "tok");
    await Deno.writeTextFile(
      join(dir, "sa/ca.crt"),
      "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
    );
    await Deno.writeTextFile(
      join(dir, "net.d/10-flannel.conflist"),
      '{"cniVersion":"0.3.1","name":"cbr0","plugins":[{"type":"flannel"},' +
        '{"type":"portmap","capabilities":{"portMappings":true}}]}',
    );
    const io = recordingStdio();
    const args = [
      "--type=thin",
      `--dest-dir=${join(dir, "bin")}`,
      `--source=${source}`,
      "--multus-conf-file=auto",
      `--cni-conf-dir=${join(dir, "net.d")}`,
      `--multus-autoconfig-dir=${join(dir, "net.d")}`,
      `--service-account-dir=${join(dir, "sa")}`,
      "--multus-log-to-stderr=false",
      "--namespace-isolation=true",
      "--multus-log-level=VERBOSE",
    ];
    const env = { KUBERNETES_SERVICE_HOST: "fd00::1", KUBERNETES_SERVICE_PORT: "6443" };
    assertEquals(await runInstall(args, { stdio: io, env }), 0, io.err);
    const kubeconfig = join(dir, "net.d/multus.d/multus.kubeconfig");
    const conf = join(dir, "net.d/00-multus.conf");
    assertEquals(io.out.split("\n"), [
      "multus multus copy succeeded!",
      `passthru cni ${source} copy succeeded!`,
      `multus kubeconfig ${kubeconfig} written`,
      `multus config ${conf} generated from ${join(dir, "net.d/10-flannel.conflist")}`,
      "",
    ]);
    const k = JSON.parse(await Deno.readTextFile(kubeconfig));
    assertEquals(k.clusters[0].cluster.server, "https://[fd00::1]:6443");
    const c = JSON.parse(await Deno.readTextFile(conf));
    assertEquals(c.type, "multus");
    assertEquals(c.kubeconfig, "/etc/cni/net.d/multus.d/multus.kubeconfig");
    assertEquals(c.logToStderr, false);
    assertEquals(c.namespaceIsolation, true);
    assertEquals(c.logLevel, "verbose");
    assertEquals(c.capabilities, { portMappings: true });
    assertEquals(c.delegates[0].name, "cbr0");
  });
});

Deno.test("runInstall() rejects a Go boolean flag with a value that is not a boolean", async () => {
  const io = recordingStdio();
  assertEquals(
    await runInstall(["--type=thin", "--namespace-isolation=maybe"], { stdio: io, self: "/x" }),
    1,
  );
  assert(
    io.err.startsWith(
      'multus install: invalid boolean value "maybe" for flag --namespace-isolation',
    ),
    io.err,
  );
});

Deno.test("runInstall() installs with short flags and prints Multus's progress lines", async () => {
  await withTempDir(async (dir) => {
    const source = join(dir, "multus");
    await Deno.writeTextFile(source, "#!/bin/sh\n", { mode: 0o755 });
    await Deno.mkdir(join(dir, "bin"));
    const io = recordingStdio();
    assertEquals(
      await runInstall(["-t", "thick", "-d", join(dir, "bin"), "-s", source], { stdio: io }),
      0,
    );
    assertEquals(io.err, "");
    assertEquals(
      io.out,
      `multus multus-shim copy succeeded!\npassthru cni ${source} copy succeeded!\n`,
    );
    assertEquals(await Deno.readTextFile(join(dir, "bin/multus-shim")), "#!/bin/sh\n");
  });
});

Deno.test("runInstall() defaults --source to its own executable and reports failures with exit 1", async () => {
  await withTempDir(async (dir) => {
    const self = join(dir, "self");
    await Deno.writeTextFile(self, "me", { mode: 0o755 });
    const io = recordingStdio();
    const missing = join(dir, "no-such-dir");
    assertEquals(
      await runInstall(["--type=thin", `--dest-dir=${missing}`], { stdio: io, self, env: {} }),
      1,
    );
    assertEquals(
      io.err,
      `failed to copy file multus: destination directory "${missing}" does not exist\n`,
    );
    const ok = recordingStdio();
    assertEquals(
      await runInstall(["--type=thin", `--dest-dir=${dir}`], { stdio: ok, self, env: {} }),
      0,
    );
    assert(ok.out.includes("not in a pod (KUBERNETES_SERVICE_HOST is unset)"), ok.out);
    assertEquals(await Deno.readTextFile(join(dir, "multus")), "me");
  });
});

Deno.test("INSTALL_FLAGS keep install_multus's names, short forms and default", () => {
  assertEquals(INSTALL_FLAGS.type.short, "t");
  assertEquals(INSTALL_FLAGS["dest-dir"].short, "d");
  assertEquals(INSTALL_FLAGS["dest-dir"].default, "/host/opt/cni/bin");
  assertEquals(INSTALL_FLAGS["cni-conf-dir"].default, "/host/etc/cni/net.d");
});

Deno.test("dist/bin/multus install copies the built executable (src/main.ts dispatches it)", async () => {
  const main = await Deno.readTextFile(join(root, "src/main.ts"));
  assert(
    main.includes("./install/main.ts"),
    'src/main.ts does not dispatch "install" yet: add ' +
      '`if (sub === "install") { const { runInstall } = await import("./install/main.ts"); ' +
      "return await runInstall(rest); }`",
  );
  await withTempDir(async (dir) => {
    const out = await new Deno.Command(join(root, "dist/bin/multus"), {
      args: ["install", "--type", "thick", "--dest-dir", dir],
      clearEnv: true,
      env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assertEquals(out.code, 0, stderr);
    // With no --source, the executable it runs as: the compiled file or the launcher.
    const built = await Deno.readFile(join(root, "dist/bin/multus"));
    assertEquals(await Deno.readFile(join(dir, "multus-shim")), built);
    assertEquals(await Deno.readFile(join(dir, "passthru")), built);
    const mode = (await Deno.stat(join(dir, "multus-shim"))).mode! & 0o7777;
    assertEquals(mode, (await Deno.stat(join(root, "dist/bin/multus"))).mode! & 0o7777);
  });
});
