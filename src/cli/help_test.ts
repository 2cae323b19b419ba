import { ok as assert } from "node:assert/strict";
import type { HelpTopic } from "./command_line.ts";
import { helpText } from "./help.ts";

Deno.test("helpText() of multus lists every mode and command", () => {
  const text = helpText("multus");
  assert(text.startsWith("Usage: multus "), text);
  for (
    const word of ["multus-shim", "multus-daemon", "passthru", "install", "daemon", "version"]
  ) {
    assert(new RegExp(`^  ${word} `, "m").test(text), word);
  }
  assert(text.includes("CNI_COMMAND"), "says a CNI exec ignores the command line");
});

Deno.test("helpText() of every topic says what it does and gives an example", () => {
  for (const topic of ["multus", "shim", "passthru", "version"] satisfies HelpTopic[]) {
    const text = helpText(topic);
    assert(text.startsWith("Usage: "), topic);
    assert(/\nExamples?.*:\n/.test(text), `${topic} has an example`);
    assert(text.endsWith("\n") && !text.endsWith("\n\n"), topic);
    for (const line of text.split("\n")) assert(line.length <= 92, `${topic}: ${line}`);
  }
});
