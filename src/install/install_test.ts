import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { denoFs } from "../platform/fs.ts";
import { denoExecutableFiles, type ExecutableFiles, type FileMode } from "../platform/self.ts";
import { install, type InstallDeps, InstallError, replaceFileAtomic } from "./install.ts";

/** Real effects on temp directories, with the progress lines recorded. */
function realDeps(lines: string[] = []): InstallDeps {
  let n = 0;
  return {
    files: denoExecutableFiles,
    fs: denoFs,
    out: (line) => lines.push(line),
    now: () => Date.now(),
    tag: () => `t${n++}`,
  };
}

interface FakeFile {
  data: string;
  mode: number;
  mtimeMs: number;
}

/** An in-memory file system that records calls and can be told to fail one. */
function fakeFiles(
  files: Record<string, FakeFile>,
  dirs: string[],
  fail: Partial<Record<"copyNew" | "link" | "rename", Error>> = {},
): ExecutableFiles & { calls: string[] } {
  const calls: string[] = [];
  const exists = (p: string) => p in files;
  return {
    calls,
    stat(path: string): Promise<FileMode | null> {
      const f = files[path];
      if (f) {
        return Promise.resolve({
          isFile: true,
          isDirectory: false,
          mode: f.mode,
          size: f.data.length,
          mtimeMs: f.mtimeMs,
        });
      }
      if (dirs.includes(path)) {
        return Promise.resolve({
          isFile: false,
          isDirectory: true,
          mode: 0o755,
          size: 0,
          mtimeMs: 0,
        });
      }
      return Promise.resolve(null);
    },
    copyNew(src: string, dest: string, opts: { mode: number }): Promise<void> {
      calls.push(`copyNew ${src} ${dest} ${opts.mode.toString(8)}`);
      if (fail.copyNew) return Promise.reject(fail.copyNew);
      if (exists(dest)) return Promise.reject(new Error("AlreadyExists"));
      files[dest] = { data: files[src]!.data, mode: opts.mode, mtimeMs: 1000 };
      return Promise.resolve();
    },
    link(target: string, link: string): Promise<void> {
      calls.push(`link ${target} ${link}`);
      if (fail.link) return Promise.reject(fail.link);
      files[link] = files[target]!;
      return Promise.resolve();
    },
    rename(from: string, to: string): Promise<void> {
      calls.push(`rename ${from} ${to}`);
      if (fail.rename) return Promise.reject(fail.rename);
      files[to] = files[from]!;
      delete files[from];
      return Promise.resolve();
    },
    remove(path: string): Promise<boolean> {
      calls.push(`remove ${path}`);
      const had = exists(path);
      delete files[path];
      return Promise.resolve(had);
    },
    list(dir: string): Promise<string[] | null> {
      if (!dirs.includes(dir)) return Promise.resolve(null);
      const names = Object.keys(files).filter((p) => p.startsWith(`${dir}/`))
        .map((p) => p.slice(dir.length + 1)).filter((n) => !n.includes("/"));
      return Promise.resolve(names.sort());
    },
  };
}

function fakeDeps(files: ExecutableFiles, now = 1000): InstallDeps & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    files,
    fs: { readText: () => Promise.resolve(null) },
    out: (line) => lines.push(line),
    now: () => now,
    tag: () => "abc",
  };
}

Deno.test("install() thick copies multus-shim, then links passthru to it, each via temp + rename", async () => {
  const files = fakeFiles({ "/img/multus": { data: "ELF", mode: 0o755, mtimeMs: 0 } }, ["/cni"]);
  const deps = fakeDeps(files);
  await install({ type: "thick", source: "/img/multus", destDir: "/cni", confDir: "/etc" }, deps);
  assertEquals(files.calls, [
    "copyNew /img/multus /cni/.multus-shim.abc.tmp 755",
    "rename /cni/.multus-shim.abc.tmp /cni/multus-shim",
    "link /cni/multus-shim /cni/.passthru.abc.tmp",
    "rename /cni/.passthru.abc.tmp /cni/passthru",
  ]);
  assertEquals(deps.lines, [
    "multus multus-shim copy succeeded!",
    "passthru cni /img/multus copy succeeded!",
  ]);
});

Deno.test("install() thin installs multus; passthru falls back to a copy without hard links", async () => {
  const files = fakeFiles(
    { "/img/multus": { data: "ELF", mode: 0o750, mtimeMs: 0 } },
    ["/cni"],
    { link: new Error("EPERM") },
  );
  await install(
    { type: "thin", source: "/img/multus", destDir: "/cni", confDir: "/etc" },
    fakeDeps(files),
  );
  assertEquals(files.calls, [
    "copyNew /img/multus /cni/.multus.abc.tmp 750",
    "rename /cni/.multus.abc.tmp /cni/multus",
    "link /cni/multus /cni/.passthru.abc.tmp",
    "copyNew /img/multus /cni/.passthru.abc.tmp 750",
    "rename /cni/.passthru.abc.tmp /cni/passthru",
  ]);
});

Deno.test("replaceFileAtomic() reports what failed and leaves no temp file behind", async () => {
  const src = { "/img/multus": { data: "ELF", mode: 0o755, mtimeMs: 0 } };
  const cases: Array<[string, ExecutableFiles & { calls: string[] }, string]> = [
    ["missing source", fakeFiles({}, ["/cni"]), 'cannot open file "/img/multus": no such file'],
    [
      "missing destination",
      fakeFiles({ ...src }, []),
      'destination directory "/cni" does not exist',
    ],
    [
      "copy fails",
      fakeFiles({ ...src }, ["/cni"], { copyNew: new Error("No space left on device") }),
      'cannot write temp file "/cni/.multus.abc.tmp": No space left on device',
    ],
    [
      "rename fails",
      fakeFiles({ ...src }, ["/cni"], { rename: new Error("Read-only file system") }),
      'cannot replace "/cni/multus" with temp file "/cni/.multus.abc.tmp": Read-only file system',
    ],
  ];
  for (const [what, files, message] of cases) {
    const err = await replaceFileAtomic(fakeDeps(files), {
      src: "/img/multus",
      destDir: "/cni",
      name: "multus",
    }).then(() => null, (e: unknown) => e);
    assert(err instanceof InstallError, `${what}: ${err}`);
    assertEquals(err.message, message, what);
    assertEquals(await files.list("/cni").then((l) => l ?? []), [], `${what}: leftovers`);
  }
});

Deno.test("replaceFileAtomic() removes temp files of interrupted runs older than 10 minutes", async () => {
  const now = 100 * 60_000;
  const files = fakeFiles({
    "/img/multus": { data: "ELF", mode: 0o755, mtimeMs: 0 },
    "/cni/.multus.old.tmp": { data: "E", mode: 0o600, mtimeMs: now - 11 * 60_000 },
    "/cni/.multus.live.tmp": { data: "E", mode: 0o600, mtimeMs: now - 60_000 },
    "/cni/.other.old.tmp": { data: "E", mode: 0o600, mtimeMs: 0 },
  }, ["/cni"]);
  await replaceFileAtomic(fakeDeps(files, now), {
    src: "/img/multus",
    destDir: "/cni",
    name: "multus",
  });
  assertEquals(await files.list("/cni"), [".multus.live.tmp", ".other.old.tmp", "multus"]);
});

Deno.test("install() replaces a binary that is executing and open, without ETXTBSY", async () => {
  const dir = await Deno.makeTempDir({ prefix: "multus-install-" });
  try {
    const busy = `${dir}/multus-shim`;
    await Deno.copyFile("/bin/sleep", busy);
    await Deno.chmod(busy, 0o755);
    const running = new Deno.Command(busy, { args: ["30"], stdout: "null", stderr: "null" })
      .spawn();
    const open = await Deno.open(busy, { read: true });
    try {
      // Give the kernel time to map the file: from here, writing into it fails.
      for (let i = 0; i < 50; i++) {
        const err = await Deno.writeFile(busy, new Uint8Array(1), { append: true }).then(
          () => null,
          (e: unknown) => e,
        );
        if (err) {
          assert(/busy/i.test(String(err)), `expected "text file busy", got ${err}`);
          break;
        }
        assert(i < 49, "the running binary never became busy: the control case is broken");
        await new Promise((r) => setTimeout(r, 20));
      }
      const source = `${dir}/new-multus`;
      await Deno.writeTextFile(source, "#!/bin/sh\necho new\n", { mode: 0o750 });
      await Deno.chmod(source, 0o750);
      const lines: string[] = [];
      await install({ type: "thick", source, destDir: dir, confDir: dir }, realDeps(lines));
      assertEquals(await Deno.readTextFile(busy), "#!/bin/sh\necho new\n");
      assertEquals((await Deno.stat(busy)).mode! & 0o7777, 0o750);
      const [shim, passthru] = await Promise.all([Deno.stat(busy), Deno.stat(`${dir}/passthru`)]);
      assertEquals(passthru.ino, shim.ino, "passthru is a hard link to multus-shim");
      // The old process still runs its (now unlinked) file.
      assertEquals(
        await Promise.race([
          running.status.then(() => "exited"),
          new Promise((r) => setTimeout(() => r("running"), 50)),
        ]),
        "running",
      );
      assertEquals(lines, [
        "multus multus-shim copy succeeded!",
        `passthru cni ${source} copy succeeded!`,
      ]);
    } finally {
      open.close();
      running.kill("SIGKILL");
      await running.status;
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("install() is idempotent and leaves only the installed files", async () => {
  const dir = await Deno.makeTempDir({ prefix: "multus-install-" });
  try {
    const bin = `${dir}/bin`;
    await Deno.mkdir(bin);
    const source = `${dir}/multus`;
    await Deno.writeTextFile(source, "v1");
    await Deno.chmod(source, 0o755);
    const opts = { type: "thin" as const, source, destDir: bin, confDir: dir };
    await install(opts, realDeps());
    await install(opts, realDeps());
    await Deno.writeTextFile(source, "v2");
    await install(opts, realDeps());
    const names = [];
    for await (const e of Deno.readDir(bin)) names.push(e.name);
    assertEquals(names.sort(), ["multus", "passthru"]);
    assertEquals(await Deno.readTextFile(`${bin}/multus`), "v2");
    assertEquals(await Deno.readTextFile(`${bin}/passthru`), "v2");
    assertEquals((await Deno.stat(`${bin}/multus`)).mode! & 0o7777, 0o755);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("install() installs a CNI config atomically, and refuses one that is not JSON", async () => {
  const dir = await Deno.makeTempDir({ prefix: "multus-install-" });
  try {
    const [bin, net] = [`${dir}/bin`, `${dir}/net.d`];
    await Deno.mkdir(bin);
    await Deno.mkdir(net);
    const source = `${dir}/multus`;
    await Deno.writeTextFile(source, "x", { mode: 0o755 });
    const conf = `${dir}/00-multus.conf`;
    await Deno.writeTextFile(conf, '{"cniVersion":"0.3.1","type":"multus","delegates":[]}');
    await Deno.chmod(conf, 0o644);
    const lines: string[] = [];
    await install(
      { type: "thin", source, destDir: bin, confDir: net, confFile: conf },
      realDeps(lines),
    );
    assertEquals(await Deno.readTextFile(`${net}/00-multus.conf`), await Deno.readTextFile(conf));
    assertEquals((await Deno.stat(`${net}/00-multus.conf`)).mode! & 0o7777, 0o644);
    assertEquals(lines.at(-1), `multus config ${net}/00-multus.conf copy succeeded!`);

    const bad: Array<[string, string]> = [
      ['{"cniVersion":', "is not valid JSON"],
      ["[1]", "is not a CNI config: not a JSON object"],
      ['{"name":"x"}', 'is not a CNI config: it has neither "type" nor "plugins"'],
    ];
    for (const [text, why] of bad) {
      await Deno.writeTextFile(conf, text);
      const err = await install(
        { type: "thin", source, destDir: bin, confDir: net, confFile: conf },
        realDeps(),
      ).then(() => null, (e: unknown) => e);
      assert(err instanceof InstallError);
      assert(
        err.message.startsWith(`failed to copy file 00-multus.conf: "${conf}" ${why}`),
        err.message,
      );
      // The installed config is untouched.
      assertEquals(
        await Deno.readTextFile(`${net}/00-multus.conf`),
        '{"cniVersion":"0.3.1","type":"multus","delegates":[]}',
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("denoExecutableFiles.copyNew() refuses to write over an existing file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "multus-install-" });
  try {
    await Deno.writeTextFile(`${dir}/src`, "new");
    await Deno.writeTextFile(`${dir}/dest`, "old");
    const err = await denoExecutableFiles.copyNew(`${dir}/src`, `${dir}/dest`, { mode: 0o755 })
      .then(() => null, (e: unknown) => e);
    assert(err instanceof Deno.errors.AlreadyExists, String(err));
    assertEquals(await Deno.readTextFile(`${dir}/dest`), "old");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
