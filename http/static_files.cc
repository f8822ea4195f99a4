// ServerResponse::send_file (Range, conditional GET, streaming with backpressure) and the document
// root handler.
#include "http/static_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <vector>

#include "core/loop.h"
#include "http/date.h"
#include "http/internal/open_file_cache.h"
#include "http/internal/server_impl.h"
#include "http/internal/static_parse.h"
#include "http/status.h"

namespace ae::http_internal {
namespace {

// The piece size of the copying path (through a filter: TLS).
constexpr std::size_t kPiece = 64 * 1024;

// A file body being sent; lives in Exchange::file.
struct FileSender {
  std::shared_ptr<const OpenFile> file;
  std::uint64_t offset = 0;
  std::uint64_t end = 0;  // exclusive
  // While sendfile(2) waits for room in the socket.
  Io writable;
};

// Sends the next part of the body: with sendfile(2) from the file to the socket when no filter
// sits in between (the bytes never enter this process), else by copying pieces through the
// Handle (TLS). Either way it continues once the socket can take more, and ends the response.
void pump(const std::shared_ptr<Exchange>& x) {
  auto* f = static_cast<FileSender*>(x->file.get());
  if (f == nullptr || x->conn == nullptr) return;
  HttpConnection& c = *x->conn;
  if (f->offset >= f->end) {
    x->finish();
    return;
  }
  std::weak_ptr<Exchange> weak = x;
  auto again = [weak] {
    if (std::shared_ptr<Exchange> self = weak.lock()) pump(self);
  };
  if (c.handle.filter() != nullptr) {
    std::size_t want =
        static_cast<std::size_t>(std::min<std::uint64_t>(kPiece, f->end - f->offset));
    std::string buf(want, '\0');
    ssize_t n = ::pread(f->file->fd, buf.data(), want, static_cast<off_t>(f->offset));
    if (n <= 0) {
      // The file shrank or failed under us: the promised length cannot be kept, so the
      // connection closes (finish() sees the short body).
      x->finish();
      return;
    }
    f->offset += static_cast<std::uint64_t>(n);
    x->write_body(std::string_view(buf.data(), static_cast<std::size_t>(n)));
    x->set_on_drain(again);
    return;
  }
  // sendfile writes behind the Handle's back, so it starts only once the Handle has nothing
  // queued; the head waiting in the connection's buffer goes first, straight to the socket with
  // MSG_MORE so that it shares a packet with the body's start.
  if (!c.handle.wbuf().empty() || !c.send_out_before_body()) {
    c.flush_out();
    x->set_on_drain(again);
    return;
  }
  int sock = c.handle.fd();
  while (f->offset < f->end) {
    auto off = static_cast<off_t>(f->offset);
    std::size_t want =
        static_cast<std::size_t>(std::min<std::uint64_t>(1 << 30, f->end - f->offset));
    ssize_t n = ::sendfile(sock, f->file->fd, &off, want);
    if (n > 0) {
      f->offset += static_cast<std::uint64_t>(n);
      x->body_sent += static_cast<std::uint64_t>(n);
      c.handle.wtimeout_reset();
      continue;
    }
    if (n == 0) break;  // the file shrank: finish() sees the short body and closes
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (!f->writable) f->writable = io(sock, kWrite, again);
      c.arm_write_timeout();
      return;
    }
    // The client went away: the connection's own read or write sees the error as well, but
    // nothing else is writing now, so close here.
    std::shared_ptr<HttpConnection> pin = c.shared_from_this();
    c.close();
    return;
  }
  c.disarm_write_timeout();
  x->finish();
}

std::string html_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string url_escape(std::string_view s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// A directory entry's name for an href; a trailing '/' (directories) stays.
std::string url_escape_name(std::string_view name) {
  bool dir = name.ends_with('/');
  if (dir) name.remove_suffix(1);
  return url_escape(name) + (dir ? "/" : "");
}

void send_plain(http::ServerResponse& res, int status) {
  res.headers().set("Content-Type", "text/plain; charset=utf-8");
  res.send(status, std::to_string(status) + " " + std::string(http::reason_phrase(status)) + "\n");
}

}  // namespace

void send_open_file(Exchange& x, std::shared_ptr<const OpenFile> file) {
  if (x.conn == nullptr) {
    x.finish();
    return;
  }
  http::ServerResponse& res = x.response;
  const http::ServerRequest& req = x.request;
  auto sender = std::make_shared<FileSender>();
  std::uint64_t size = file->size;
  const std::string& etag = file->etag;
  http::Headers& h = x.headers;
  if (!h.contains("Content-Type")) h.set("Content-Type", file->content_type);
  h.set("Last-Modified", file->last_modified);
  h.set("ETag", etag);
  h.set("Accept-Ranges", "bytes");

  // Conditional GET (RFC 9110 §13.2.2): If-None-Match decides when present.
  bool not_modified = false;
  if (std::optional<std::string_view> inm = req.headers().get("If-None-Match")) {
    not_modified = etag_matches(*inm, etag);
  } else if (std::optional<std::string_view> ims = req.headers().get("If-Modified-Since")) {
    std::optional<double> since = http::parse_date(*ims);
    not_modified = since && static_cast<double>(file->mtime) <= *since;
  }
  if (not_modified) {
    res.status(304);
    res.end();
    return;
  }

  sender->end = size;
  std::optional<std::string_view> range = req.headers().get("Range");
  std::optional<std::string_view> if_range = req.headers().get("If-Range");
  if (range && (!if_range || *if_range == etag)) {
    ByteRange r;
    switch (parse_range(*range, size, r)) {
      case RangeResult::kIgnore:
        break;
      case RangeResult::kUnsatisfiable:
        h.set("Content-Range", "bytes */" + std::to_string(size));
        h.erase("Last-Modified");
        h.erase("ETag");
        send_plain(res, 416);
        return;
      case RangeResult::kSatisfiable:
        res.status(206);
        h.set("Content-Range", "bytes " + std::to_string(r.first) + "-" + std::to_string(r.last) +
                                   "/" + std::to_string(size));
        sender->offset = r.first;
        sender->end = r.last + 1;
        break;
    }
  }
  // The head and the body's first bytes leave together; the connection may close in between.
  std::shared_ptr<HttpConnection> pin = x.conn->shared_from_this();
  HttpConnection::Cork cork(*pin);
  x.send_head(sender->end - sender->offset);
  if (x.head_only || sender->offset == sender->end) {
    x.body_sent = sender->end - sender->offset;
    x.finish();
    return;
  }
  sender->file = std::move(file);
  x.file = sender;
  pump(x.shared_from_this());
}

void send_file(Exchange& x, const std::string& path) {
  int error = 0;
  std::shared_ptr<const OpenFile> file = OpenFile::open(path, error);
  if (!file) {
    send_plain(x.response, error == EACCES || error == EPERM ? 403 : 404);
    return;
  }
  send_open_file(x, std::move(file));
}

}  // namespace ae::http_internal

namespace ae::http {

void ServerResponse::send_file(const std::string& path) {
  if (x_->ended || x_->head_sent) return;
  http_internal::send_file(*x_, path);
}

std::string_view mime_type(std::string_view name) noexcept {
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".htm", "text/html; charset=utf-8"},
      {".txt", "text/plain; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".json", "application/json"},
      {".xml", "application/xml"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".webp", "image/webp"},
      {".ico", "image/vnd.microsoft.icon"},
      {".avif", "image/avif"},
      {".woff", "font/woff"},
      {".woff2", "font/woff2"},
      {".ttf", "font/ttf"},
      {".otf", "font/otf"},
      {".pdf", "application/pdf"},
      {".zip", "application/zip"},
      {".gz", "application/gzip"},
      {".tar", "application/x-tar"},
      {".wasm", "application/wasm"},
      {".mp3", "audio/mpeg"},
      {".ogg", "audio/ogg"},
      {".wav", "audio/wav"},
      {".mp4", "video/mp4"},
      {".webm", "video/webm"},
      {".csv", "text/csv; charset=utf-8"},
      {".md", "text/markdown; charset=utf-8"},
  };
  std::size_t slash = name.rfind('/');
  if (slash != std::string_view::npos) name.remove_prefix(slash + 1);
  std::size_t dot = name.rfind('.');
  if (dot != std::string_view::npos) {
    std::string_view ext = name.substr(dot);
    for (const auto& [e, type] : kTypes) {
      if (iequals(e, ext)) return type;
    }
  }
  return "application/octet-stream";
}

Handler static_files(const std::string& root_dir, StaticOptions options) {
  char resolved[PATH_MAX];
  struct stat root_st {};
  if (::realpath(root_dir.c_str(), resolved) == nullptr || ::stat(resolved, &root_st) < 0 ||
      !S_ISDIR(root_st.st_mode)) {
    throw std::invalid_argument("ae::http::static_files: not a directory: " + root_dir);
  }
  std::string root = resolved;
  return [root, options](ServerRequest& req, ServerResponse& res) {
    if (res.ended() || res.head_sent()) return;
    auto refuse = [&](int status) {
      res.headers().set("Content-Type", "text/plain; charset=utf-8");
      res.send(status, std::to_string(status) + " " + std::string(reason_phrase(status)) + "\n");
    };
    std::optional<std::string> path = http_internal::percent_decode_path(req.path());
    if (!path || path->empty() || path->front() != '/') return refuse(400);
    // No ".." segment, however it was written.
    for (std::size_t at = 0; at <= path->size();) {
      std::size_t next = path->find('/', at);
      if (next == std::string::npos) next = path->size();
      if (std::string_view(*path).substr(at, next - at) == "..") return refuse(404);
      at = next + 1;
    }
    std::string full = root + *path;
    http_internal::Exchange& x = http_internal::Exchange::of(res);
    auto& cache = Loop::current().service<http_internal::OpenFileCache>();
    double now = ae::now();
    bool cached = options.cache_valid > 0;
    if (cached) {
      if (std::shared_ptr<const http_internal::OpenFile> f =
              cache.find(full, now, options.cache_valid)) {
        return http_internal::send_open_file(x, std::move(f));
      }
    }
    auto serve = [&](const std::string& file_path) {
      int error = 0;
      std::shared_ptr<const http_internal::OpenFile> f =
          http_internal::OpenFile::open(file_path, error);
      if (!f) return refuse(error == EACCES || error == EPERM ? 403 : 404);
      if (cached) cache.insert(full, f, now, options.cache_valid);
      http_internal::send_open_file(x, std::move(f));
    };
    char real[PATH_MAX];
    if (::realpath(full.c_str(), real) == nullptr) return refuse(404);
    std::string real_path = real;
    // Symbolic links may point anywhere; what they resolve to must stay under the root.
    if (real_path != root && !real_path.starts_with(root + "/")) return refuse(404);
    struct stat st {};
    if (::stat(real, &st) < 0) return refuse(404);
    if (!S_ISDIR(st.st_mode)) return serve(real_path);
    if (path->back() != '/') {
      res.headers().set("Location", std::string(req.path()) + "/");
      return refuse(301);
    }
    std::string index = real_path + "/" + options.index;
    struct stat ist {};
    if (!options.index.empty() && ::stat(index.c_str(), &ist) == 0 && S_ISREG(ist.st_mode)) {
      return serve(index);
    }
    if (!options.list) return refuse(403);
    DIR* dir = ::opendir(real);
    if (dir == nullptr) return refuse(403);
    std::vector<std::string> names;
    while (dirent* e = ::readdir(dir)) {
      std::string n = e->d_name;
      if (n == "." || n == "..") continue;
      if (e->d_type == DT_DIR) n += "/";
      names.push_back(std::move(n));
    }
    ::closedir(dir);
    std::sort(names.begin(), names.end());
    std::string title = http_internal::html_escape(*path);
    std::string html = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Index of " +
                       title + "</title></head>\n<body><h1>Index of " + title + "</h1>\n<ul>\n";
    for (const std::string& n : names) {
      html += "<li><a href=\"" + http_internal::url_escape_name(n) + "\">" +
              http_internal::html_escape(n) + "</a></li>\n";
    }
    html += "</ul></body></html>\n";
    res.headers().set("Content-Type", "text/html; charset=utf-8");
    res.send(html);
  };
}

}  // namespace ae::http
