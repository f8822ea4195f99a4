#include "log/format.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "log/internal/format_internal.h"

namespace ae::log_internal {
namespace {

// localtime_r takes a process-wide lock and reads the zone each call; messages come many per
// second, so each thread keeps the text of the last second it formatted (AnyEvent::Log's ft).
struct SecondCache {
  long long second = -1;
  char date[32];  // "YYYY-MM-DD HH:MM:SS."
  char zone[16];  // " +zzzz"
};

}  // namespace

void append_time(std::string& out, double time) {
  thread_local SecondCache cache;
  double whole = std::floor(time);
  auto second = static_cast<long long>(whole);
  if (second != cache.second) {
    std::time_t t = static_cast<std::time_t>(second);
    std::tm tm{};
    localtime_r(&t, &tm);
    if (std::strftime(cache.date, sizeof cache.date, "%Y-%m-%d %H:%M:%S.", &tm) == 0) {
      cache.date[0] = '\0';
    }
    if (std::strftime(cache.zone, sizeof cache.zone, " %z", &tm) == 0) cache.zone[0] = '\0';
    cache.second = second;
  }
  // Truncated, not rounded, as AnyEvent's sprintf "%06d", 1e6 * fraction.
  auto micros = static_cast<unsigned>(std::clamp((time - whole) * 1e6, 0.0, 999999.0));
  char frac[6];
  for (int i = 5; i >= 0; --i, micros /= 10) frac[i] = static_cast<char>('0' + micros % 10);
  out.append(cache.date).append(frac, sizeof frac).append(cache.zone);
}

void append_default_format(std::string& out, const ae::log::Message& message) {
  // AnyEvent: split /\n/, sprintf "%-5s %s: %s", level, title, text -- each line prefixed with
  // the time, the first with " ", the others with " + ". Perl's split drops trailing empty
  // fields, so a text that ends in newlines loses them.
  const std::size_t start = out.size();
  std::string_view name = ae::log::level_name(message.level);
  append_time(out, message.time);
  // A copy of the time for the continuation lines (appending part of `out` to itself would read
  // storage that the append may move).
  char time_text[64];
  const std::size_t time_len = out.copy(time_text, sizeof time_text, start);
  out.push_back(' ');
  out.append(name);
  for (std::size_t i = name.size(); i < 5; ++i) out.push_back(' ');
  out.push_back(' ');
  out.append(message.context).append(": ");

  std::string_view text = message.text;
  while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  while (true) {
    std::size_t nl = text.find('\n');
    out.append(text.substr(0, nl)).push_back('\n');
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
    out.append(time_text, time_len);
    out.append(" + ");
  }
}

}  // namespace ae::log_internal

namespace ae::log {

std::string format_time(double time) {
  std::string out;
  log_internal::append_time(out, time);
  return out;
}

std::string default_format(const Message& message) {
  std::string out;
  log_internal::append_default_format(out, message);
  return out;
}

}  // namespace ae::log
