#include "http/date.h"

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>

namespace ae::http {
namespace {

constexpr std::array<std::string_view, 12> kMonths = {"jan", "feb", "mar", "apr", "may", "jun",
                                                      "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 7> kDays = {
    "Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};  // 1970-01-01 was a Thursday

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool leap(std::int64_t y) noexcept { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(std::int64_t y, unsigned m) noexcept {
  static constexpr unsigned kLen[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : kLen[m - 1];
}

// RFC 6265's delimiter: %x09 / %x20-2F / %x3B-40 / %x5B-60 / %x7B-7E.
bool is_delimiter(unsigned char c) noexcept {
  return c == 0x09 || (c >= 0x20 && c <= 0x2f) || (c >= 0x3b && c <= 0x40) ||
         (c >= 0x5b && c <= 0x60) || (c >= 0x7b && c <= 0x7e);
}

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

// Reads min..max digits from the front of `s`; the next character (if any) must not be a digit.
bool digits(std::string_view& s, std::size_t min, std::size_t max, unsigned& value) noexcept {
  std::size_t n = 0;
  value = 0;
  while (n < s.size() && is_digit(s[n])) {
    if (n == max) return false;
    value = value * 10 + static_cast<unsigned>(s[n] - '0');
    ++n;
  }
  if (n < min) return false;
  s.remove_prefix(n);
  return true;
}

bool parse_time(std::string_view token, unsigned& h, unsigned& m, unsigned& s) noexcept {
  if (!digits(token, 1, 2, h) || token.empty() || token[0] != ':') return false;
  token.remove_prefix(1);
  if (!digits(token, 1, 2, m) || token.empty() || token[0] != ':') return false;
  token.remove_prefix(1);
  return digits(token, 1, 2, s);
}

}  // namespace

std::string format_date(double epoch) {
  auto t = static_cast<std::int64_t>(std::floor(epoch));
  std::int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
  std::int64_t secs = t - days * 86400;
  // civil_from_days
  std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  std::int64_t wday = ((days % 7) + 7) % 7;
  std::string_view month = kMonths[m - 1];
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02u %c%c%c %04lld %02lld:%02lld:%02lld GMT",
                kDays[static_cast<std::size_t>(wday)].data(), d, month[0] - 32, month[1], month[2],
                static_cast<long long>(y), static_cast<long long>(secs / 3600),
                static_cast<long long>(secs / 60 % 60), static_cast<long long>(secs % 60));
  return buf;
}

std::optional<double> parse_date(std::string_view text) noexcept {
  bool have_time = false, have_day = false, have_month = false, have_year = false;
  unsigned hour = 0, minute = 0, second = 0, day = 0, month = 0, year = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_delimiter(static_cast<unsigned char>(text[i]))) ++i;
    std::size_t start = i;
    while (i < text.size() && !is_delimiter(static_cast<unsigned char>(text[i]))) ++i;
    std::string_view token = text.substr(start, i - start);
    if (token.empty()) continue;
    unsigned h = 0, m = 0, s = 0, v = 0;
    std::string_view rest = token;
    if (!have_time && parse_time(token, h, m, s)) {
      have_time = true;
      hour = h;
      minute = m;
      second = s;
    } else if (!have_day && digits(rest = token, 1, 2, v)) {
      have_day = true;
      day = v;
    } else if (!have_month && token.size() >= 3) {
      char abbr[3];
      for (int k = 0; k < 3; ++k) {
        char c = token[static_cast<std::size_t>(k)];
        abbr[k] = c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
      }
      for (std::size_t k = 0; k < kMonths.size(); ++k) {
        if (std::string_view(abbr, 3) == kMonths[k]) {
          have_month = true;
          month = static_cast<unsigned>(k + 1);
          break;
        }
      }
      if (!have_month && !have_year && digits(rest = token, 2, 4, v)) {
        have_year = true;
        year = v;
      }
    } else if (!have_year && digits(rest = token, 2, 4, v)) {
      have_year = true;
      year = v;
    }
  }
  if (!have_time || !have_day || !have_month || !have_year) return std::nullopt;
  if (year >= 70 && year <= 99) year += 1900;
  if (year <= 69) year += 2000;
  if (year < 1601 || day < 1 || day > days_in_month(year, month) || hour > 23 || minute > 59 ||
      second > 59) {
    return std::nullopt;
  }
  std::int64_t days = days_from_civil(year, month, day);
  return static_cast<double>(days * 86400 + hour * 3600 + minute * 60 + second);
}

}  // namespace ae::http
