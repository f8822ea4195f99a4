#include "dns/options.h"

#include <stdlib.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>

#include "core/log_hook.h"

namespace ae::dns {
namespace {

constexpr std::string_view kContext = "ae::dns";

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// AnyEvent's environment: PERL_ANYEVENT_x wins when set at all (AnyEvent copies AE_x to it
// unless it exists), else AE_x. secure_getenv: a setuid or setgid program ignores both, as
// AnyEvent does under taint mode (they could point its resolver at any file or server).
std::optional<std::string> environment(const char* suffix) {
  for (const char* prefix : {"PERL_ANYEVENT_", "AE_"}) {
    if (const char* value = ::secure_getenv((std::string(prefix) + suffix).c_str())) {
      return std::string(value);
    }
  }
  return std::nullopt;
}

std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  while (true) {
    s = trim(s);
    if (s.empty()) return out;
    std::size_t end = s.find_first_of(" \t\r");
    out.push_back(s.substr(0, end));
    if (end == std::string_view::npos) return out;
    s.remove_prefix(end);
  }
}

bool equals_nocase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x | 0x20) == (y | 0x20);
         });
}

std::optional<unsigned> number(std::string_view s) {
  unsigned v = 0;
  auto [end, err] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || err != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// "addr", "v4addr:port" or "[v6addr]:port".
std::optional<SocketAddress> parse_server(std::string_view text) {
  if (auto a = SocketAddress::from_numeric(text, 53)) return a;
  std::string_view host, port;
  if (text.starts_with('[')) {
    std::size_t close = text.find(']');
    if (close == std::string_view::npos || text.substr(close + 1, 1) != ":") return std::nullopt;
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon) return std::nullopt;
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  auto p = number(port);
  if (!p || *p == 0 || *p > 65535) return std::nullopt;
  return SocketAddress::from_numeric(host, static_cast<std::uint16_t>(*p));
}

template <class T>
void push_unique(std::vector<T>& v, T x) {
  if (std::find(v.begin(), v.end(), x) == v.end()) v.push_back(std::move(x));
}

}  // namespace

void parse_resolv_conf(std::string_view text, Options& options) {
  options.servers.clear();
  options.search.clear();
  std::optional<double> timeout;
  std::optional<unsigned> attempts;
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    line = line.substr(0, line.find_first_of("#;"));
    std::vector<std::string_view> w = words(line);
    if (w.empty()) continue;
    if (equals_nocase(w[0], "nameserver") && w.size() == 2) {
      if (auto server = parse_server(w[1])) {
        push_unique(options.servers, *server);
      } else {
        core_log(LogLevel::kWarn, kContext,
                 "nameserver " + std::string(w[1]) +
                     " invalid and ignored, while parsing resolver config.");
      }
    } else if (equals_nocase(w[0], "domain") && w.size() <= 2) {
      options.search.clear();
      if (w.size() == 2) options.search.emplace_back(w[1]);
    } else if (equals_nocase(w[0], "search")) {
      options.search.clear();
      for (std::size_t i = 1; i < w.size(); ++i) push_unique(options.search, std::string(w[i]));
    } else if (equals_nocase(w[0], "options")) {
      for (std::size_t i = 1; i < w.size(); ++i) {
        std::string_view o = w[i];
        if (o.starts_with("timeout:")) {
          if (auto n = number(o.substr(8))) timeout = *n;
        } else if (o.starts_with("attempts:")) {
          if (auto n = number(o.substr(9))) attempts = *n;
        } else if (o.starts_with("ndots:")) {
          if (auto n = number(o.substr(6))) options.ndots = static_cast<int>(std::min(*n, 15u));
        }
      }
    }
  }
  if (timeout) options.timeouts = {*timeout};
  if (attempts && *attempts > 0) {
    options.timeouts.assign(*attempts, options.timeouts.empty() ? 2.0 : options.timeouts[0]);
  }
}

ae::Result<void> load_resolv_conf(const std::string& path, Options& options) {
  errno = 0;
  std::ifstream in(path);
  if (!in) {
    // libstdc++ opens with open(2), which leaves its errno; EIO should it not.
    const std::error_code ec(errno != 0 ? errno : EIO, std::generic_category());
    core_log(LogLevel::kWarn, kContext,
             "cannot read resolver config " + path + "; using 127.0.0.1 as name server");
    parse_resolv_conf("", options);
    return ae::Error{ec, "cannot read resolver config " + path + ": " + ec.message()};
  }
  std::ostringstream text;
  text << in.rdbuf();
  parse_resolv_conf(text.str(), options);
  return {};
}

Options Options::from_resolv_conf(std::string path) {
  Options o;
  (void)load_resolv_conf(path, o);  // a missing file means the defaults, warned about
  o.resolv_conf = std::move(path);
  return o;
}

Options Options::from_environment() {
  std::optional<std::string> conf = environment("RESOLV_CONF");
  Options o = from_resolv_conf(conf && !conf->empty() ? *conf : "/etc/resolv.conf");
  if (std::optional<std::string> max = environment("MAX_OUTSTANDING_DNS")) {
    if (auto n = number(trim(*max)); n && *n > 0) o.max_outstanding = *n;
  }
  if (std::optional<std::string> edns = environment("EDNS0")) {
    // Perl's truth, as AnyEvent tests the variable: only "" and "0" are false.
    std::string_view v = trim(*edns);
    o.edns0 = !v.empty() && v != "0";
  }
  return o;
}

}  // namespace ae::dns
