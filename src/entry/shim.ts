/**
 * Launcher entry of `multus-shim` (see `thin.ts` for why entries exist).
 *
 * @module
 */
import { runShim } from "../shim/main.ts";
import { programName } from "../platform/process.ts";
import { delOnNode } from "../multus/del_on_node.ts";

programName();
Deno.exit(await runShim({ localDel: delOnNode }));
