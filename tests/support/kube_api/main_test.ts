import assert from "node:assert/strict";
import { parseArgs } from "./main.ts";

Deno.test("parseArgs() reads --port and --token in both spellings", () => {
  assert.deepEqual(parseArgs(["--port", "8443", "--token=abc"]), { port: 8443, token: "abc" });
  assert.equal(parseArgs([]).port, 0);
  assert.throws(() => parseArgs(["--bogus", "1"]), /unknown flag --bogus/);
  assert.throws(() => parseArgs(["--port", "x"]), /invalid --port/);
});

Deno.test("main.ts prints url, caFile and token, serves, and cleans up on SIGINT", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./main.ts", import.meta.url).pathname, "--token", "manual"],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  try {
    let text = "";
    while (!text.includes("\n")) {
      const chunk = await reader.read();
      if (chunk.done) break;
      text += chunk.value;
    }
    const info = JSON.parse(text.split("\n")[0] ?? "{}");
    assert.equal(info.token, "manual");
    assert.match(info.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const client = Deno.createHttpClient({ caCerts: [await Deno.readTextFile(info.caFile)] });
    try {
      const response = await fetch(`${info.url}/api/v1/pods`, {
        headers: { Authorization: "Bearer manual" },
        client,
      });
      assert.equal((await response.json()).kind, "PodList");
    } finally {
      client.close();
    }
    assert.match(await Deno.readTextFile(info.kubeconfig), /token: "manual"/);
    child.kill("SIGINT");
    assert.equal((await child.status).code, 0);
    await assert.rejects(Deno.stat(info.caFile), Deno.errors.NotFound);
  } finally {
    await reader.cancel();
    try {
      child.kill("SIGKILL");
    } catch {
      // already exited
    }
    await child.status;
  }
});
