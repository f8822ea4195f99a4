// A loop's cache of open files for the static file handler (nginx's open_file_cache): the fd,
// the metadata a response's head needs (size, Last-Modified, ETag, Content-Type), kept for a short
// validity so that a busy file costs no open(2), fstat(2), close(2) or realpath(3) per request.
//
// A changed, replaced or removed file is noticed once its entry is older than the validity: the
// entry is then dropped and the next request looks the file up and opens it again (until then
// the old metadata and fd are served, as nginx does). An entry a response is still sending from
// keeps its fd open until that response is done (shared ownership), whatever the cache does.
//
// Example (http/static_files.cc):
//   OpenFileCache& cache = ae::Loop::current().service<OpenFileCache>();
//   std::shared_ptr<const OpenFile> f = cache.find(path, ae::now(), 1.0);
//   if (!f) {
//     int error = 0;
//     f = OpenFile::open(path, error);
//     if (f) cache.insert(path, f, ae::now());
//   }
//
// Thread safety: one cache per loop (a Loop service), used on that loop's thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

namespace ae::http_internal {

// A regular file opened for reading, with what a response's head says about it.
struct OpenFile {
  // Opens `path` (O_RDONLY) and reads its metadata; null with `error` (errno) when it cannot be
  // opened or is not a regular file (EISDIR then, or ENOENT for other kinds).
  static std::shared_ptr<OpenFile> open(const std::string& path, int& error);
  OpenFile() = default;
  OpenFile(const OpenFile&) = delete;
  OpenFile& operator=(const OpenFile&) = delete;
  ~OpenFile();

  int fd = -1;
  std::uint64_t size = 0;
  std::int64_t mtime = 0;         // seconds since 1970
  std::string last_modified;      // mtime as an HTTP date
  std::string etag;               // "\"size-mtime_ns\"" in hex
  std::string_view content_type;  // by the name's extension (http::mime_type)
};

class OpenFileCache {
 public:
  // The most files one loop keeps open.
  static constexpr std::size_t kMaxEntries = 256;

  // The entry for `key` if it was stored less than `valid` seconds before `now`, else null (a
  // stale entry is dropped).
  std::shared_ptr<const OpenFile> find(const std::string& key, double now, double valid);
  // Stores `file` under `key` as checked at `now`. When the cache is full, stale entries go
  // first, then everything.
  void insert(const std::string& key, std::shared_ptr<const OpenFile> file, double now,
              double valid);
  std::size_t size() const noexcept { return entries_.size(); }

 private:
  struct Entry {
    std::shared_ptr<const OpenFile> file;
    double checked_at = 0;
  };
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace ae::http_internal
