#include "log/internal/syslog_target.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <ctime>
#include <mutex>
#include <utility>

#include "log/format.h"

namespace ae::log_internal {
namespace {

struct FacilityName {
  std::string_view name;
  int code;
};

constexpr FacilityName kFacilities[] = {
    {"kern", LOG_KERN},     {"user", LOG_USER},         {"mail", LOG_MAIL},
    {"daemon", LOG_DAEMON}, {"auth", LOG_AUTH},         {"syslog", LOG_SYSLOG},
    {"lpr", LOG_LPR},       {"news", LOG_NEWS},         {"uucp", LOG_UUCP},
    {"cron", LOG_CRON},     {"authpriv", LOG_AUTHPRIV}, {"ftp", LOG_FTP},
    {"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1},     {"local2", LOG_LOCAL2},
    {"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4},     {"local5", LOG_LOCAL5},
    {"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7},
};

constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

class SyslogTarget final : public Target {
 public:
  SyslogTarget(int facility, std::string ident, std::string socket_path)
      : facility_(facility), ident_(std::move(ident)), path_(std::move(socket_path)) {
    if (ident_.empty()) ident_ = program_invocation_short_name;
  }
  ~SyslogTarget() override {
    if (fd_ >= 0) ::close(fd_);
  }

  bool uses_formatted() const noexcept override { return false; }

  bool write(std::string_view, const ae::log::Message& message) override {
    int level = std::min(message.level.number(), 8);
    int priority = facility_ | (level - 1);
    // AnyEvent: "($ctx) $msg", with "\n" followed by more text turned into "\n+ ", then one
    // syslog entry per line (trailing empty lines dropped, as Perl's split does).
    std::string text = "(" + std::string(message.context) + ") ";
    for (std::size_t i = 0; i < message.text.size(); ++i) {
      text.push_back(message.text[i]);
      if (message.text[i] == '\n' && i + 1 < message.text.size()) text.append("+ ");
    }
    while (!text.empty() && text.back() == '\n') text.pop_back();

    std::lock_guard lock(mu_);
    std::string_view rest = text;
    while (true) {
      std::size_t nl = rest.find('\n');
      std::string_view line = rest.substr(0, nl);
      if (int err = send_locked(syslog_datagram(priority, message.time, ident_, ::getpid(), line));
          err != 0) {
        fail_locked(err, message);
        return false;
      }
      if (nl == std::string_view::npos) break;
      rest.remove_prefix(nl + 1);
    }
    failing_ = false;
    return false;
  }

 private:
  // Returns 0 or an errno.
  int send_locked(const std::string& datagram) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    bool abstract = !path_.empty() && path_[0] == '@';
    if (path_.empty() || path_.size() >= sizeof addr.sun_path) return ENAMETOOLONG;
    std::memcpy(addr.sun_path, path_.data(), path_.size());
    if (abstract) addr.sun_path[0] = '\0';
    auto len =
        static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path_.size() + (abstract ? 0 : 1));
    if (fd_ < 0) {
      fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      if (fd_ < 0) return errno;
      // A syslog daemon that stops reading must not stall the program for ever.
      timeval timeout{1, 0};
      ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    }
    while (::sendto(fd_, datagram.data(), datagram.size(), MSG_NOSIGNAL,
                    reinterpret_cast<const sockaddr*>(&addr), len) < 0) {
      if (errno != EINTR) return errno;
    }
    return 0;
  }

  // The message is not lost: it goes to stderr in the default format, and the first failure of
  // an outage is reported (once, so a missing syslog daemon does not double every message).
  void fail_locked(int err, const ae::log::Message& message) {
    (void)write_all(STDERR_FILENO, ae::log::default_format(message));
    if (!failing_) {
      failing_ = true;
      report_later_ = "cannot send to syslog socket '" + path_ + "': " + std::strerror(err) +
                      "; writing to stderr instead";
    }
    flush_report_locked();
  }

  // report() may come back into this target (a context that logs to syslog): do it unlocked.
  void flush_report_locked() {
    if (report_later_.empty()) return;
    std::string what = std::move(report_later_);
    report_later_.clear();
    mu_.unlock();
    report(what);
    mu_.lock();
  }

  const int facility_;
  std::string ident_;
  const std::string path_;
  std::mutex mu_;
  int fd_ = -1;           // guarded by mu_
  bool failing_ = false;  // guarded by mu_
  std::string report_later_;
};

}  // namespace

std::optional<int> syslog_facility(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string_view n = lower;
  if (n.substr(0, 4) == "log_") n.remove_prefix(4);
  for (const FacilityName& f : kFacilities) {
    if (f.name == n) return f.code;
  }
  return std::nullopt;
}

std::string syslog_datagram(int priority, double time, std::string_view ident, long pid,
                            std::string_view line) {
  std::time_t seconds = static_cast<std::time_t>(std::floor(time));
  std::tm tm{};
  localtime_r(&seconds, &tm);
  char head[64];
  // Month names by hand: strftime's %b follows LC_TIME, and RFC 3164 wants English.
  int n = std::snprintf(head, sizeof head, "<%d>%s %2d %02d:%02d:%02d ", priority,
                        kMonths[static_cast<std::size_t>(tm.tm_mon) % 12].data(), tm.tm_mday,
                        tm.tm_hour, tm.tm_min, tm.tm_sec);
  std::string out(head, static_cast<std::size_t>(std::max(n, 0)));
  out.append(ident).append("[").append(std::to_string(pid)).append("]: ");
  constexpr std::string_view kCut = " [truncated]";
  if (out.size() + line.size() > kMaxSyslogDatagram) {
    std::size_t room = kMaxSyslogDatagram - std::min(kMaxSyslogDatagram, out.size() + kCut.size());
    out.append(line.substr(0, room)).append(kCut);
  } else {
    out.append(line);
  }
  return out;
}

std::shared_ptr<Target> make_syslog_target(int facility, std::string ident,
                                           std::string socket_path) {
  return std::make_shared<SyslogTarget>(facility, std::move(ident), std::move(socket_path));
}

}  // namespace ae::log_internal
