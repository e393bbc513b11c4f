/*
 * Rootfs steps. Every path inside the container's rootfs is resolved with openat2(RESOLVE_IN_ROOT)
 * against the rootfs fd, so a symlink in the image (say /dev -> /host/dev) cannot point a mount
 * at the host; the mount then targets the resolved fd through /proc/self/fd (runc's securejoin +
 * procfd approach). Missing directories are made one component at a time under the resolved parent.
 */
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/openat2.h>
#include <linux/mount.h>

#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif

static int mount_setattr_fd(int fd, bool recursive, uint64_t set, uint64_t clr, uint64_t userns) {
  struct mount_attr a = {};
  a.attr_set = set;
  a.attr_clr = clr;
  a.userns_fd = userns;
  return (int)syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &a, sizeof a);
}

static const Arg &arg(const Step &s, uint32_t i) {
  static Arg none = {};
  return i < s.nargs ? s.a[i] : none;
}

static int openat2_in_root(int root, const char *rel, int flags) {
  struct open_how how = {};
  how.flags = flags | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  for (;;) {
    long fd = syscall(SYS_openat2, root, rel, &how, sizeof how);
    if (fd >= 0 || errno != EAGAIN) return (int)fd;
  }
}

static int resolve_depth(int root, const char *path, int mkkind, int depth);

/* Resolve `path` (absolute or relative, taken inside the rootfs) to an O_PATH fd. mkkind: 0 must
 * exist, 1 make missing directories, 2 make missing directories and the last component as a file.
 * A dangling symlink on the way is followed inside the rootfs and its target made (as runc's
 * securejoin does), never outside it. */
int resolve_in_root(const char *path, int mkkind) { return resolve_depth(g_rootfd, path, mkkind, 0); }

int resolve_in(int root, const char *path, int mkkind) { return resolve_depth(root, path, mkkind, 0); }

static int resolve_depth(int root, const char *path, int mkkind, int depth) {
  if (depth > 40) { errno = ELOOP; return -1; }
  while (*path == '/') path++;
  if (!*path) return openat2_in_root(root, ".", O_PATH);
  int fd = openat2_in_root(root, path, O_PATH);
  if (fd >= 0 || errno != ENOENT || !mkkind) return fd;
  char buf[4096];
  if (strlen(path) >= sizeof buf) { errno = ENAMETOOLONG; return -1; }
  strcpy(buf, path);
  int parent = openat2_in_root(root, ".", O_PATH);
  char *comp = buf;
  while (comp && *comp) {
    char *slash = strchr(comp, '/');
    if (slash) *slash = 0;
    bool last = !slash || !slash[1];
    if (*comp && strcmp(comp, ".") != 0) {
      /* Resolve the prefix so far inside the root: symlinks in it stay inside the root. */
      int next = openat2_in_root(root, buf, O_PATH);
      if (next < 0 && errno == ENOENT) {
        if (last && mkkind == 2) {
          int f = openat(parent, comp, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
          if (f < 0 && errno != EEXIST) { close(parent); return -1; }
          if (f >= 0) close(f);
        } else if (mkdirat(parent, comp, 0755) < 0 && errno != EEXIST) {
          close(parent);
          return -1;
        }
        next = openat2_in_root(root, buf, O_PATH);
        if (next < 0 && errno == ENOENT) {
          /* still missing: a dangling symlink. Continue at its target (taken inside the root). */
          char target[4096];
          ssize_t n = readlinkat(parent, comp, target, sizeof target - 1);
          if (n > 0) {
            target[n] = 0;
            char joined[8192];
            const char *rest = slash ? slash + 1 : "";
            if (target[0] == '/') {
              snprintf(joined, sizeof joined, "%s/%s", target, rest);
            } else {
              *comp = 0; /* buf now holds the prefix before this component */
              snprintf(joined, sizeof joined, "%s%s/%s", buf, target, rest);
            }
            close(parent);
            return resolve_depth(root, joined, mkkind, depth + 1);
          }
          errno = ENOENT;
        }
      }
      if (next < 0) { int e = errno; close(parent); errno = e; return -1; }
      close(parent);
      parent = next;
    }
    if (slash) { *slash = '/'; comp = slash + 1; } else comp = nullptr;
  }
  return parent;
}

static void procfd(char *out, size_t n, int fd) { snprintf(out, n, "/proc/self/fd/%d", fd); }

/* Flags a bind remount must keep: the kernel refuses to clear locked ones in a user namespace. */
static unsigned long current_mount_flags(const char *path) {
  struct statvfs sv;
  if (statvfs(path, &sv) < 0) return 0;
  return sv.f_flag & (MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_RDONLY);
}

void op_rootfs_bind(const Step &s) {
  const char *rootfs = arg(s, 0).s;
  if (mount(rootfs, rootfs, nullptr, MS_BIND | MS_REC, nullptr) < 0) fail("mount", rootfs);
  g_rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (g_rootfd < 0) fail("open", rootfs);
  /* From here the init works in the rootfs, as runc's does: a createContainer hook starts there,
   * not in the runtime's working directory on the host. */
  if (fchdir(g_rootfd) < 0) fail("fchdir", rootfs);
}

void op_mount_propagation(const Step &s) {
  if (mount(nullptr, arg(s, 0).s, nullptr, arg(s, 1).i, nullptr) < 0) fail("mount", arg(s, 0).s);
}

/* source dest fstype flags data propagation mkkind remount_flags */
void op_mount(const Step &s) {
  const char *src = arg(s, 0).s, *dest = arg(s, 1).s, *type = arg(s, 2).s, *data = arg(s, 4).s;
  unsigned long flags = arg(s, 3).i, prop = arg(s, 5).i, remount = arg(s, 7).i;
  uint64_t rec_set = arg(s, 8).i, rec_clr = arg(s, 9).i;
  /* A tmpfs without mode= takes the mode of its mount point when that exists (runc); a mount
   * point made here leaves the tmpfs default. Read before the mount point is made. */
  char moded[4096];
  if (arg(s, 10).i) {
    int pre = resolve_in_root(dest, 0);
    struct stat st;
    if (pre >= 0 && fstat(pre, &st) == 0 && S_ISDIR(st.st_mode)) {
      int n = snprintf(moded, sizeof moded, "%s%smode=%o", data, *data ? "," : "", (unsigned)(st.st_mode & 07777));
      if (n < 0 || (size_t)n >= sizeof moded) { close(pre); fail("mount", dest, ENAMETOOLONG); }
      data = moded;
    }
    if (pre >= 0) close(pre);
  }
  int fd = resolve_in_root(dest, (int)arg(s, 6).i);
  if (fd < 0) fail("resolve", dest);
  /* proc and sysfs must land where they are named: not on whatever a symlink in the image points
   * to (a /proc -> / link would cover the container's root; runc refuses it too). */
  if (strcmp(type, "proc") == 0 || strcmp(type, "sysfs") == 0) {
    struct stat st;
    char rel[4096];
    snprintf(rel, sizeof rel, "%s", dest[0] == '/' ? dest + 1 : dest);
    struct open_how how = {};
    how.flags = O_PATH | O_CLOEXEC;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS;
    long plain = syscall(SYS_openat2, g_rootfd, rel, &how, sizeof how);
    if (plain < 0 || fstat((int)plain, &st) < 0 || !S_ISDIR(st.st_mode)) {
      int e = plain < 0 ? errno : ENOTDIR;
      close(fd);
      fail("mount", "must be mounted on ordinary directory (the destination must be a directory, not a symbolic link)", e);
    }
    close((int)plain);
  }
  char target[64];
  procfd(target, sizeof target, fd);
  if (arg(s, 11).i) {
    /* a bind source the runtime opened on the host side (open_tree): attached, not looked up here */
    if (syscall(SYS_move_mount, fd_at(arg(s, 12).i), "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0) {
      int e = errno;
      close(fd);
      fail("move_mount", dest, e);
    }
  } else if (mount(*src ? src : nullptr, target, *type ? type : nullptr, flags, *data ? data : nullptr) < 0) {
    int e = errno;
    close(fd);
    fail("mount", dest, e);
  }
  close(fd);
  if (!remount && !prop && !rec_set && !rec_clr) return;
  /* The fd above names the directory under the new mount: resolve again to reach the mount itself. */
  fd = resolve_in_root(dest, 0);
  if (fd < 0) fail("resolve", dest);
  procfd(target, sizeof target, fd);
  if (remount) {
    unsigned long keep = current_mount_flags(target) & ~(MS_RDONLY);
    if (mount(nullptr, target, nullptr, MS_REMOUNT | MS_BIND | remount | keep, nullptr) < 0) fail("mount(remount)", dest);
  }
  if (prop && mount(nullptr, target, nullptr, prop, nullptr) < 0) fail("mount(propagation)", dest);
  /* "r" options (rro, rnosuid...): mount_setattr(2) with AT_RECURSIVE, on the whole subtree. */
  if ((rec_set || rec_clr) && mount_setattr_fd(fd, true, rec_set, rec_clr, 0) < 0) fail("mount_setattr", dest);
  close(fd);
}

/* An idmapped bind mount: clone the source tree, attach the user namespace's mapping, move it in. */
void op_mount_idmap(const Step &s) {
  const char *src = arg(s, 0).s, *dest = arg(s, 1).s;
  bool recursive = arg(s, 3).i != 0;
  int tree = (int)syscall(SYS_open_tree, AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0));
  if (tree < 0) fail("open_tree", src);
  if (mount_setattr_fd(tree, recursive, MOUNT_ATTR_IDMAP, 0, fd_at(arg(s, 2).i)) < 0) fail("mount_setattr(MOUNT_ATTR_IDMAP)", dest);
  int fd = resolve_in_root(dest, (int)arg(s, 4).i);
  if (fd < 0) fail("resolve", dest);
  if (syscall(SYS_move_mount, tree, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0) fail("move_mount", dest);
  close(tree);
  close(fd);
  unsigned long prop = arg(s, 5).i;
  if (prop) {
    fd = resolve_in_root(dest, 0);
    char target[64];
    procfd(target, sizeof target, fd);
    if (mount(nullptr, target, nullptr, prop, nullptr) < 0) fail("mount(propagation)", dest);
    close(fd);
  }
}

/* Split "a/b/c" into a resolved (created) parent fd and the last component. */
static int parent_of(const char *dest, char *name, size_t n) {
  char buf[4096];
  snprintf(buf, sizeof buf, "%s", dest);
  size_t l = strlen(buf);
  while (l > 1 && buf[l - 1] == '/') buf[--l] = 0;
  char *slash = strrchr(buf, '/');
  const char *base = slash ? slash + 1 : buf;
  if (!*base || strcmp(base, "..") == 0 || strcmp(base, ".") == 0) { errno = EINVAL; return -1; }
  snprintf(name, n, "%s", base);
  if (slash) *slash = 0; else strcpy(buf, "/");
  return resolve_in_root(*buf ? buf : "/", 1);
}

/* The resolved (and made) parent directory of dest, as an O_PATH fd: the *at() calls accept it. */
static int parent_dir(const char *dest, char *name, size_t n) {
  int dir = parent_of(dest, name, n);
  if (dir < 0) fail("resolve", dest);
  return dir;
}

/* dest mode major minor uid gid */
void op_mknod(const Step &s) {
  char name[256];
  const char *dest = arg(s, 0).s;
  int d = parent_dir(dest, name, sizeof name);
  mode_t mode = arg(s, 1).i;
  dev_t dev = makedev(arg(s, 2).i, arg(s, 3).i);
  if (mknodat(d, name, mode, dev) < 0) {
    if (errno != EEXIST) fail("mknod", dest);
    struct stat st;
    if (fstatat(d, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || S_ISDIR(st.st_mode)) fail("mknod", dest, EEXIST);
    if (unlinkat(d, name, 0) < 0 || mknodat(d, name, mode, dev) < 0) fail("mknod", dest);
  }
  if (fchownat(d, name, arg(s, 4).i, arg(s, 5).i, AT_SYMLINK_NOFOLLOW) < 0) fail("chown", dest);
  if (fchmodat(d, name, mode & 07777, 0) < 0) fail("chmod", dest);
  close(d);
}

/* host dest: bind a host device node where mknod is not allowed (user namespaces). */
void op_bind_dev(const Step &s) {
  const char *host = arg(s, 0).s, *dest = arg(s, 1).s;
  int fd = resolve_in_root(dest, 2);
  if (fd < 0) fail("resolve", dest);
  char target[64];
  procfd(target, sizeof target, fd);
  if (mount(host, target, nullptr, MS_BIND, nullptr) < 0) fail("mount", dest);
  close(fd);
}

/* target dest */
void op_symlink(const Step &s) {
  char name[256];
  const char *dest = arg(s, 1).s;
  int d = parent_dir(dest, name, sizeof name);
  if (symlinkat(arg(s, 0).s, d, name) < 0 && errno != EEXIST) fail("symlink", dest);
  close(d);
}

void op_pivot_root(const Step &) {
  int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (oldroot < 0) fail("open", "/");
  if (fchdir(g_rootfd) < 0) fail("fchdir");
  /* pivot_root(".", "."): the old root ends up stacked on the new one, then is detached. */
  if (syscall(SYS_pivot_root, ".", ".") < 0) fail("pivot_root");
  /* Work on the old root explicitly (the kernel promises nothing about cwd after pivot_root):
   * make it a slave so the unmount does not propagate to the host, and so the container's own
   * mounts keep their propagation (runc does the same). */
  if (fchdir(oldroot) < 0) fail("fchdir(old root)");
  close(oldroot);
  if (mount(nullptr, ".", nullptr, MS_SLAVE | MS_REC, nullptr) < 0) fail("mount(old root)");
  if (umount2(".", MNT_DETACH) < 0) fail("umount2(old root)");
  if (chdir("/") < 0) fail("chdir");
  close(g_rootfd);
  g_rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
}

void op_move_root(const Step &) {
  if (fchdir(g_rootfd) < 0) fail("fchdir");
  if (mount(".", "/", nullptr, MS_MOVE, nullptr) < 0) fail("mount(MS_MOVE)");
  if (chroot(".") < 0) fail("chroot");
  if (chdir("/") < 0) fail("chdir");
  close(g_rootfd);
  g_rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
}

/*
 * --no-pivot: a full proc or sysfs mount of the host left in the container's mount namespace would
 * let a process inside mount a fresh proc from a new user namespace (the kernel allows that while a
 * fully visible one exists). Detached here, before the move; covered when it cannot be (runc).
 */
void op_hide_host_mount(const Step &s) {
  const char *path = arg(s, 0).s;
  if (mount("", path, nullptr, MS_SLAVE | MS_REC, nullptr) < 0) {
    if (errno == ENOENT) return; /* gone with a parent detached before */
    fail("mount(MS_SLAVE)", path);
  }
  if (umount2(path, MNT_DETACH) < 0) {
    if (errno != EINVAL && errno != EPERM) fail("umount2", path);
    if (mount("tmpfs", path, "tmpfs", 0, nullptr) < 0) fail("mount(tmpfs)", path);
  }
}

/* After pivot_root: the root is the container's, paths are plain. A missing path is not an error. */
void op_mask_path(const Step &s) {
  const char *path = arg(s, 0).s;
  struct stat st;
  if (stat(path, &st) < 0) {
    if (errno == ENOENT) return;
    fail("stat", path);
  }
  if (S_ISDIR(st.st_mode)) {
    if (mount("tmpfs", path, "tmpfs", MS_RDONLY, "size=0k") < 0) fail("mount", path);
  } else if (mount("/dev/null", path, nullptr, MS_BIND, nullptr) < 0) {
    fail("mount", path);
  }
}

static void bind_readonly(const char *path, bool bind_first) {
  if (bind_first && mount(path, path, nullptr, MS_BIND | MS_REC, nullptr) < 0) {
    if (errno == ENOENT) return;
    fail("mount", path);
  }
  unsigned long keep = current_mount_flags(path);
  if (mount(nullptr, path, nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY | keep, nullptr) < 0) fail("mount(remount ro)", path);
}

void op_readonly_path(const Step &s) { bind_readonly(arg(s, 0).s, true); }

void op_remount_ro(const Step &s) { bind_readonly(arg(s, 0).s, false); }

void op_chroot(const Step &s) {
  const char *rootfs = arg(s, 0).s;
  if (chroot(rootfs) < 0) fail("chroot", rootfs);
  if (chdir("/") < 0) fail("chdir");
}
