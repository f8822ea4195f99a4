// AnyEvent::IO for C++: the aio_* file operations, run off the loop's thread.
//
// File system calls block (a cold disk, a slow NFS server), so each aio_* call hands its system
// call to a small pool of worker threads and returns at once; the callback runs later on the loop
// that made the call, with the result: an ae::Result<T> holding the value or the error (code and
// message), or, for operations that only succeed or fail, a std::error_code (empty on success).
// The loop's thread never waits for a disk.
//
// Example:
//   ae::CondVar<> done;
//   ae::Guard g = ae::fs::aio_load("/etc/hostname", [&](ae::Result<std::string> data) {
//     if (data) std::cout << *data; else std::cerr << data.message() << "\n";
//     done.send();
//   });
//   done.recv();
//
// Every callback below runs exactly once, on the calling loop's thread, after the call has
// returned (never inside it), unless the returned Guard is destroyed first. A path is used as
// given: a relative one is resolved against the working directory when the worker runs the
// call, and the umask applies (both are process state shared with every thread). The loop keeps
// running (run() does not return) while a request of its is outstanding.
//
// A callback may be empty: the operation runs and its result is dropped. A File without a
// descriptor fails with EBADF, delivered like any other error.
//
// Cancelling: destroying (or reset()ting) the Guard means the callback never runs and its
// captures are destroyed at once. A request still waiting for a worker is dropped without
// running. A request a worker is already running completes (the file is written, renamed, ...)
// and its result is dropped. The same holds for every request of a loop that is destroyed.
// aio_close() closes the file even when its Guard goes.
//
// Models (AE_IO_MODEL, read when a loop starts its first request; AnyEvent's
// PERL_ANYEVENT_IO_MODEL): "pool" (the default; AnyEvent's "IOAIO" is accepted) runs requests on
// the worker pool; "sync" (AnyEvent's "Perl" is accepted) runs the system call on the loop's
// thread inside the aio_* call, as AnyEvent's pure-Perl backend does, and delivers the result
// from postpone(), so callbacks still never run inside the call. The pool has AE_IO_THREADS
// workers (1 to 64; 4 by default), started as requests need them; a loop keeps at most 256
// requests in the pool's queue, and further ones wait in order on the loop's side, so one busy
// loop never starves another.
//
// Differences from AnyEvent::IO: errors are values, never "the callback gets no arguments and
// errno is set"; callbacks never run inside the call; aio_stat/aio_lstat pass the struct stat
// (no `_` cache); aio_utime's and aio_chown's "leave unchanged" is std::nullopt.
//
// The package is //io, its namespace ae::fs: ae::io is already core's io watcher function, and
// C++ does not allow a namespace of the same name beside it.
//
// Thread safety: call these on the thread of the loop that should run the callback (the current
// loop, ae::Loop::current()). The worker threads block every signal, so signals keep reaching
// the program's own threads.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "core/function.h"
#include "core/guard.h"
#include "core/result.h"
#include "io/file.h"

namespace ae::fs {

// The callback of an operation that yields nothing but success or an error.
using DoneCallback = Function<void(std::error_code)>;

// "pool" or "sync": the model the current loop runs its requests with (makes the loop's //io
// state, reading AE_IO_MODEL, if this is its first use).
const char* model();

// ---- Whole files ----

// aio_load: the whole contents of the file at `path`. The size is taken from fstat() after
// opening; a file that turns out shorter fails with EIO ("a short read is an error"), one that
// grew meanwhile is read to the size it had. Files whose size fstat() does not know (pipes,
// /proc) are read to their end.
Guard aio_load(std::string path, Function<void(Result<std::string>)> cb);

// ---- Open files ----

// aio_open: opens `path` with open(2)'s `flags` (O_RDONLY, O_WRONLY|O_CREAT|O_TRUNC, ...) and
// `mode` for a file it creates; O_CLOEXEC is always added.
Guard aio_open(std::string path, int flags, mode_t mode, Function<void(Result<File>)> cb);
// aio_close: closes `file` on the pool once no request uses it any more, and reports close()'s
// result. An empty File fails with EBADF. Its Guard only drops the result: the file is closed.
Guard aio_close(File file, DoneCallback cb);
// aio_seek: lseek(2); the new offset from the start of the file.
Guard aio_seek(const File& file, off_t offset, int whence, Function<void(Result<off_t>)> cb);
// aio_read: up to `length` bytes from the file's current offset (fewer when fewer are there); ""
// at end of file.
Guard aio_read(const File& file, std::size_t length, Function<void(Result<std::string>)> cb);
// aio_write: writes `data` at the file's current offset (the end, with O_APPEND) with one
// write(2); the number of bytes written, which may be fewer than data.size() (a full disk, a
// signal). Pass the data with std::move to avoid a copy.
Guard aio_write(const File& file, std::string data, Function<void(Result<std::size_t>)> cb);

// ---- Attributes (of a path, or of an open File) ----

// aio_truncate: truncate(2) / ftruncate(2) to `length` bytes.
Guard aio_truncate(std::string path, off_t length, DoneCallback cb);
Guard aio_truncate(const File& file, off_t length, DoneCallback cb);
// aio_utime: sets the access and modification times (seconds since the epoch, as ae::now()).
// Both std::nullopt sets both to the current time, as AnyEvent does; one std::nullopt leaves
// that one unchanged.
Guard aio_utime(std::string path, std::optional<double> atime, std::optional<double> mtime,
                DoneCallback cb);
Guard aio_utime(const File& file, std::optional<double> atime, std::optional<double> mtime,
                DoneCallback cb);
// aio_chown: changes the owner and group; std::nullopt leaves that one unchanged (AnyEvent's
// undef).
Guard aio_chown(std::string path, std::optional<uid_t> uid, std::optional<gid_t> gid,
                DoneCallback cb);
Guard aio_chown(const File& file, std::optional<uid_t> uid, std::optional<gid_t> gid,
                DoneCallback cb);
// aio_chmod: chmod(2) / fchmod(2).
Guard aio_chmod(std::string path, mode_t mode, DoneCallback cb);
Guard aio_chmod(const File& file, mode_t mode, DoneCallback cb);
// aio_stat: stat(2) (following symlinks) / fstat(2).
Guard aio_stat(std::string path, Function<void(Result<struct stat>)> cb);
Guard aio_stat(const File& file, Function<void(Result<struct stat>)> cb);
// aio_lstat: lstat(2): a symlink's own attributes.
Guard aio_lstat(std::string path, Function<void(Result<struct stat>)> cb);

// ---- Names ----

// aio_link: a hard link `new_path` to `old_path`.
Guard aio_link(std::string old_path, std::string new_path, DoneCallback cb);
// aio_symlink: a symbolic link at `link_path` whose content is `target`.
Guard aio_symlink(std::string target, std::string link_path, DoneCallback cb);
// aio_readlink: the content of the symbolic link at `path`, of any length.
Guard aio_readlink(std::string path, Function<void(Result<std::string>)> cb);
// aio_rename: rename(2), replacing `new_path` if it exists.
Guard aio_rename(std::string old_path, std::string new_path, DoneCallback cb);
// aio_unlink: removes a name of a file (not a directory).
Guard aio_unlink(std::string path, DoneCallback cb);
// aio_mkdir: makes a directory with permissions `mode` (less the umask).
Guard aio_mkdir(std::string path, mode_t mode, DoneCallback cb);
// aio_rmdir: removes an empty directory.
Guard aio_rmdir(std::string path, DoneCallback cb);
// aio_readdir: the names in a directory, without "." and "..", in no particular order.
Guard aio_readdir(std::string path, Function<void(Result<std::vector<std::string>>)> cb);

}  // namespace ae::fs
