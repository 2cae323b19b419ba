import { assert } from "../../tests/support/assert.ts";
import { denoSyncFs } from "../platform/fs.ts";
import { MultusLogger } from "../platform/log.ts";
import { thinDeps } from "./main.ts";

Deno.test("thinDeps() gives the thin plugin the synchronous file system", () => {
  const deps = thinDeps(new MultusLogger({ level: "panic", toStderr: true }));
  assert(deps.fs === denoSyncFs, "the thin plugin's files go through denoSyncFs");
});
