/*
 * multus-deno packed executable: a small static stub with the program appended.
 *
 * Where `deno compile` cannot get its runtime (denort), scripts/build.ts makes
 * dist/bin/multus from this stub, a zstd-compressed archive (the pinned Deno, the program's
 * sources and engine, the npm packages it loads) and a trailer naming the archive's SHA-256.
 * The file needs nothing else: no clone, no npm, no network.
 *
 * On an exec the stub:
 *   1. reads the trailer from the end of its own file (/proc/self/exe);
 *   2. picks the runtime dir (MULTUS_RUNTIME_DIR, else /var/lib/multus-deno, else
 *      /run/multus-deno for root; a per-user cache dir otherwise) whose every ancestor is
 *      owned by root or this user and writable by no one else (or sticky), and in it the
 *      0700 directory named by the payload's hash;
 *   3. verifies that directory before every use: owned by this user, mode 0700, a seal
 *      written last that names the same hash and records the inode, size, mtime and ctime of
 *      every unpacked file; any difference (a partial or altered copy) moves it aside and
 *      unpacks again;
 *   4. when it is missing, unpacks into a private temp dir beside it, checks the payload's
 *      hash while decompressing, syncs, writes the seal and renames the temp dir into place
 *      (concurrent first runs: one rename wins, the others verify the winner's copy);
 *   5. after its first unpack, removes the copies of older builds no running process uses;
 *   6. execs the unpacked Deno on the mode's entry with full permissions, as the launcher and
 *      a compiled binary do.
 * Nothing is written next to the executable (the CNI bin dir may be read-only).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#include "sha256.h"

#ifndef DAEMON_V8_FLAGS
#error "DAEMON_V8_FLAGS must be defined"
#endif
#ifndef THIN_V8_FLAGS
#error "THIN_V8_FLAGS must be defined"
#endif

#define TRAILER_MAGIC "MULTUS-DENO-PK1\n"
#define ARCHIVE_MAGIC "MULTUS-DENO-AR1\n"
#define SEAL_MAGIC "multus-deno-seal 2"
#define HASH_HEX 64
#define DIR_HASH_CHARS 24

/* The last 96 bytes of the file; integers little-endian. */
struct trailer {
  char magic[16];
  uint64_t payload_offset;
  uint64_t payload_size;
  char hash[HASH_HEX];
};

/* One archive entry header, followed by the path and then `size` bytes of data. */
struct entry {
  uint32_t kind; /* 'd' directory, 'f' file, 'e' end */
  uint32_t mode;
  uint32_t path_len;
  uint32_t reserved;
  uint64_t size;
};

static const char *self_name = "multus";
/* A temp dir being unpacked into: removed when the stub fails. */
static char unpacking[PATH_MAX];

static void remove_tree(const char *path);
static void fail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* A CNI caller (CNI_COMMAND set) gets a CNI error on stdout; everyone gets it on stderr. */
static void fail(const char *fmt, ...) {
  char msg[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (getenv("CNI_COMMAND")) {
    printf("{\"code\":11,\"msg\":\"");
    for (const char *p = msg; *p; p++) {
      if (*p == '"' || *p == '\\') putchar('\\');
      if ((unsigned char)*p >= 0x20) putchar(*p);
    }
    printf("\"}\n");
    fflush(stdout);
  }
  fprintf(stderr, "%s: %s\n", self_name, msg);
  if (unpacking[0]) remove_tree(unpacking);
  exit(1);
}

static uint64_t le64(uint64_t v) { return v; /* x86_64 and aarch64 Linux: little-endian */ }

/* ---- the trailer ---------------------------------------------------------------- */

static int read_trailer(int fd, struct trailer *t, uint64_t *file_size) {
  struct stat st;
  if (fstat(fd, &st) != 0) return -1;
  if ((uint64_t)st.st_size < sizeof *t) return -1;
  if (pread(fd, t, sizeof *t, st.st_size - (off_t)sizeof *t) != (ssize_t)sizeof *t) return -1;
  if (memcmp(t->magic, TRAILER_MAGIC, 16) != 0) return -1;
  t->payload_offset = le64(t->payload_offset);
  t->payload_size = le64(t->payload_size);
  if (t->payload_offset + t->payload_size + sizeof *t != (uint64_t)st.st_size) return -1;
  for (int i = 0; i < HASH_HEX; i++) {
    char c = t->hash[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return -1;
  }
  *file_size = (uint64_t)st.st_size;
  return 0;
}

/* ---- the runtime dir ------------------------------------------------------------ */

/*
 * Whether `path` (absolute) and every ancestor is a real directory (no symlink) owned by
 * root or `uid` and not writable by group or others unless sticky. The last component must
 * be owned by `uid` and have no group or other permissions at all.
 */
static int safe_dir(const char *path, uid_t uid, char *why, size_t why_len) {
  char buf[PATH_MAX];
  size_t n = strlen(path);
  if (n == 0 || n >= sizeof buf || path[0] != '/') {
    snprintf(why, why_len, "\"%s\" is not an absolute path", path);
    return 0;
  }
  memcpy(buf, path, n + 1);
  for (size_t i = 1; i <= n; i++) {
    if (buf[i] != '/' && buf[i] != '\0') continue;
    char saved = buf[i];
    buf[i] = '\0';
    struct stat st;
    if (lstat(buf, &st) != 0) {
      snprintf(why, why_len, "%s: %s", buf, strerror(errno));
      return 0;
    }
    int last = saved == '\0' || (saved == '/' && buf[i + 1] == '\0');
    if (!S_ISDIR(st.st_mode)) {
      snprintf(why, why_len, "%s is not a directory (a symlink or a file)", buf);
      return 0;
    }
    if (st.st_uid != 0 && st.st_uid != uid) {
      snprintf(why, why_len, "%s is owned by uid %u, not root or uid %u", buf, st.st_uid, uid);
      return 0;
    }
    if (last) {
      if (st.st_uid != uid || (st.st_mode & 077) != 0) {
        snprintf(why, why_len, "%s must be owned by uid %u with mode 0700 (it is uid %u, %04o)",
                 buf, uid, st.st_uid, st.st_mode & 07777);
        return 0;
      }
    } else if ((st.st_mode & 022) && !(st.st_mode & S_ISVTX)) {
      snprintf(why, why_len, "%s is writable by others (mode %04o)", buf, st.st_mode & 07777);
      return 0;
    }
    buf[i] = saved;
    if (saved == '\0') break;
  }
  return 1;
}

/* Creates `path` with mode 0700 where it is missing, and its parent (e.g. ~/.cache). */
static int ensure_dir(const char *path) {
  if (mkdir(path, 0700) == 0 || errno == EEXIST) return 0;
  if (errno != ENOENT) return -1;
  char parent[PATH_MAX];
  snprintf(parent, sizeof parent, "%s", path);
  char *slash = strrchr(parent, '/');
  if (!slash || slash == parent) return -1;
  *slash = '\0';
  if (mkdir(parent, 0700) != 0 && errno != EEXIST) return -1;
  if (mkdir(path, 0700) == 0 || errno == EEXIST) return 0;
  return -1;
}

/* Picks the runtime dir: the first candidate that exists or can be created and is safe. */
static void pick_runtime_dir(char *out, size_t out_len) {
  uid_t uid = geteuid();
  char cands[4][PATH_MAX];
  int n = 0;
  const char *env = getenv("MULTUS_RUNTIME_DIR");
  if (env && *env) {
    snprintf(cands[n++], PATH_MAX, "%s", env);
  } else if (uid == 0) {
    snprintf(cands[n++], PATH_MAX, "/var/lib/multus-deno");
    snprintf(cands[n++], PATH_MAX, "/run/multus-deno");
  } else {
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    if (xdg && xdg[0] == '/') snprintf(cands[n++], PATH_MAX, "%s/multus-deno", xdg);
    else if (home && home[0] == '/') snprintf(cands[n++], PATH_MAX, "%s/.cache/multus-deno", home);
    snprintf(cands[n++], PATH_MAX, "/tmp/multus-deno-%u", uid);
  }
  char why[PATH_MAX + 256] = "";
  for (int i = 0; i < n; i++) {
    if (ensure_dir(cands[i]) != 0) {
      snprintf(why, sizeof why, "cannot create %s: %s", cands[i], strerror(errno));
      continue;
    }
    if (safe_dir(cands[i], uid, why, sizeof why)) {
      snprintf(out, out_len, "%s", cands[i]);
      return;
    }
  }
  fail("no safe runtime directory to unpack the program into: %s", why);
}

/* ---- the seal -------------------------------------------------------------------- */

struct fingerprint {
  uint64_t ino, size;
  int64_t mtime_ns, ctime_ns;
};

static int verify_seal(int dirfd, const char *seal, const char *hash, char *why,
                       size_t why_len);

/*
 * Whether the unpacked copy at `dirfd` is whole and unaltered. `.seal` (written last,
 * before the rename, so a partial copy has none) lists the runtime and the program
 * (`deno`, `lib/`): every exec checks those. `.seal-npm` lists the npm packages: checked
 * when `all` (every exec but a CNI plugin's, whose entries load no npm module; the program
 * asks for it before it imports one: MULTUS_VERIFY_ONLY).
 */
static int verify(int dirfd, const char *hash, int all, char *why, size_t why_len) {
  if (!verify_seal(dirfd, ".seal", hash, why, why_len)) return 0;
  return !all || verify_seal(dirfd, ".seal-npm", hash, why, why_len);
}

static struct fingerprint fingerprint_of(const struct stat *st) {
  struct fingerprint f = {
      (uint64_t)st->st_ino, (uint64_t)st->st_size,
      (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec,
      (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec,
  };
  return f;
}

/*
 * Whether the files a seal lists (in the unpacked copy at `dirfd`) are unaltered: the seal
 * names `hash` and each file has the recorded inode, size, mtime and ctime.
 */
static int verify_seal(int dirfd, const char *seal, const char *hash, char *why,
                       size_t why_len) {
  int fd = openat(dirfd, seal, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    snprintf(why, why_len, "no %s (%s)", seal, strerror(errno));
    return 0;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
      (st.st_mode & 0222) != 0 || st.st_size <= 0 || st.st_size > (64 << 20)) {
    close(fd);
    snprintf(why, why_len, "the seal is not a read-only file of this user");
    return 0;
  }
  char *buf = malloc((size_t)st.st_size + 1);
  if (!buf) fail("out of memory");
  ssize_t got = pread(fd, buf, (size_t)st.st_size, 0);
  close(fd);
  if (got != st.st_size) {
    free(buf);
    snprintf(why, why_len, "cannot read the seal");
    return 0;
  }
  buf[got] = '\0';
  char *save = NULL;
  char *line = strtok_r(buf, "\n", &save);
  char head[128];
  snprintf(head, sizeof head, "%s %.*s", SEAL_MAGIC, HASH_HEX, hash);
  if (!line || strcmp(line, head) != 0) {
    free(buf);
    snprintf(why, why_len, "the seal names another payload");
    return 0;
  }
  int ok = 1;
  while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
    unsigned long long ino, size;
    long long mt, ct;
    int off = 0;
    if (sscanf(line, "%llu %llu %lld %lld %n", &ino, &size, &mt, &ct, &off) != 4 || off == 0) {
      snprintf(why, why_len, "the seal has a bad line");
      ok = 0;
      break;
    }
    const char *path = line + off;
    struct stat fs;
    if (fstatat(dirfd, path, &fs, AT_SYMLINK_NOFOLLOW) != 0) {
      snprintf(why, why_len, "%s: %s", path, strerror(errno));
      ok = 0;
      break;
    }
    struct fingerprint f = fingerprint_of(&fs);
    if (!S_ISREG(fs.st_mode) || f.ino != ino || f.size != size || f.mtime_ns != mt ||
        f.ctime_ns != ct) {
      snprintf(why, why_len, "%s was changed after it was unpacked", path);
      ok = 0;
      break;
    }
  }
  free(buf);
  return ok;
}

/* ---- unpacking -------------------------------------------------------------------- */

struct unpacker {
  int dirfd;
  FILE *seal;     /* deno and lib/ */
  FILE *seal_npm; /* the rest (deno_dir/npm/) */
  /* the entry being read */
  struct entry e;
  size_t have; /* bytes of header + path gathered */
  unsigned char head[sizeof(struct entry) + PATH_MAX];
  uint64_t left; /* file bytes still to write */
  int out;       /* the file being written */
  char path[PATH_MAX];
  int done;
  int header_ok;
};

static int valid_path(const char *p) {
  if (!*p || p[0] == '/') return 0;
  for (const char *s = p; *s;) {
    const char *e = strchr(s, '/');
    size_t n = e ? (size_t)(e - s) : strlen(s);
    if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.')) return 0;
    s += n + (e ? 1 : 0);
  }
  return 1;
}

static void finish_file(struct unpacker *u) {
  struct stat st;
  /* No fsync per file: one syncfs() before the seal is written covers them all. */
  if (fstat(u->out, &st) != 0) fail("cannot stat %s: %s", u->path, strerror(errno));
  struct fingerprint f = fingerprint_of(&st);
  int core = strcmp(u->path, "deno") == 0 || strncmp(u->path, "lib/", 4) == 0;
  fprintf(core ? u->seal : u->seal_npm, "%llu %llu %lld %lld %s\n", (unsigned long long)f.ino,
          (unsigned long long)f.size, (long long)f.mtime_ns, (long long)f.ctime_ns, u->path);
  close(u->out);
  u->out = -1;
}

static void start_entry(struct unpacker *u) {
  memcpy(u->path, u->head + sizeof u->e, u->e.path_len);
  u->path[u->e.path_len] = '\0';
  if (!valid_path(u->path)) fail("the payload names a bad path \"%s\"", u->path);
  if (u->e.kind == 'd') {
    if (mkdirat(u->dirfd, u->path, 0700) != 0 && errno != EEXIST)
      fail("cannot create %s: %s", u->path, strerror(errno));
  } else if (u->e.kind == 'f') {
    mode_t mode = (u->e.mode & 0100) ? 0500 : 0400;
    u->out = openat(u->dirfd, u->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                    mode);
    if (u->out < 0) fail("cannot create %s: %s", u->path, strerror(errno));
    u->left = u->e.size;
    if (u->left == 0) finish_file(u);
  } else {
    fail("the payload has an entry of unknown kind %u", u->e.kind);
  }
}

/* Feeds decompressed archive bytes. */
static void feed(struct unpacker *u, const unsigned char *p, size_t n) {
  while (n > 0 && !u->done) {
    if (!u->header_ok) {
      size_t want = sizeof u->e;
      if (u->have >= sizeof u->e) want += u->e.path_len;
      size_t take = want - u->have;
      if (take > n) take = n;
      memcpy(u->head + u->have, p, take);
      u->have += take;
      p += take;
      n -= take;
      if (u->have == sizeof u->e) {
        memcpy(&u->e, u->head, sizeof u->e);
        if (u->e.kind == 'e') {
          u->done = 1;
          break;
        }
        if (u->e.path_len == 0 || u->e.path_len >= PATH_MAX)
          fail("the payload has an entry with a path of %u bytes", u->e.path_len);
        continue;
      }
      if (u->have == sizeof u->e + u->e.path_len) {
        u->header_ok = 1;
        start_entry(u);
        if (u->e.kind != 'f' || u->left == 0) {
          u->header_ok = 0;
          u->have = 0;
        }
      }
      continue;
    }
    size_t take = u->left < n ? (size_t)u->left : n;
    while (take > 0) {
      ssize_t w = write(u->out, p, take);
      if (w < 0) {
        if (errno == EINTR) continue;
        fail("cannot write %s: %s", u->path, strerror(errno));
      }
      p += w;
      n -= (size_t)w;
      u->left -= (uint64_t)w;
      take -= (size_t)w;
    }
    if (u->left == 0) {
      finish_file(u);
      u->header_ok = 0;
      u->have = 0;
    }
  }
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st;
  (void)flag;
  (void)ftw;
  remove(path);
  return 0;
}

static void remove_tree(const char *path) { nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS); }

static void hex(const unsigned char *d, size_t n, char *out) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = digits[d[i] >> 4];
    out[2 * i + 1] = digits[d[i] & 15];
  }
}

/* Writes a seal file (0400) and syncs it. */
static void write_seal(int dirfd, const char *tmp, const char *name, const char *buf,
                       size_t len) {
  int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0400);
  if (fd < 0) fail("cannot create %s/%s: %s", tmp, name, strerror(errno));
  for (size_t w = 0; w < len;) {
    ssize_t r = write(fd, buf + w, len - w);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) fail("cannot write %s/%s: %s", tmp, name, strerror(errno));
    w += (size_t)r;
  }
  if (fsync(fd) != 0) fail("cannot sync %s/%s: %s", tmp, name, strerror(errno));
  close(fd);
}

/*
 * Drops the just-written (now clean) page cache of `name`, the 92 MB Deno binary. Pages
 * written in one go stay cached as large folios, which every process that maps the binary
 * then maps whole: the daemon's first start in a new copy held about 3 MiB more RSS for its
 * life (60.2 against 57.5 MiB after start, 62.3 against 59.3 idle with 500 pods cached).
 * Read back on demand, the pages are mapped as a later start maps them. Best effort.
 */
static void drop_written_pages(int dirfd, const char *name) {
  int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return;
  posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  close(fd);
}

/* Unpacks the payload into `tmp` (a new 0700 dir) and seals it; fails on any error. */
static void unpack(int self, const struct trailer *t, const char *tmp) {
  int dirfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (dirfd < 0) fail("cannot open %s: %s", tmp, strerror(errno));
  struct unpacker u;
  memset(&u, 0, sizeof u);
  u.dirfd = dirfd;
  u.out = -1;
  /* The seals are gathered in memory and written last. */
  char *seal_buf = NULL, *npm_buf = NULL;
  size_t seal_len = 0, npm_len = 0;
  u.seal = open_memstream(&seal_buf, &seal_len);
  u.seal_npm = open_memstream(&npm_buf, &npm_len);
  if (!u.seal || !u.seal_npm) fail("out of memory");
  fprintf(u.seal, "%s %.*s\n", SEAL_MAGIC, HASH_HEX, t->hash);
  fprintf(u.seal_npm, "%s %.*s\n", SEAL_MAGIC, HASH_HEX, t->hash);

  ZSTD_DStream *z = ZSTD_createDStream();
  if (!z) fail("out of memory");
  ZSTD_initDStream(z);
  size_t in_cap = ZSTD_DStreamInSize(), out_cap = ZSTD_DStreamOutSize();
  unsigned char *in = malloc(in_cap), *outb = malloc(out_cap);
  if (!in || !outb) fail("out of memory");
  struct sha256 sha;
  sha256_init(&sha);
  uint64_t off = t->payload_offset, end = t->payload_offset + t->payload_size;
  int magic_seen = 0;
  unsigned char magic[16];
  size_t magic_have = 0;
  while (off < end) {
    size_t want = end - off < in_cap ? (size_t)(end - off) : in_cap;
    ssize_t got = pread(self, in, want, (off_t)off);
    if (got <= 0) fail("cannot read the payload: %s", got < 0 ? strerror(errno) : "short file");
    off += (uint64_t)got;
    sha256_update(&sha, in, (size_t)got);
    ZSTD_inBuffer ib = {in, (size_t)got, 0};
    while (ib.pos < ib.size) {
      ZSTD_outBuffer ob = {outb, out_cap, 0};
      size_t r = ZSTD_decompressStream(z, &ob, &ib);
      if (ZSTD_isError(r)) fail("the payload is corrupt: %s", ZSTD_getErrorName(r));
      const unsigned char *p = outb;
      size_t n = ob.pos;
      if (!magic_seen) {
        size_t take = 16 - magic_have < n ? 16 - magic_have : n;
        memcpy(magic + magic_have, p, take);
        magic_have += take;
        p += take;
        n -= take;
        if (magic_have == 16) {
          if (memcmp(magic, ARCHIVE_MAGIC, 16) != 0) fail("the payload is not an archive");
          magic_seen = 1;
        }
      }
      feed(&u, p, n);
    }
  }
  unsigned char digest[32];
  char got_hex[HASH_HEX];
  sha256_final(&sha, digest);
  hex(digest, 32, got_hex);
  if (memcmp(got_hex, t->hash, HASH_HEX) != 0)
    fail("the payload's hash %.*s is not the trailer's %.*s: the file is damaged", HASH_HEX,
         got_hex, HASH_HEX, t->hash);
  if (!u.done || u.header_ok) fail("the payload ends inside an entry");
  ZSTD_freeDStream(z);
  free(in);
  free(outb);
  fclose(u.seal);
  fclose(u.seal_npm);
  /* Every file's data reaches the disk before a seal names it. */
  if (syncfs(dirfd) != 0) fail("cannot sync %s: %s", tmp, strerror(errno));
  write_seal(dirfd, tmp, ".seal-npm", npm_buf, npm_len);
  write_seal(dirfd, tmp, ".seal", seal_buf, seal_len);
  free(npm_buf);
  free(seal_buf);
  /* The directories' entries reach the disk before the rename publishes them. */
  if (syncfs(dirfd) != 0) fail("cannot sync %s: %s", tmp, strerror(errno));
  drop_written_pages(dirfd, "deno");
  close(dirfd);
}

/*
 * Removes what an unpack killed midway left in `base` (`.tmp-<hash>-<pid>-<n>`) and copies
 * moved aside (`.bad-<hash>-<pid>`), once the process that made them is gone.
 */
static void sweep(const char *base) {
  DIR *d = opendir(base);
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (strncmp(e->d_name, ".tmp-", 5) != 0 && strncmp(e->d_name, ".bad-", 5) != 0) continue;
    const char *dash = strchr(e->d_name + 5, '-');
    if (!dash) continue;
    long pid = strtol(dash + 1, NULL, 10);
    if (pid <= 0 || (kill((pid_t)pid, 0) != 0 && errno == ESRCH)) {
      char path[PATH_MAX];
      snprintf(path, sizeof path, "%s/%s", base, e->d_name);
      remove_tree(path);
    }
  }
  closedir(d);
}

/* Whether `name` is a copy's directory name: DIR_HASH_CHARS lowercase hex digits. */
static int copy_name(const char *name) {
  size_t i = 0;
  for (; name[i]; i++) {
    if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f'))) return 0;
  }
  return i == DIR_HASH_CHARS;
}

/* Whether a running process executes a file inside `dir` (e.g. an older daemon's Deno). */
static int in_use(const char *dir) {
  DIR *proc = opendir("/proc");
  if (!proc) return 1; /* cannot tell: keep it */
  size_t len = strlen(dir);
  int used = 0;
  struct dirent *e;
  while (!used && (e = readdir(proc)) != NULL) {
    if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
    char link[64], target[PATH_MAX];
    snprintf(link, sizeof link, "/proc/%s/exe", e->d_name);
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n <= 0) continue;
    target[n] = '\0';
    used = strncmp(target, dir, len) == 0 && target[len] == '/';
  }
  closedir(proc);
  return used;
}

/*
 * Removes the copies older builds unpacked into `base` (each about 150 MB) that no running
 * process executes, so upgrades do not pile them up. It runs only after this build's first
 * unpack, i.e. once per installed version. A copy still in use (an older daemon) stays until
 * the next new version's first run. A copy is moved aside first, so a prune killed midway
 * leaves a `.bad-` dir that `sweep` removes.
 */
static void prune_old(const char *base, const char *own) {
  DIR *d = opendir(base);
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (!copy_name(e->d_name) || strncmp(e->d_name, own, DIR_HASH_CHARS) == 0) continue;
    char path[PATH_MAX], seal[PATH_MAX + 8], aside[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", base, e->d_name);
    snprintf(seal, sizeof seal, "%s/.seal", path);
    struct stat st;
    /* Only what looks like one of our copies: this user's directory with a seal. */
    if (lstat(path, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid()) continue;
    if (lstat(seal, &st) != 0 || in_use(path)) continue;
    snprintf(aside, sizeof aside, "%s/.bad-%s-%d", base, e->d_name, getpid());
    if (rename(path, aside) == 0) remove_tree(aside);
  }
  closedir(d);
}

/* Makes sure <base>/<hash> is a verified copy of the payload; returns its path in `out`. */
static void provide(int self, const struct trailer *t, int all, char *out, size_t out_len) {
  char base[PATH_MAX];
  pick_runtime_dir(base, sizeof base);
  snprintf(out, out_len, "%s/%.*s", base, DIR_HASH_CHARS, t->hash);
  char why[PATH_MAX + 256];
  for (int attempt = 0; attempt < 3; attempt++) {
    int dirfd = open(out, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (dirfd >= 0) {
      struct stat st;
      int ok = fstat(dirfd, &st) == 0 && st.st_uid == geteuid() && (st.st_mode & 077) == 0;
      if (!ok) snprintf(why, sizeof why, "%s is not a 0700 directory of this user", out);
      else ok = verify(dirfd, t->hash, all, why, sizeof why);
      close(dirfd);
      if (ok) return;
      /* Partial or altered: move it aside (never execute it) and unpack again. */
      char aside[PATH_MAX];
      snprintf(aside, sizeof aside, "%s/.bad-%.*s-%d", base, DIR_HASH_CHARS, t->hash, getpid());
      fprintf(stderr, "%s: %s: %s; unpacking again\n", self_name, out, why);
      if (rename(out, aside) == 0) remove_tree(aside);
      else if (errno != ENOENT) fail("cannot move %s aside: %s", out, strerror(errno));
    } else if (errno != ENOENT) {
      fail("cannot open %s: %s", out, strerror(errno));
    }
    char tmp[PATH_MAX];
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    snprintf(tmp, sizeof tmp, "%s/.tmp-%.*s-%d-%ld", base, DIR_HASH_CHARS, t->hash, getpid(),
             ts.tv_nsec);
    if (mkdir(tmp, 0700) != 0) fail("cannot create %s: %s", tmp, strerror(errno));
    snprintf(unpacking, sizeof unpacking, "%s", tmp);
    unpack(self, t, tmp);
    int renamed = rename(tmp, out);
    int err = errno;
    if (renamed != 0) remove_tree(tmp);
    unpacking[0] = '\0';
    if (renamed != 0) {
      /* Another first run won the race: verify its copy. */
      if (err != EEXIST && err != ENOTEMPTY) fail("cannot rename %s: %s", tmp, strerror(err));
      continue;
    }
    int bfd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (bfd >= 0) {
      fsync(bfd);
      close(bfd);
    }
    sweep(base);
    prune_old(base, t->hash);
  }
  int dirfd = open(out, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (dirfd >= 0 && verify(dirfd, t->hash, all, why, sizeof why)) {
    close(dirfd);
    return;
  }
  fail("cannot provide a verified copy of the program in %s: %s", out, why);
}

/*
 * The daemon's first start in an unpacked copy would build Deno's caches for its module
 * graph (the dependency analysis of every module, their emitted JavaScript, V8's code
 * cache), parsing every module on a pool of threads: about 5-7 MiB of RSS and a dozen
 * threads the long-lived daemon then keeps. So that first start runs the daemon's entry
 * once with `-version` (the same graph, nothing started) in a child, which fills them and
 * exits; a marker in the copy says it was done. Best effort: a failure only costs memory.
 */
static void warm_caches(const char *dir, char **args, size_t entry_at, int subcommand) {
  char marker[PATH_MAX + 32];
  snprintf(marker, sizeof marker, "%s/deno_dir/.daemon-warm", dir);
  if (access(marker, F_OK) == 0) return;
  char *warm[32];
  size_t k = 0;
  for (; k <= entry_at && k < 28; k++) warm[k] = args[k];
  if (subcommand) warm[k++] = "daemon";
  warm[k++] = "-version";
  warm[k] = NULL;
  pid_t pid = fork();
  if (pid == 0) {
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
      dup2(null, 0);
      dup2(null, 1);
      dup2(null, 2);
    }
    execv(warm[0], warm);
    _exit(127);
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0)
    return;
  int fd = open(marker, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd >= 0) close(fd);
}

static const char *base_name(const char *p) {
  const char *s = strrchr(p, '/');
  return s ? s + 1 : p;
}

int main(int argc, char **argv) {
  self_name = base_name(argv[0]);
  int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (self < 0) fail("cannot open /proc/self/exe: %s", strerror(errno));
  struct trailer t;
  uint64_t size;
  if (read_trailer(self, &t, &size) != 0) fail("this file carries no program (no valid trailer)");
  /* A CNI plugin exec (no arguments) checks the runtime and the program only. */
  int plugin = argc == 1 && strcmp(self_name, "multus-daemon") != 0;
  const char *verify_only = getenv("MULTUS_VERIFY_ONLY");
  int all = !plugin || (verify_only && *verify_only);
  char dir[PATH_MAX];
  provide(self, &t, all, dir, sizeof dir);
  close(self);
  /* The program asks for the full check before it imports an npm module in a plugin exec. */
  if (verify_only && *verify_only) return 0;

  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  exe[n > 0 ? n : 0] = '\0';

  const char *name = self_name;
  char src[PATH_MAX + 64], deno[PATH_MAX + 16], config[PATH_MAX + 32], denodir[PATH_MAX + 16];
  const char *entry = "main";
  if (strcmp(name, "multus-daemon") == 0) entry = "entry/daemon";
  else if (argc == 1) {
    if (strcmp(name, "passthru") == 0) entry = "entry/passthru";
    else if (strcmp(name, "multus-shim") == 0) entry = "entry/shim";
    else entry = "entry/thin";
  }
  snprintf(src, sizeof src, "%s/lib/src/%s.ts", dir, entry);
  snprintf(deno, sizeof deno, "%s/deno", dir);
  snprintf(config, sizeof config, "--config=%s/lib/deno.json", dir);
  snprintf(denodir, sizeof denodir, "%s/deno_dir", dir);
  /* The daemon is long-lived and must stay small under bursts (see scripts/build.ts). */
  int daemon = strcmp(name, "multus-daemon") == 0 || (argc > 1 && strcmp(argv[1], "daemon") == 0);
  if (daemon) setenv("MALLOC_ARENA_MAX", "2", 0);
  /* Fixed malloc thresholds (glibc otherwise raises them after each large free): blocks of
   * 64 KiB and more are mmapped and returned when freed, and the heap's free top is given
   * back. Measured in the burst of 100 ADDs: peak 88-90 -> 79 MiB, malloc heap 17-20 -> 8-10. */
  if (daemon) setenv("MALLOC_MMAP_THRESHOLD_", "65536", 0);
  if (daemon) setenv("MALLOC_TRIM_THRESHOLD_", "65536", 0);
  setenv("MULTUS_ARGV0", argv[0], 1);
  setenv("MULTUS_EXE", exe, 1);
  setenv("MULTUS_LAUNCHER", "1", 1);
  if (all) setenv("MULTUS_NPM_VERIFIED", "1", 1);
  else unsetenv("MULTUS_NPM_VERIFIED");
  setenv("DENO_DIR", denodir, 1);
  setenv("DENO_NO_UPDATE_CHECK", "1", 1);
  const char *fixed[] = {deno,           "run",     "--quiet", "--no-prompt", "--cached-only",
                         "--no-lock",    config,    "--allow-all"};
  size_t nfixed = sizeof fixed / sizeof fixed[0];
  char **args = calloc(nfixed + (size_t)argc + 2, sizeof(char *));
  if (!args) fail("out of memory");
  size_t k = 0;
  for (size_t i = 0; i < nfixed; i++) args[k++] = (char *)fixed[i];
  if (daemon) args[k++] = (char *)DAEMON_V8_FLAGS;
  /* The thin plugin lives for one CNI call (see scripts/build.ts). */
  else if (strcmp(entry, "entry/thin") == 0) args[k++] = (char *)THIN_V8_FLAGS;
  args[k++] = src;
  if (daemon) warm_caches(dir, args, k - 1, strcmp(name, "multus-daemon") != 0);
  for (int i = 1; i < argc; i++) args[k++] = argv[i];
  args[k] = NULL;
  execv(deno, args);
  fail("cannot exec %s: %s", deno, strerror(errno));
}
