// The targets: stderr, a file (append, reopen), a path, syslog through a test socket, and the
// reports made when a target fails.

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "core/loop.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log/log.h"
#include "tests/log/log_test_support.h"

namespace ae::log {
namespace {

using ae::log_test::LogTest;
using ae::log_test::read_file;
using ae::log_test::Recorder;
using ae::log_test::split_lines;
using ae::log_test::StderrCapture;
using ae::log_test::temp_path;
using ::testing::HasSubstr;

class TargetsTest : public LogTest {};

TEST_F(TargetsTest, StderrTargetWritesFormattedLines) {
  StderrCapture err;
  Context c("to-stderr");
  c.log_to_stderr();
  c.log("info", "one");
  c.log("debug", "two\nthree");
  std::vector<std::string> lines = split_lines(err.text());
  ASSERT_EQ(lines.size(), 3u) << err.text();
  EXPECT_THAT(lines[0], HasSubstr(" info  to-stderr: one"));
  EXPECT_THAT(lines[1], HasSubstr(" debug to-stderr: two"));
  EXPECT_THAT(lines[2], HasSubstr(" + three"));
}

TEST_F(TargetsTest, FileTargetAppendsEveryMessage) {
  std::string path = temp_path("append.log");
  {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT, 0600);
    ASSERT_EQ(::write(fd, "existing\n", 9), 9);
    ::close(fd);
  }
  Context c("file::ctx");
  ae::Result<LogFile> file = c.log_to_file(path);
  ASSERT_TRUE(file) << file.message();
  EXPECT_EQ(file->path(), path);
  c.log("warn", "first");
  c.logf("error", "second %d", 2);
  std::vector<std::string> lines = split_lines(read_file(path));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "existing");
  EXPECT_THAT(lines[1], HasSubstr(" warn  file::ctx: first"));
  EXPECT_THAT(lines[2], HasSubstr(" error file::ctx: second 2"));
}

TEST_F(TargetsTest, FileTargetReopensAfterRotation) {
  std::string path = temp_path("rotate.log");
  Context c("rotating");
  ae::Result<LogFile> file = c.log_to_file(path);
  ASSERT_TRUE(file) << file.message();
  c.log("info", "before rotation");
  ASSERT_EQ(::rename(path.c_str(), (path + ".1").c_str()), 0);
  c.log("info", "still into the renamed file");
  ae::Result<void> reopened_one = file->reopen();
  EXPECT_TRUE(reopened_one) << reopened_one.message();
  c.log("info", "into the new file");
  EXPECT_EQ(split_lines(read_file(path + ".1")).size(), 2u);
  std::vector<std::string> fresh = split_lines(read_file(path));
  ASSERT_EQ(fresh.size(), 1u);
  EXPECT_THAT(fresh[0], HasSubstr("into the new file"));

  ASSERT_EQ(::rename(path.c_str(), (path + ".2").c_str()), 0);
  ae::Result<std::size_t> reopened = reopen_files();
  ASSERT_TRUE(reopened) << reopened.message();
  EXPECT_GE(*reopened, 1u);
  c.log("info", "after reopen_files");
  EXPECT_THAT(read_file(path), HasSubstr("after reopen_files"));
}

// How many of this process's descriptors are open on `path`.
int descriptors_on(const std::string& path) {
  int n = 0;
  for (int fd = 0; fd < 1024; ++fd) {
    char link[4096];
    std::string proc = "/proc/self/fd/" + std::to_string(fd);
    ssize_t len = ::readlink(proc.c_str(), link, sizeof link);
    if (len > 0 && std::string(link, static_cast<std::size_t>(len)) == path) ++n;
  }
  return n;
}

TEST_F(TargetsTest, DroppingAContextClosesItsFile) {
  std::string path = temp_path("dropped.log");
  {
    Context c("short-lived");
    ASSERT_TRUE(c.log_to_file(path));
    c.log("info", "x");
    EXPECT_EQ(descriptors_on(path), 1);
  }
  EXPECT_EQ(descriptors_on(path), 0);
  Context d("replaced");
  ASSERT_TRUE(d.log_to_file(path));
  d.nolog();
  EXPECT_EQ(descriptors_on(path), 0) << "replacing a target closes its file too";
}

TEST_F(TargetsTest, ReopenFailureKeepsTheOldFileAndSaysWhy) {
  std::string dir = temp_path("gone-dir");
  ASSERT_EQ(::mkdir(dir.c_str(), 0700), 0);
  std::string path = dir + "/x.log";
  Context c("reopen-fail");
  ae::Result<LogFile> file = c.log_to_file(path);
  ASSERT_TRUE(file) << file.message();
  ASSERT_EQ(::rename(path.c_str(), (dir + ".moved").c_str()), 0);
  ASSERT_EQ(::rmdir(dir.c_str()), 0);
  StderrCapture err;
  ae::Result<void> reopened = file->reopen();
  EXPECT_EQ(reopened.code(), std::errc::no_such_file_or_directory);
  EXPECT_EQ(reopened.message(),
            "cannot open log file '" + path + "': " + reopened.code().message());
  EXPECT_THAT(err.text(), HasSubstr("cannot open log file '" + path + "'"));
  c.log("info", "kept writing");
  EXPECT_THAT(read_file(dir + ".moved"), HasSubstr("kept writing"));
}

TEST_F(TargetsTest, FileThatCannotBeOpenedIsAnErrorAndKeepsTheOldTarget) {
  Recorder rec;
  Context c("no-file");
  c.log_cb(rec.callback());
  ae::Result<LogFile> file = c.log_to_file(temp_path("missing-dir") + "/x.log");
  ASSERT_FALSE(file);
  EXPECT_EQ(file.code(), std::errc::no_such_file_or_directory);
  EXPECT_THAT(file.message(), HasSubstr("cannot open log file"));
  c.log("info", "still recorded");
  EXPECT_EQ(rec.size(), 1u);
}

TEST_F(TargetsTest, WriteFailuresAreReportedNotSwallowed) {
  Context c("full-disk");
  ae::Result<LogFile> file = c.log_to_file("/dev/full");
  ASSERT_TRUE(file) << file.message();
  StderrCapture err;
  c.log("info", "cannot be written");
  // The report goes through "ae::log" at error level, which the default graph prints.
  EXPECT_THAT(err.text(), HasSubstr("unable to write to logfile '/dev/full': No space left"));
}

TEST_F(TargetsTest, WriteFailureReportReachesOtherTargets) {
  Recorder rec;
  ctx("ae::log").log_cb(rec.callback(/*consume=*/true));
  Context c("full-disk-2");
  ASSERT_TRUE(c.log_to_file("/dev/full"));
  c.log("info", "lost here, reported there");
  ASSERT_EQ(rec.size(), 1u);
  EXPECT_EQ(rec.records()[0].level, 4);
  EXPECT_THAT(rec.records()[0].text, HasSubstr("/dev/full"));
}

TEST_F(TargetsTest, AFailingTargetThatReceivesItsOwnReportDoesNotRecurse) {
  // "ae::log" reaches the failing file too: the report must end on stderr, not loop.
  Context c = ctx("ae::log");
  ASSERT_TRUE(c.log_to_file("/dev/full"));
  StderrCapture err;
  EXPECT_TRUE(c.log("error", "first failure"));
  EXPECT_THAT(err.text(), HasSubstr("unable to write to logfile '/dev/full'"));
}

TEST_F(TargetsTest, PathTargetReopensForEveryMessage) {
  std::string path = temp_path("path.log");
  Context c("by-path");
  ae::Result<std::string> abs = c.log_to_path(path);
  ASSERT_TRUE(abs) << abs.message();
  EXPECT_EQ(*abs, path);
  c.log("info", "one");
  ASSERT_EQ(::unlink(path.c_str()), 0);
  c.log("info", "two");
  std::vector<std::string> lines = split_lines(read_file(path));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], HasSubstr("two"));
}

TEST_F(TargetsTest, PathTargetMakesRelativePathsAbsolute) {
  std::string dir = temp_path("reldir");
  ASSERT_EQ(::mkdir(dir.c_str(), 0700), 0);
  char old[4096];
  ASSERT_NE(::getcwd(old, sizeof old), nullptr);
  ASSERT_EQ(::chdir(dir.c_str()), 0);
  Context c("relative");
  ae::Result<std::string> abs = c.log_to_path("rel.log");
  ASSERT_EQ(::chdir(old), 0);
  ASSERT_TRUE(abs) << abs.message();
  EXPECT_EQ(*abs, dir + "/rel.log");
  c.log("info", "after chdir");
  EXPECT_THAT(read_file(dir + "/rel.log"), HasSubstr("after chdir"));
}

TEST_F(TargetsTest, PathTargetThatCannotBeOpenedIsAnError) {
  Context c("bad-path");
  ae::Result<std::string> abs = c.log_to_path("/proc/no/such/dir/x.log");
  ASSERT_FALSE(abs);
  EXPECT_THAT(abs.message(), HasSubstr("/proc/no/such/dir/x.log"));
}

// A unix datagram socket standing in for syslogd.
class SyslogServer {
 public:
  SyslogServer() {
    std::string path = temp_path("syslog");
    if (path.size() >= sizeof(sockaddr_un{}.sun_path)) {
      // $TEST_TMPDIR is too deep for sun_path: use the abstract namespace instead.
      path = "@ae-log-test-" + std::to_string(::getpid()) + "-" + std::to_string(++counter_);
    }
    path_ = path;
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.data(), path.size());
    bool abstract = path[0] == '@';
    if (abstract) addr.sun_path[0] = '\0';
    auto len =
        static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + (abstract ? 0 : 1));
    bound_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) == 0;
  }
  ~SyslogServer() {
    ::close(fd_);
    if (path_[0] != '@') ::unlink(path_.c_str());
  }
  bool bound() const { return bound_; }
  const std::string& path() const { return path_; }
  // The next datagram, waiting up to 5 s; empty on timeout.
  std::string receive() {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 5000) != 1) return {};
    char buf[16384];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
  }
  bool nothing_pending() {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, 0) == 0;
  }

 private:
  static inline int counter_ = 0;
  std::string path_;
  int fd_ = -1;
  bool bound_ = false;
};

SyslogOptions options(std::string facility, std::string ident, std::string socket_path) {
  SyslogOptions o;
  o.facility = std::move(facility);
  o.ident = std::move(ident);
  o.socket_path = std::move(socket_path);
  return o;
}

TEST_F(TargetsTest, SyslogSendsOneRfc3164DatagramPerLine) {
  SyslogServer server;
  ASSERT_TRUE(server.bound()) << server.path() << ": " << std::strerror(errno);
  Context c("sys::ctx");
  c.log_to_syslog(options("local3", "aetest", server.path()));
  c.log("warn", "line one\nline two");
  std::string d1 = server.receive();
  std::string d2 = server.receive();
  const int prio = LOG_LOCAL3 | LOG_WARNING;
  EXPECT_EQ(d1.substr(0, d1.find('>') + 1), "<" + std::to_string(prio) + ">") << d1;
  std::string tag = " aetest[" + std::to_string(::getpid()) + "]: ";
  EXPECT_THAT(d1, HasSubstr(tag + "(sys::ctx) line one"));
  EXPECT_THAT(d2, HasSubstr(tag + "+ line two"));
  // "<PRI>Mmm dd hh:mm:ss " -- the RFC 3164 timestamp.
  std::string stamp = d1.substr(d1.find('>') + 1, 16);
  EXPECT_EQ(stamp[3], ' ');
  EXPECT_EQ(stamp[9], ':');
  EXPECT_EQ(stamp[15], ' ');
  EXPECT_TRUE(server.nothing_pending());
}

TEST_F(TargetsTest, SyslogMapsLevelsAndTraceBecomesDebug) {
  SyslogServer server;
  ASSERT_TRUE(server.bound());
  Context c("levels");
  c.log_to_syslog(options("LOG_USER", "t", server.path()));
  const int expected[] = {0,           LOG_EMERG,  LOG_ALERT, LOG_CRIT,  LOG_ERR,
                          LOG_WARNING, LOG_NOTICE, LOG_INFO,  LOG_DEBUG, LOG_DEBUG};
  for (int n = 2; n <= 9; ++n) {
    c.log(n, "x");
    std::string d = server.receive();
    EXPECT_EQ(d.substr(0, d.find('>') + 1), "<" + std::to_string(LOG_USER | expected[n]) + ">")
        << "level " << n;
  }
}

TEST_F(TargetsTest, SyslogThroughTheProcessDefaultSocket) {
  SyslogServer server;
  ASSERT_TRUE(server.bound());
  set_syslog_socket(server.path());
  ae::Result<std::size_t> r = configure("%sys=syslog=LOG_DAEMON:syslogtest=+%sys");
  set_syslog_socket("/dev/log");
  ASSERT_TRUE(r) << r.message();
  ctx("syslogtest").log("error", "via AE_LOG syntax");
  std::string d = server.receive();
  EXPECT_EQ(d.substr(0, d.find('>') + 1), "<" + std::to_string(LOG_DAEMON | LOG_ERR) + ">") << d;
  EXPECT_THAT(d, HasSubstr("(syslogtest) via AE_LOG syntax"));
}

TEST_F(TargetsTest, UnreachableSyslogFallsBackToStderrAndReportsOnce) {
  Context c("nosyslog");
  c.log_to_syslog(options("user", "", temp_path("nobody-listens")));
  StderrCapture err;
  c.log("error", "first");
  c.log("error", "second");
  std::string text = err.text();
  EXPECT_THAT(text, HasSubstr("nosyslog: first"));
  EXPECT_THAT(text, HasSubstr("nosyslog: second"));
  std::size_t reports = 0;
  for (std::size_t at = text.find("cannot send to syslog socket"); at != std::string::npos;
       at = text.find("cannot send to syslog socket", at + 1)) {
    ++reports;
  }
  EXPECT_EQ(reports, 1u) << text;
}

TEST_F(TargetsTest, SyslogCutsHugeLines) {
  SyslogServer server;
  ASSERT_TRUE(server.bound());
  Context c("huge");
  c.log_to_syslog(options("user", "", server.path()));
  c.log("info", std::string(100000, 'y'));
  std::string d = server.receive();
  EXPECT_LE(d.size(), 8192u);
  EXPECT_THAT(d, HasSubstr("yyy [truncated]"));
}

TEST_F(TargetsTest, UnknownSyslogFacilityIsAProgrammerError) {
  Context c;
  EXPECT_THROW(c.log_to_syslog(options("local9", "", "")), std::invalid_argument);
}

TEST_F(TargetsTest, CallbackTargetGetsMessageParts) {
  Recorder rec;
  Context c("cb::ctx");
  c.log_cb(rec.callback());
  double before = ae::time();
  c.log("alert", "parts");
  double after = ae::time();
  auto r = rec.records().at(0);
  EXPECT_EQ(r.context, "cb::ctx");
  EXPECT_EQ(r.level, 2);
  EXPECT_EQ(r.text, "parts");
  EXPECT_GE(r.time, before);
  EXPECT_LE(r.time, after);
}

TEST_F(TargetsTest, LoopTimeIsUsedWhenExactTimeIsOff) {
  Recorder rec;
  Context c("loop-time");
  c.log_cb(rec.callback());
  ae::Loop loop;
  ae::Loop::Scope scope(loop);
  exact_time(false);
  c.log("info", "stamped with ae::now()");
  EXPECT_EQ(rec.records().at(0).time, loop.now());
}

TEST_F(TargetsTest, LoggingOnAThreadWithoutALoopUsesTheLiveClockAndMakesNoLoop) {
  Recorder rec;
  Context c("no-loop");
  c.log_cb(rec.callback());
  exact_time(false);
  double before = ae::time();
  std::thread([&] {
    c.log("info", "no loop here");
    EXPECT_EQ(ae::Loop::current_if_any(), nullptr);
  }).join();
  ASSERT_EQ(rec.records().size(), 1u);
  EXPECT_GE(rec.records().at(0).time, before);
  EXPECT_LE(rec.records().at(0).time, ae::time());
}

}  // namespace
}  // namespace ae::log
