#include "http/internal/open_file_cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "http/date.h"
#include "http/static_files.h"

namespace ae::http_internal {

std::shared_ptr<OpenFile> OpenFile::open(const std::string& path, int& error) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    error = errno;
    return nullptr;
  }
  struct stat st {};
  if (::fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
    error = S_ISDIR(st.st_mode) ? EISDIR : ENOENT;
    ::close(fd);
    return nullptr;
  }
  auto f = std::make_shared<OpenFile>();
  f->fd = fd;
  f->size = static_cast<std::uint64_t>(st.st_size);
  f->mtime = static_cast<std::int64_t>(st.st_mtim.tv_sec);
  f->last_modified = http::format_date(static_cast<double>(st.st_mtim.tv_sec));
  char etag[64];
  std::snprintf(etag, sizeof etag, "\"%llx-%llx\"", static_cast<unsigned long long>(st.st_size),
                static_cast<unsigned long long>(st.st_mtim.tv_sec) * 1000000000ull +
                    static_cast<unsigned long long>(st.st_mtim.tv_nsec));
  f->etag = etag;
  f->content_type = http::mime_type(path);
  return f;
}

OpenFile::~OpenFile() {
  if (fd >= 0) ::close(fd);
}

std::shared_ptr<const OpenFile> OpenFileCache::find(const std::string& key, double now,
                                                    double valid) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return nullptr;
  if (now - it->second.checked_at >= valid || now < it->second.checked_at) {
    entries_.erase(it);
    return nullptr;
  }
  return it->second.file;
}

void OpenFileCache::insert(const std::string& key, std::shared_ptr<const OpenFile> file, double now,
                           double valid) {
  if (entries_.size() >= kMaxEntries && !entries_.contains(key)) {
    std::erase_if(entries_, [&](const auto& e) { return now - e.second.checked_at >= valid; });
    if (entries_.size() >= kMaxEntries) entries_.clear();
  }
  entries_[key] = Entry{std::move(file), now};
}

}  // namespace ae::http_internal
