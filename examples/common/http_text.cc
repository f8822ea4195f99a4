#include "examples/common/http_text.h"

#include <cstring>

#include "handle/handle.h"

namespace ae::examples {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Consumes one or more digits from the front of `s`.
bool skip_digits(std::string_view& s) {
  std::size_t n = 0;
  while (n < s.size() && is_digit(s[n])) ++n;
  s.remove_prefix(n);
  return n > 0;
}

bool consume(std::string_view& s, std::string_view prefix) {
  if (s.substr(0, prefix.size()) != prefix) return false;
  s.remove_prefix(prefix.size());
  return true;
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view trim_blanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

std::optional<StatusLine> parse_status_line(std::string_view s) {
  if (!consume(s, "HTTP/") || !skip_digits(s) || !consume(s, ".") || !skip_digits(s) ||
      !consume(s, " ")) {
    return std::nullopt;
  }
  if (s.size() < 3 || !is_digit(s[0]) || !is_digit(s[1]) || !is_digit(s[2])) return std::nullopt;
  StatusLine r;
  r.code = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
  s.remove_prefix(3);
  if (!s.empty() && !consume(s, " ")) return std::nullopt;
  r.reason = s;
  return r;
}

std::optional<RequestLine> parse_request_line(std::string_view s) {
  RequestLine r;
  std::size_t n = 0;
  while (n < s.size() && s[n] >= 'A' && s[n] <= 'Z') ++n;
  if (n == 0 || n >= s.size() || s[n] != ' ') return std::nullopt;
  r.method = s.substr(0, n);
  s.remove_prefix(n + 1);
  std::size_t space = s.find(' ');
  if (space == 0 || space == std::string_view::npos) return std::nullopt;
  r.target = s.substr(0, space);
  s.remove_prefix(space + 1);
  if (s != "HTTP/1.0" && s != "HTTP/1.1") return std::nullopt;
  return r;
}

long long content_length(std::string_view headers) {
  while (!headers.empty()) {
    std::size_t nl = headers.find('\n');
    std::string_view field = headers.substr(0, nl);
    headers.remove_prefix(nl == std::string_view::npos ? headers.size() : nl + 1);
    std::size_t colon = field.find(':');
    if (colon == std::string_view::npos) continue;
    if (!iequals(trim_blanks(field.substr(0, colon)), "content-length")) continue;
    std::string_view value = trim_blanks(field.substr(colon + 1));
    if (value.empty() || value.size() > 18) return -1;
    long long n = 0;
    for (char c : value) {
      if (!is_digit(c)) return -1;
      n = n * 10 + (c - '0');
    }
    return n;
  }
  return -1;
}

std::optional<HeadEnd> find_head_end(std::string_view text, std::size_t from, std::size_t* resume) {
  if (from == 0) {
    if (text.starts_with("\n")) return HeadEnd{0, 1};
    if (text.starts_with("\r\n")) return HeadEnd{0, 2};
    if (text.size() < 2 && (text.empty() || text[0] == '\r')) {
      *resume = 0;  // undecided: "" or "\r"
      return std::nullopt;
    }
  }
  // Every '\n' before `from` is known not to start the empty line.
  for (std::size_t p = from; p < text.size(); ++p) {
    const void* nl = std::memchr(text.data() + p, '\n', text.size() - p);
    if (nl == nullptr) break;
    p = static_cast<std::size_t>(static_cast<const char*>(nl) - text.data());
    const std::size_t head = p > 0 && text[p - 1] == '\r' ? p - 1 : p;
    if (p + 1 >= text.size()) {
      *resume = p;
      return std::nullopt;
    }
    if (text[p + 1] == '\n') return HeadEnd{head, p + 2};
    if (text[p + 1] == '\r') {
      if (p + 2 >= text.size()) {
        *resume = p;
        return std::nullopt;
      }
      if (text[p + 2] == '\n') return HeadEnd{head, p + 3};
    }
  }
  *resume = text.size();
  return std::nullopt;
}

Reader read_head(Function<void(Handle&, std::string head)> cb) {
  return [cb = std::move(cb), mark = ScanMark()](Handle& h) mutable {
    std::size_t resume = 0;
    std::optional<HeadEnd> end = find_head_end(h.rbuf().view(), mark.from(h), &resume);
    if (!end) {
      mark.save(h, resume);
      return false;
    }
    std::string head(h.rbuf().data(), end->head);
    h.rbuf().consume(end->consumed);
    cb(h, std::move(head));
    return true;
  };
}

}  // namespace ae::examples
