// ae::fs::File: an open file descriptor that //io requests can share safely.
//
// aio_open() delivers one; aio_read(), aio_write(), aio_seek(), aio_stat() and the other calls
// that take a File keep the descriptor open for as long as their request runs on the worker
// pool, so letting go of a File while its requests are still queued or running never closes (or
// lets the kernel reuse) the descriptor under them.
//
// Example:
//   ae::Guard g = ae::fs::aio_open(path, O_RDONLY, 0, [&](ae::Result<ae::fs::File> file) {
//     if (!file) return report(file.message());
//     reader = ae::fs::aio_read(*file, 4096, [&](ae::Result<std::string> data) { /* ... */ });
//   });
//
// Lifetime: the descriptor is closed when the File and every request using it are gone, on the
// thread that lets go last (a worker thread when requests ran last). aio_close() closes it on the
// pool and reports close()'s result; closing by destruction on the loop's thread may block on a
// slow file system (NFS flushing written data), which aio_close() never does.
// Thread safety: a File is used on one thread; requests hand its descriptor to workers safely.
#pragma once

#include <memory>

namespace ae::io_internal {
class Descriptor;
}

namespace ae::fs {

class File {
 public:
  // No file.
  File() noexcept = default;
  // Takes ownership of `fd` (closed as described above).
  // Errors: std::invalid_argument for a negative fd.
  explicit File(int fd);

  File(File&&) noexcept = default;
  File& operator=(File&&) noexcept = default;
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  ~File() = default;

  // The descriptor, or -1 when there is no file.
  int fd() const noexcept;
  // True while the File holds a descriptor.
  explicit operator bool() const noexcept { return desc_ != nullptr; }
  // Lets go of the descriptor (closed once no request uses it any more).
  void reset() noexcept { desc_.reset(); }

  // For //io's requests: shared ownership of the descriptor.
  const std::shared_ptr<io_internal::Descriptor>& descriptor() const noexcept { return desc_; }
  std::shared_ptr<io_internal::Descriptor> take_descriptor() noexcept { return std::move(desc_); }

 private:
  std::shared_ptr<io_internal::Descriptor> desc_;
};

}  // namespace ae::fs
