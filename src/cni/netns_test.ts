import { assert, assertEquals, assertRejects } from "../../tests/support/assert.ts";
import { CniError } from "./error.ts";
import {
  HOST_NETNS,
  netnsCheckOverridden,
  netnsGuard,
  type NetnsId,
  OWN_NETNS,
  SAME_NETNS_MESSAGE,
} from "./netns.ts";

/** A file system of namespace files: path -> identity, or an error to throw. */
function identify(files: Record<string, NetnsId | Error>) {
  const calls: string[] = [];
  const fn = (path: string): Promise<NetnsId | null> => {
    calls.push(path);
    const f = files[path];
    if (f instanceof Error) return Promise.reject(f);
    return Promise.resolve(f ?? null);
  };
  return { fn, calls };
}

const HOST = { dev: 4, ino: 4026531833 };
const POD = { dev: 4, ino: 4026532999 };
const DAEMON = { dev: 4, ino: 4026533111 };

async function refusal(p: Promise<void>): Promise<CniError> {
  return await assertRejects(() => p, CniError);
}

Deno.test("netnsGuard() refuses the plugin's own namespace by (dev, inode), whatever the path", async () => {
  const { fn } = identify({
    "/proc/self/ns/net": HOST,
    "/proc/4242/ns/net": HOST,
    "/var/run/netns/pod": POD,
  });
  const check = netnsGuard({ identify: fn, references: [OWN_NETNS] });
  const err = await refusal(check("/proc/4242/ns/net"));
  assertEquals(err.code, 8);
  assertEquals(err.message, SAME_NETNS_MESSAGE);
  assertEquals(
    err.details,
    'CNI_NETNS "/proc/4242/ns/net" is the plugin\'s own network namespace (/proc/self/ns/net)',
  );
  await check("/var/run/netns/pod");
});

Deno.test("netnsGuard() passes a missing CNI_NETNS and never checks an empty one", async () => {
  const { fn, calls } = identify({ "/proc/self/ns/net": new Error("unreadable") });
  const check = netnsGuard({ identify: fn, references: [OWN_NETNS] });
  await check("");
  assertEquals(calls, []);
  await check("/proc/99999999/ns/net");
  assertEquals(calls, ["/proc/99999999/ns/net"], "the references are not needed then");
});

Deno.test("netnsGuard() refuses a CNI_NETNS it cannot read (code 8, naming it and why)", async () => {
  const { fn } = identify({
    "/proc/self/ns/net": HOST,
    "/proc/1/ns/net": new Error("Permission denied (os error 13)"),
  });
  const check = netnsGuard({ identify: fn, references: [OWN_NETNS] });
  const err = await refusal(check("/proc/1/ns/net"));
  assertEquals(err.code, 8);
  assertEquals(
    err.message,
    'cannot check CNI_NETNS "/proc/1/ns/net": Permission denied (os error 13)',
  );
});

Deno.test("netnsGuard() refuses every check when its own namespace cannot be read (the error is not 'not own')", async () => {
  const { fn } = identify({
    "/proc/self/ns/net": new Error("Permission denied"),
    "/var/run/netns/pod": POD,
  });
  const check = netnsGuard({ identify: fn, references: [OWN_NETNS] });
  const err = await refusal(check("/var/run/netns/pod"));
  assertEquals(err.code, 8);
  assertEquals(
    err.message,
    'cannot check CNI_NETNS "/var/run/netns/pod": cannot read the plugin\'s own network namespace (/proc/self/ns/net): Permission denied',
  );
});

Deno.test("netnsGuard() with the daemon's references refuses the host's namespace when the daemon runs in another", async () => {
  const { fn, calls } = identify({
    "/proc/self/ns/net": DAEMON,
    "/proc/1/ns/net": HOST,
    "/proc/777/ns/net": HOST,
    "/var/run/netns/pod": POD,
  });
  const check = netnsGuard({ identify: fn, references: [OWN_NETNS, HOST_NETNS] });
  const err = await refusal(check("/proc/777/ns/net"));
  assertEquals(err.code, 8);
  assert(err.details?.includes("the host's network namespace (that of PID 1)"));
  await refusal(check("/proc/self/ns/net"));
  await check("/var/run/netns/pod");
  assertEquals(
    calls.filter((c) => c === "/proc/1/ns/net").length,
    1,
    "the references are read once",
  );
});

Deno.test("netnsGuard() leaves out an unreadable host reference, reporting it once", async () => {
  const { fn } = identify({
    "/proc/self/ns/net": HOST,
    "/proc/1/ns/net": new Error("Permission denied"),
    "/var/run/netns/pod": POD,
  });
  const skipped: string[] = [];
  const check = netnsGuard({
    identify: fn,
    references: [OWN_NETNS, HOST_NETNS],
    onSkip: (ref, why) => skipped.push(`${ref.path}: ${why}`),
  });
  await check("/var/run/netns/pod");
  await check("/var/run/netns/pod");
  await refusal(check("/proc/self/ns/net"));
  assertEquals(skipped, ["/proc/1/ns/net: Permission denied"]);
});

Deno.test("netnsCheckOverridden() follows libcni's CNI_NETNS_OVERRIDE values", () => {
  assertEquals(
    ["1", "true", "TRUE", "0", "yes", "", undefined].map((v) =>
      netnsCheckOverridden({ CNI_NETNS_OVERRIDE: v })
    ),
    [true, true, true, false, false, false, false],
  );
});
