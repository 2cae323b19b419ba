/**
 * Launcher entry of `multus-daemon` (see `thin.ts` for why entries exist): the daemon's
 * module graph only, so the long-lived process holds no other mode's modules and no npm
 * package it does not run.
 *
 * @module
 */
import { runDaemon } from "../daemon/main.ts";
import { programName } from "../platform/process.ts";

Deno.exit(await runDaemon(Deno.args, { program: programName() }));
