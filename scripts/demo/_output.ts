// deno-lint-ignore-file no-console
/**
 * How the demo prints.
 *
 * @module
 */

/**
 * Bold headings only on a terminal, and not when NO_COLOR is set to anything but the empty
 * string (https://no-color.org): piped into a file or a pager, the output stays plain text.
 */
const bold = Deno.stdout.isTerminal() && !Deno.env.get("NO_COLOR");

/** Prints a section heading. */
export function title(text: string): void {
  console.log(bold ? `\n\x1b[1m== ${text}\x1b[0m` : `\n== ${text}`);
}
