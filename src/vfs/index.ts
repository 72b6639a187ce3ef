/**
 * The in-memory filesystem: syscall-shaped operations with Linux semantics
 * and errnos that raise exactly the events the kernel raises.
 *
 *   const fs = createVfs();         // root, umask 022, cwd '/'
 *   fs.mkdir('d'); const fd = fs.open('d/f', O_CREAT | O_WRONLY);
 *   const user = fs.spawn({ uid: 1000, gid: 1000 });
 */
export { createVfs, VfsProcess } from './process.js';
export type { ProcessOptions } from './process.js';
export { Machine } from './machine.js';
export type { MachineOptions } from './machine.js';
export type { Stats, DirEntry } from './file-ops.js';
export type { Cred } from './permission.js';
export { Inode, Dentry, Mount, SuperBlock, OpenFile, VPath } from './objects.js';
export * from './constants.js';
