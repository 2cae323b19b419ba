/*
 * multus-deno launcher (`deno task build --launcher`, kept for the benchmark): exec()s this
 * clone's pinned Deno on the program's entry with full permissions, as the packed
 * executable (scripts/pack/stub.c) and a compiled binary do. A CNI plugin exec (no arguments) starts its mode's own entry, so it
 * loads only that mode's modules; everything else goes through main.ts. The paths are
 * compiled in by scripts/launcher/launcher.ts (-D defines).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef DENO_BIN
#error "DENO_BIN must be defined"
#endif
#ifndef DAEMON_V8_FLAGS
#error "DAEMON_V8_FLAGS must be defined"
#endif
#ifndef THIN_V8_FLAGS
#error "THIN_V8_FLAGS must be defined"
#endif

static const char *base(const char *p) {
  const char *s = strrchr(p, '/');
  return s ? s + 1 : p;
}

int main(int argc, char **argv) {
  const char *name = base(argv[0]);
  const char *src = LIB_DIR "/src/main.ts";
  int thin = 0;
  if (argc == 1) {
    if (strcmp(name, "passthru") == 0) src = LIB_DIR "/src/entry/passthru.ts";
    else if (strcmp(name, "multus-shim") == 0) src = LIB_DIR "/src/entry/shim.ts";
    else if (strcmp(name, "multus-daemon") != 0) {
      src = LIB_DIR "/src/entry/thin.ts";
      thin = 1;
    }
  }
  /* The daemon is long-lived and must stay small under bursts: its V8 flags (a small young
   * generation, memory-over-speed heap sizing) and two malloc arenas keep its resident
   * memory in check (measured: see the README's thick-mode figures). The thin plugin lives for
   * one CNI call: its own flags (scripts/build.ts); the other plugin execs keep the defaults. */
  int daemon = strcmp(name, "multus-daemon") == 0 || (argc > 1 && strcmp(argv[1], "daemon") == 0);
  if (daemon) setenv("MALLOC_ARENA_MAX", "2", 0);
  /* Fixed malloc thresholds (glibc otherwise raises them after each large free): blocks of
   * 64 KiB and more are mmapped and returned when freed, and the heap's free top is given
   * back. Measured in the burst of 100 ADDs: peak 88-90 -> 79 MiB, malloc heap 17-20 -> 8-10. */
  if (daemon) setenv("MALLOC_MMAP_THRESHOLD_", "65536", 0);
  if (daemon) setenv("MALLOC_TRIM_THRESHOLD_", "65536", 0);
  setenv("MULTUS_ARGV0", argv[0], 1);
  setenv("MULTUS_LAUNCHER", "1", 1);
  setenv("DENO_DIR", DENO_DIR_PATH, 1);
  setenv("DENO_NO_UPDATE_CHECK", "1", 1);
  const char *fixed[] = {
    DENO_BIN, "run", "--quiet", "--no-prompt", "--cached-only", "--no-lock",
    "--config=" LIB_DIR "/deno.json", "--allow-all",
  };
  size_t nfixed = sizeof(fixed) / sizeof(fixed[0]);
  char **args = calloc(nfixed + (size_t)argc + 2, sizeof(char *));
  if (!args) return 70;
  size_t n = 0;
  for (size_t i = 0; i < nfixed; i++) args[n++] = (char *)fixed[i];
  if (daemon) args[n++] = (char *)DAEMON_V8_FLAGS;
  else if (thin) args[n++] = (char *)THIN_V8_FLAGS;
  args[n++] = (char *)src;
  for (int i = 1; i < argc; i++) args[n++] = argv[i];
  args[n] = NULL;
  execv(DENO_BIN, args);
  perror("multus-deno launcher: exec " DENO_BIN);
  return 127;
}
