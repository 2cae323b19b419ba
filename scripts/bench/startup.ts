// deno-lint-ignore-file no-console
/**
 * Start-up benchmark (issue: foundation): a `dist/bin/passthru` ADD against Deno's own
 * empty-script start and against a Go plugin from `/usr/lib/cni` doing the same job
 * (`portmap` given a prevResult and no port mappings prints the prevResult back).
 * Goal: our start adds at most 5 ms over Deno's empty start.
 *
 * @module
 */
import {
  fmt,
  interleave,
  summarize,
  type Summary,
  SUMMARY_HEADER,
  summaryRow,
  table,
  timeCommand,
} from "./stats.ts";

/** What this suite reports. */
export interface StartupReport {
  samples: Record<string, Summary>;
  overheadOverEmptyMs: number;
  ratioToEmpty: number;
  ratioToGo: number;
  goal: string;
  met: boolean;
}

const CNI_ENV = {
  CNI_COMMAND: "ADD",
  CNI_CONTAINERID: "bench-ctr",
  CNI_NETNS: "/var/run/netns/bench",
  CNI_IFNAME: "eth0",
  CNI_PATH: "/usr/lib/cni",
  PATH: "/usr/sbin:/usr/bin:/sbin:/bin",
};

/** Runs the suite; prints its table; returns the report. */
export async function benchStartup(opts: { root: string; rounds: number }): Promise<StartupReport> {
  const empty = await Deno.makeTempFile({ suffix: ".ts" });
  await Deno.writeTextFile(empty, "\n");
  const denoDir = Deno.env.get("DENO_DIR") ?? `${opts.root}/.tools/deno_dir`;
  const prev = { cniVersion: "1.0.0", ips: [{ address: "10.1.1.2/24" }] };
  const passthruConf = JSON.stringify({ cniVersion: "1.0.0", name: "aux", type: "passthru" });
  const goConf = JSON.stringify({
    cniVersion: "1.0.0",
    name: "aux",
    type: "portmap",
    prevResult: prev,
  });
  try {
    const samples = await interleave([
      {
        name: "deno run empty.ts",
        run: () =>
          timeCommand(Deno.execPath(), {
            args: [
              "run",
              "--quiet",
              "--no-prompt",
              "--cached-only",
              "--no-lock",
              "--no-config",
              empty,
            ],
            env: { DENO_DIR: denoDir, DENO_NO_UPDATE_CHECK: "1" },
          }),
      },
      {
        name: "dist/bin/passthru ADD",
        run: () =>
          timeCommand(`${opts.root}/dist/bin/passthru`, {
            env: CNI_ENV,
            stdin: passthruConf,
            check: (out) => {
              if (!out.includes('"interfaces"')) throw new Error(`unexpected output ${out}`);
            },
          }),
      },
      {
        name: "Go portmap ADD (passes prevResult)",
        run: () => timeCommand("/usr/lib/cni/portmap", { env: CNI_ENV, stdin: goConf }),
      },
    ], { rounds: opts.rounds, warmup: 3 });
    const s = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, summarize(v)]));
    const e = s["deno run empty.ts"]!.median;
    const p = s["dist/bin/passthru ADD"]!.median;
    const g = s["Go portmap ADD (passes prevResult)"]!.median;
    const report: StartupReport = {
      samples: s,
      overheadOverEmptyMs: p - e,
      ratioToEmpty: p / e,
      ratioToGo: p / g,
      goal: "passthru ADD median <= deno empty median + 5 ms",
      met: p - e <= 5,
    };
    console.log("\nStart-up: one CNI ADD exec, interleaved rounds (ms)\n");
    console.log(table(
      ["variant", ...SUMMARY_HEADER.slice(1)],
      Object.entries(s).map(([k, v]) => summaryRow(k, v)),
    ));
    console.log(
      `\npassthru - empty: ${fmt(p - e)} ms (goal <= 5: ${report.met ? "met" : "NOT met"}); ` +
        `passthru / empty x${fmt(p / e)}; passthru / Go x${fmt(p / g)}`,
    );
    return report;
  } finally {
    await Deno.remove(empty).catch(() => {});
  }
}
