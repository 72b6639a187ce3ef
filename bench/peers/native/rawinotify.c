/*
 * rawinotify: the floor of the peer benchmark. A minimal inotify reader
 * speaking the driver protocol (see ../README.md): one watch per directory,
 * a watch added at once for every new directory followed by a scan of it
 * (reporting what was created before the watch existed), one line per
 * kernel event, "OVERFLOW" on IN_Q_OVERFLOW. It keeps no view: the harness
 * replays its events.
 *
 *   rawinotify ROOT
 *
 * Exits when its standard input reaches end of file or reads "QUIT".
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

static const uint32_t WATCH_MASK = IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO |
                                   IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB | IN_ONLYDIR |
                                   IN_DONT_FOLLOW | IN_EXCL_UNLINK;

static int inotify_fd;
static char **wd_paths; /* wd -> directory path; wds are small increasing ints */
static size_t wd_capacity;

static void set_path(int wd, const char *path) {
  if ((size_t)wd >= wd_capacity) {
    size_t capacity = wd_capacity ? wd_capacity : 1024;
    while (capacity <= (size_t)wd) capacity *= 2;
    wd_paths = realloc(wd_paths, capacity * sizeof *wd_paths);
    if (!wd_paths) abort();
    memset(wd_paths + wd_capacity, 0, (capacity - wd_capacity) * sizeof *wd_paths);
    wd_capacity = capacity;
  }
  free(wd_paths[wd]);
  wd_paths[wd] = strdup(path);
}

static const char *path_of(int wd) {
  return wd >= 0 && (size_t)wd < wd_capacity ? wd_paths[wd] : NULL;
}

static void emit(const char *type, const char *path) {
  printf("EV\t%s\t%s\n", type, path);
}

/* Watches DIR and everything below it; with REPORT, names each entry found
 * as created (it appeared before its parent's watch could see it). */
static void add_tree(const char *dir, int report) {
  int wd = inotify_add_watch(inotify_fd, dir, WATCH_MASK);
  if (wd < 0) {
    if (errno != ENOENT && errno != ENOTDIR) printf("NOTE\tinotify_add_watch %s: %s\n", dir, strerror(errno));
    return;
  }
  set_path(wd, dir);
  DIR *handle = opendir(dir);
  if (!handle) return;
  struct dirent *entry;
  char child[PATH_MAX];
  while ((entry = readdir(handle)) != NULL) {
    const char *name = entry->d_name;
    if (name[0] == '.' && (name[1] == 0 || (name[1] == '.' && name[2] == 0))) continue;
    snprintf(child, sizeof child, "%s/%s", dir, name);
    if (report) emit("create", child);
    unsigned char type = entry->d_type;
    if (type == DT_UNKNOWN) {
      struct stat st;
      if (lstat(child, &st) == 0 && S_ISDIR(st.st_mode)) type = DT_DIR;
    }
    if (type == DT_DIR) add_tree(child, report);
  }
  closedir(handle);
}

/* A directory moved inside the tree keeps its wds: rewrite their paths. */
static void rename_prefix(const char *from, const char *to) {
  size_t from_len = strlen(from);
  char path[PATH_MAX];
  for (size_t wd = 0; wd < wd_capacity; wd++) {
    const char *old = wd_paths[wd];
    if (!old || strncmp(old, from, from_len) != 0) continue;
    if (old[from_len] != 0 && old[from_len] != '/') continue;
    snprintf(path, sizeof path, "%s%s", to, old + from_len);
    set_path((int)wd, path);
  }
}

static uint32_t moved_cookie;
static char moved_dir[PATH_MAX];

static void handle(const struct inotify_event *event) {
  if (event->mask & IN_Q_OVERFLOW) {
    printf("OVERFLOW\n");
    return;
  }
  const char *dir = path_of(event->wd);
  if (event->mask & IN_IGNORED) {
    if (dir) {
      free(wd_paths[event->wd]);
      wd_paths[event->wd] = NULL;
    }
    return;
  }
  if (!dir || event->len == 0) return;
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/%s", dir, event->name);
  uint32_t mask = event->mask;
  int is_dir = (mask & IN_ISDIR) != 0;
  if (mask & IN_CREATE) {
    emit("create", path);
    if (is_dir) add_tree(path, 1);
  } else if (mask & IN_MOVED_FROM) {
    emit("moved-from", path);
    if (is_dir) {
      moved_cookie = event->cookie;
      snprintf(moved_dir, sizeof moved_dir, "%s", path);
    }
  } else if (mask & IN_MOVED_TO) {
    emit("moved-to", path);
    if (is_dir && moved_cookie != 0 && moved_cookie == event->cookie) {
      rename_prefix(moved_dir, path);
      moved_cookie = 0;
    } else if (is_dir) {
      add_tree(path, 1);
    }
  } else if (mask & IN_DELETE) {
    emit("delete", path);
  } else if (mask & IN_CLOSE_WRITE) {
    emit("write-complete", path);
  } else if (mask & IN_MODIFY) {
    emit("modify", path);
  } else if (mask & IN_ATTRIB) {
    emit("attrib", path);
  }
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: rawinotify ROOT\n");
    return 2;
  }
  static char out_buffer[1 << 20];
  setvbuf(stdout, out_buffer, _IOFBF, sizeof out_buffer);
  inotify_fd = inotify_init1(IN_CLOEXEC);
  if (inotify_fd < 0) {
    perror("inotify_init1");
    return 1;
  }
  char root[PATH_MAX];
  snprintf(root, sizeof root, "%s", argv[1]);
  size_t root_len = strlen(root);
  while (root_len > 1 && root[root_len - 1] == '/') root[--root_len] = 0;
  add_tree(root, 0);
  printf("READY\n");
  fflush(stdout);

  static char buffer[256 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));
  struct pollfd fds[2] = {{inotify_fd, POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
  for (;;) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      perror("poll");
      return 1;
    }
    if (fds[1].revents) {
      char line[256];
      ssize_t n = read(STDIN_FILENO, line, sizeof line);
      if (n <= 0 || memmem(line, (size_t)n, "QUIT", 4)) break;
    }
    if (!(fds[0].revents & POLLIN)) continue;
    ssize_t n = read(inotify_fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      perror("read");
      return 1;
    }
    for (char *p = buffer; p < buffer + n;) {
      const struct inotify_event *event = (const struct inotify_event *)p;
      handle(event);
      p += sizeof(struct inotify_event) + event->len;
    }
    fflush(stdout);
  }
  fflush(stdout);
  return 0;
}
