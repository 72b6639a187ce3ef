/**
 * Directory listings straight from getdents64(2): open, read the
 * `linux_dirent64` records into one reused buffer, decode them here, close.
 * What `fs.readdirSync(path, { withFileTypes: true })` gives, for less:
 * no per-entry allocation in libuv (scandir), no sort, no Dirent objects,
 * and the names most trees repeat ("index.js", "src", "f000") decoded once
 * and shared (NameCache) instead of allocated once per directory.
 *
 * Names are decoded as UTF-8 like Node's (invalid bytes become U+FFFD);
 * entries come in the filesystem's order (readdirSync sorts them). A
 * DT_UNKNOWN entry (filesystems without d_type) is lstat'ed, as Node does.
 */
import { lstatSync } from 'node:fs';
import { O_CLOEXEC, O_DIRECTORY, O_RDONLY } from './constants.js';
import { linuxSyscalls } from './ffi.js';

/** d_type values (dirent.h). */
export const DT_UNKNOWN = 0;
export const DT_DIR = 4;
export const DT_REG = 8;
export const DT_LNK = 10;

const S_IFMT = 0o170000;

/** The d_type of a stat mode (for DT_UNKNOWN entries). */
function modeType(mode: number): number {
  return (mode & S_IFMT) >> 12;
}

/** Room for a few hundred entries per call; a bigger directory takes more calls. */
const BUFFER_SIZE = 32 * 1024;
/** linux_dirent64: u64 d_ino, s64 d_off, u16 d_reclen, u8 d_type, char d_name[]. */
const RECLEN = 16;
const TYPE = 18;
const NAME = 19;

/**
 * A direct-mapped table of recently decoded ASCII names, looked up by a hash
 * of the raw bytes and checked byte for byte: a hit costs no allocation.
 */
const CACHE_SIZE = 4096;
/** Longer names are rarely repeated: decoded each time. */
const CACHE_MAX_LEN = 40;
const cache: (string | undefined)[] = new Array<string | undefined>(CACHE_SIZE).fill(undefined);

/** The NUL-terminated name at buf[start, limit): shared when known, else decoded (UTF-8 unless ASCII). */
function nameAt(buf: Buffer, start: number, limit: number): string {
  let h = 0x811c9dc5;
  let ascii = true;
  let end = start;
  for (; end < limit; end++) {
    const b = buf[end]!;
    if (b === 0) break;
    if (b >= 0x80) ascii = false;
    h = Math.imul(h ^ b, 0x01000193);
  }
  if (!ascii) return buf.toString('utf8', start, end);
  const len = end - start;
  if (len > CACHE_MAX_LEN) return buf.toString('latin1', start, end);
  const slot = (h ^ (h >>> 16)) & (CACHE_SIZE - 1);
  const known = cache[slot];
  if (known !== undefined && known.length === len) {
    let i = 0;
    while (i < len && known.charCodeAt(i) === buf[start + i]) i++;
    if (i === len) return known;
  }
  const name = buf.toString('latin1', start, end);
  cache[slot] = name;
  return name;
}

let sharedBuffer: Buffer | null = null;

/**
 * Call `entry(name, d_type)` for each entry of the directory at `path`
 * ('.' and '..' left out). Throws the SystemError of open/getdents64
 * (ENOENT, ENOTDIR, EACCES, …). `entry` may list other directories.
 */
export function listDirectory(path: string, entry: (name: string, type: number) => void): void {
  const sys = linuxSyscalls();
  const fd = sys.openDir(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  // A nested call (from `entry`) gets a buffer of its own.
  const buf = sharedBuffer ?? Buffer.allocUnsafeSlow(BUFFER_SIZE);
  sharedBuffer = null;
  try {
    for (let n = sys.getdents64(fd, buf); n > 0; n = sys.getdents64(fd, buf)) {
      for (let off = 0; off < n; ) {
        const reclen = buf[off + RECLEN]! | (buf[off + RECLEN + 1]! << 8);
        let type = buf[off + TYPE]!;
        const start = off + NAME;
        const limit = off + reclen;
        off = limit;
        if (buf[start] === 0x2e && (buf[start + 1] === 0 || (buf[start + 1] === 0x2e && buf[start + 2] === 0))) continue; // . and ..
        const name = nameAt(buf, start, limit);
        if (type === DT_UNKNOWN) type = unknownType(path, name);
        entry(name, type);
      }
    }
  } finally {
    sharedBuffer = buf;
    sys.close(fd);
  }
}

/** The type of an entry the filesystem did not type: lstat it (gone meanwhile: DT_UNKNOWN). */
function unknownType(dir: string, name: string): number {
  const st = lstatSync(dir === '/' ? `/${name}` : `${dir}/${name}`, { throwIfNoEntry: false });
  return st === undefined ? DT_UNKNOWN : modeType(st.mode);
}
