/*
 * gen: the peer benchmark's load generator, compiled with `cc -O2` at bench
 * time so that producing filesystem events is never the bottleneck.
 *
 *   gen tree ROOT DIRS FILES            ROOT/dNNNNN/fNNN, empty files
 *   gen ops ROOT DIRS FILES SEED C W R U D OUTDIR
 *                                       the op mix on a tree made by `tree`
 *   gen list ROOT OUTFILE               every path under ROOT, one a line
 *
 * The op mix, shuffled by a xorshift64 seeded with SEED:
 *   C creates        open(O_CREAT|O_EXCL) + close of a new file in a random
 *                    pre-tree directory
 *   W writes         open(O_APPEND) + 16-byte write + close of a pre-tree file
 *   R renames        a pre-tree file to a new name in a random directory
 *   U unlinks        of pre-tree files
 *   D new dirs       mkdir, then at once 4 creates inside it
 * Every pre-tree file is used by at most one of W, R, U, so each operation
 * touches distinct paths. After the last operation `ops` writes
 * OUTDIR/touched.tsv ("kind<TAB>path") and OUTDIR/expected.txt (the final
 * tree), then prints "START <ms>" and "END <ms>" on CLOCK_MONOTONIC, the
 * clock Node's process.hrtime() reads.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define NEW_DIR_FILES 4

static uint64_t rng = 88172645463325252ull;

static uint64_t below(uint64_t n) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng % n;
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void die(const char *what, const char *path) {
  fprintf(stderr, "gen: %s '%s': %s\n", what, path, strerror(errno));
  exit(1);
}

static void make_file(const char *path) {
  int fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0) die("create", path);
  close(fd);
}

static void append_file(const char *path) {
  int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) die("open", path);
  if (write(fd, "0123456789abcdef", 16) != 16) die("write", path);
  close(fd);
}

static void pre_dir(char *out, const char *root, long d) {
  snprintf(out, PATH_MAX, "%s/d%05ld", root, d);
}

static void pre_file(char *out, const char *root, long index, long files) {
  snprintf(out, PATH_MAX, "%s/d%05ld/f%03ld", root, index / files, index % files);
}

static int make_tree(const char *root, long dirs, long files) {
  char path[PATH_MAX];
  for (long d = 0; d < dirs; d++) {
    pre_dir(path, root, d);
    if (mkdir(path, 0755) != 0) die("mkdir", path);
    for (long f = 0; f < files; f++) {
      pre_file(path, root, d * files + f, files);
      make_file(path);
    }
  }
  return 0;
}

static void shuffle(long *items, long n) {
  for (long i = n - 1; i > 0; i--) {
    long j = (long)below((uint64_t)i + 1);
    long t = items[i];
    items[i] = items[j];
    items[j] = t;
  }
}

static FILE *open_out(const char *dir, const char *name) {
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  if (!f) die("fopen", path);
  return f;
}

static int run_ops(char **argv) {
  const char *root = argv[0];
  long dirs = atol(argv[1]), files = atol(argv[2]);
  rng ^= strtoull(argv[3], NULL, 10) * 0x9E3779B97F4A7C15ull;
  long c = atol(argv[4]), w = atol(argv[5]), r = atol(argv[6]);
  long u = atol(argv[7]), d = atol(argv[8]);
  const char *outdir = argv[9];
  long pre = dirs * files, nops = c + w + r + u + d;
  if (w + r + u > pre || dirs <= 0) {
    fprintf(stderr, "gen: W+R+U=%ld exceeds the pre-tree's %ld files\n", w + r + u, pre);
    return 2;
  }
  long *perm = malloc(sizeof(long) * (size_t)pre);
  char *kinds = malloc((size_t)nops);
  if (!perm || !kinds) die("malloc", "");
  for (long i = 0; i < pre; i++) perm[i] = i;
  shuffle(perm, pre);
  long k = 0;
  memset(kinds + k, 'c', (size_t)c), k += c;
  memset(kinds + k, 'w', (size_t)w), k += w;
  memset(kinds + k, 'r', (size_t)r), k += r;
  memset(kinds + k, 'u', (size_t)u), k += u;
  memset(kinds + k, 'd', (size_t)d);
  for (long i = nops - 1; i > 0; i--) {
    long j = (long)below((uint64_t)i + 1);
    char t = kinds[i];
    kinds[i] = kinds[j];
    kinds[j] = t;
  }

  char *touched_buf = NULL, *added_buf = NULL;
  size_t touched_len = 0, added_len = 0;
  FILE *touched = open_memstream(&touched_buf, &touched_len);
  FILE *added = open_memstream(&added_buf, &added_len);
  char from[PATH_MAX], to[PATH_MAX];
  long ci = 0, wi = 0, ri = 0, ui = 0, di = 0;
  double start = now_ms();
  for (long i = 0; i < nops; i++) {
    switch (kinds[i]) {
      case 'c':
        snprintf(to, sizeof to, "%s/d%05ld/c%07ld", root, (long)below((uint64_t)dirs), ci++);
        make_file(to);
        fprintf(touched, "create\t%s\n", to);
        fprintf(added, "%s\n", to);
        break;
      case 'w':
        pre_file(to, root, perm[wi++], files);
        append_file(to);
        fprintf(touched, "write\t%s\n", to);
        break;
      case 'r':
        pre_file(from, root, perm[w + ri], files);
        snprintf(to, sizeof to, "%s/d%05ld/r%07ld", root, (long)below((uint64_t)dirs), ri++);
        if (rename(from, to) != 0) die("rename", from);
        fprintf(touched, "rename-from\t%s\nrename-to\t%s\n", from, to);
        fprintf(added, "%s\n", to);
        break;
      case 'u':
        pre_file(from, root, perm[w + r + ui++], files);
        if (unlink(from) != 0) die("unlink", from);
        fprintf(touched, "unlink\t%s\n", from);
        break;
      default: {
        char dir[PATH_MAX];
        snprintf(dir, sizeof dir, "%s/d%05ld/n%06ld", root, (long)below((uint64_t)dirs), di++);
        if (mkdir(dir, 0755) != 0) die("mkdir", dir);
        fprintf(touched, "mkdir\t%s\n", dir);
        fprintf(added, "%s\n", dir);
        for (int g = 0; g < NEW_DIR_FILES; g++) {
          snprintf(to, sizeof to, "%s/g%d", dir, g);
          make_file(to);
          fprintf(touched, "file-in-new-dir\t%s\n", to);
          fprintf(added, "%s\n", to);
        }
      }
    }
  }
  double end = now_ms();
  fclose(touched);
  fclose(added);

  FILE *out = open_out(outdir, "touched.tsv");
  fwrite(touched_buf, 1, touched_len, out);
  fclose(out);
  out = open_out(outdir, "expected.txt");
  for (long dd = 0; dd < dirs; dd++) {
    pre_dir(to, root, dd);
    fprintf(out, "%s\n", to);
  }
  /* perm[w .. w+r+u) were renamed away or unlinked; the rest remain. */
  for (long i = 0; i < pre; i++) {
    if (i >= w && i < w + r + u) continue;
    pre_file(to, root, perm[i], files);
    fprintf(out, "%s\n", to);
  }
  fwrite(added_buf, 1, added_len, out);
  fclose(out);
  printf("START %.3f\nEND %.3f\n", start, end);
  return 0;
}

static void list_tree(FILE *out, char *path, size_t len) {
  DIR *dir = opendir(path);
  if (!dir) die("opendir", path);
  struct dirent *entry;
  while ((entry = readdir(dir)) != NULL) {
    const char *name = entry->d_name;
    if (name[0] == '.' && (name[1] == 0 || (name[1] == '.' && name[2] == 0))) continue;
    size_t n = strlen(name);
    if (len + 1 + n >= PATH_MAX) continue;
    path[len] = '/';
    memcpy(path + len + 1, name, n + 1);
    fprintf(out, "%s\n", path);
    unsigned char type = entry->d_type;
    if (type == DT_UNKNOWN) {
      struct stat st;
      if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) type = DT_DIR;
    }
    if (type == DT_DIR) list_tree(out, path, len + 1 + n);
    path[len] = 0;
  }
  closedir(dir);
}

int main(int argc, char **argv) {
  if (argc == 5 && strcmp(argv[1], "tree") == 0) return make_tree(argv[2], atol(argv[3]), atol(argv[4]));
  if (argc == 12 && strcmp(argv[1], "ops") == 0) return run_ops(argv + 2);
  if (argc == 4 && strcmp(argv[1], "list") == 0) {
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s", argv[2]);
    FILE *out = fopen(argv[3], "w");
    if (!out) die("fopen", argv[3]);
    list_tree(out, path, strlen(path));
    return fclose(out) == 0 ? 0 : 1;
  }
  fprintf(stderr, "usage: gen tree ROOT DIRS FILES | gen ops ROOT DIRS FILES SEED C W R U D OUTDIR | gen list ROOT OUT\n");
  return 2;
}
