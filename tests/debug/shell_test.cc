#include "debug/shell.h"

#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/core.h"
#include "debug/wrap.h"
#include "gtest/gtest.h"
#include "log/log.h"
#include "tests/debug/debug_test_util.h"
#include "tests/support/files.h"
#include "tests/support/loop.h"
#include "tests/support/process.h"
#include "tests/support/run_until.h"

namespace {

using namespace std::chrono_literals;
using ae::testing::Process;
using ae::testing::run_until;

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

class ShellTest : public ae::testing::LoopTest {
 protected:
  void SetUp() override {
    path_ = ae::testing::temp_socket_path("shell");
    start({});
  }
  void TearDown() override {
    shell_.reset();
    ae::debug::wrap(0);
    ae::debug::trace(true);
  }

  void start(ae::debug::ShellOptions options) {
    shell_.reset();
    ae::Result<ae::debug::Shell> s = ae::debug::shell("unix/" + path_, options);
    ASSERT_TRUE(s) << s.message();
    shell_ = std::make_unique<ae::debug::Shell>(std::move(*s));
  }

  std::vector<std::string> socat(std::vector<std::string> options = {}) {
    std::vector<std::string> argv = {"socat", "-t", "30"};
    argv.insert(argv.end(), options.begin(), options.end());
    argv.push_back("-");
    argv.push_back("UNIX-CONNECT:" + path_);
    return argv;
  }

  // What the shell answers to `input`, sent by socat, which then waits for the shell to close.
  std::string ask(const std::string& input) {
    Process p(socat(), {.stdin_data = input});
    std::optional<int> status = p.wait();
    EXPECT_TRUE(status) << p.output();
    EXPECT_EQ(p.exit_code(), 0) << p.output();
    return p.out();
  }

  // The id of the live watcher made at `line` of this file.
  static std::uint64_t id_at(unsigned line) {
    for (const ae::debug::WatcherInfo& w : ae::debug::watchers("shell_test.cc")) {
      if (w.line == line) return w.id;
    }
    return 0;
  }

  std::string path_;
  std::unique_ptr<ae::debug::Shell> shell_;
};

TEST_P(ShellTest, ListsAndInspectsWatchers) {
  const unsigned line = __LINE__ + 1;
  ae::Timer t = ae::timer(60, [] {});
  std::uint64_t id = id_at(line);
  ASSERT_NE(id, 0u);
  std::string site = "tests/debug/shell_test.cc:" + std::to_string(line);
  std::string out = ask("help\nwl shell_test.cc\nw " + std::to_string(id) + "\nwl 'no such'\n");
  EXPECT_NE(out.find("wl [pattern]"), std::string::npos) << out;
  EXPECT_NE(
      out.find("#" + std::to_string(id) + " timer " + site + " after=60 calls=0\n1 watcher\n"),
      std::string::npos)
      << out;
  EXPECT_NE(out.find("created at:  " + site + "\n"), std::string::npos) << out;
  EXPECT_NE(out.find("> 0 watchers\n"), std::string::npos) << out;
  EXPECT_EQ(out.find("error"), std::string::npos) << out;
  EXPECT_TRUE(out.starts_with("> ")) << out;
}

TEST_P(ShellTest, TogglesTracingAndTheWrapLevel) {
  const unsigned line = __LINE__ + 1;
  ae::Timer t = ae::timer(60, [] {});
  std::string id = std::to_string(id_at(line));
  std::string out = ask("t " + id + "\n");
  EXPECT_NE(out.find("#" + id + " traced"), std::string::npos) << out;
  EXPECT_TRUE(ae::debug::watcher(std::stoull(id))->traced);
  out = ask("u #" + id + "\nu\n");
  EXPECT_NE(out.find("#" + id + " not traced"), std::string::npos) << out;
  EXPECT_FALSE(ae::debug::watcher(std::stoull(id))->traced);
  EXPECT_FALSE(ae::debug::tracing());
  out = ask("t\nwr 2\n");
  EXPECT_TRUE(ae::debug::tracing());
  EXPECT_NE(out.find("wrap level 2"), std::string::npos) << out;
  EXPECT_EQ(ae::debug::wrap_level(), 2);
  out = ask("wr\n");
  EXPECT_EQ(ae::debug::wrap_level(), 0) << out;
  out = ask("wr\n");
  EXPECT_EQ(ae::debug::wrap_level(), 1) << out;
  out = ask("t 999999999\n");
  EXPECT_NE(out.find("error: no watcher #999999999"), std::string::npos) << out;
}

TEST_P(ShellTest, ChangesLogLevelsAndForwardsLogMessages) {
  std::string out = ask("log shelltest::levels warn\n");
  EXPECT_NE(out.find("log shelltest::levels warn\n"), std::string::npos) << out;
  EXPECT_EQ(ae::log::ctx("shelltest::levels").level_mask(), 0b111110) << "levels 1 to 5";
  out = ask("log shelltest::levels all\n");
  EXPECT_EQ(ae::log::ctx("shelltest::levels").level_mask(), 0b1111111110);

  Process client(socat(), {.stdin_pipe = true});
  client.write("v warn\n");
  ASSERT_TRUE(client.wait_for_out("verbosity 5\n")) << client.output();
  ae::log::Context ctx = ae::log::ctx("shelltest::forwarded");
  ctx.log(ae::LogLevel::kInfo, "below the verbosity");
  ctx.log(ae::LogLevel::kWarn, "bell \a and escape \x1b[31m");
  ASSERT_TRUE(client.wait_for_out("bell \\x07 and escape \\x1b[31m")) << client.output();
  EXPECT_EQ(client.out().find("below the verbosity"), std::string::npos);
  EXPECT_EQ(client.out().find('\a'), std::string::npos);
  // Messages logged on other threads reach the client through its loop.
  std::thread([] {
    for (int i = 0; i < 50; ++i) {
      ae::log::ctx("shelltest::thread")
          .log(ae::LogLevel::kError, "from a thread " + std::to_string(i));
    }
  }).join();
  ASSERT_TRUE(client.wait_for_out("from a thread 49\n")) << client.output();
  client.write("v 0\nquit\nhelp\n");  // nothing after quit is read
  ASSERT_TRUE(client.wait_for_out("bye\n")) << client.output();
  ASSERT_TRUE(run_until([&] { return shell_->clients() == 0; })) << "quit closes the connection";
  client.close_stdin();
  ASSERT_TRUE(client.wait()) << client.output();
  EXPECT_TRUE(client.out().ends_with("verbosity 0\n> bye\n")) << client.out();
}

TEST_P(ShellTest, AnswersJunkWithErrorsAndGoesOn) {
  std::string out =
      ask("frobnicate\nw\nw x\nwr 7\nv loud\nlog a\nlog a;b warn\nmetrics now\n\x01\x02\n"
          "\xff\xfe\nhelp\n");
  EXPECT_EQ(count(out, "error: "), 10u) << out;
  EXPECT_NE(out.find("error: unknown command 'frobnicate' (try help)"), std::string::npos) << out;
  EXPECT_NE(out.find("error: byte 0x01 at column 1"), std::string::npos) << out;
  EXPECT_NE(out.find("error: byte 0xff at column 1"), std::string::npos) << out;
  EXPECT_EQ(out.find('\x01'), std::string::npos) << "peer control bytes never go back raw";
  EXPECT_EQ(out.find('\xff'), std::string::npos);
  EXPECT_NE(out.find("wl [pattern]"), std::string::npos) << "help still answered: " << out;
}

TEST_P(ShellTest, IgnoresAnOverlongLine) {
  std::string out = ask(std::string(5000, 'w') + "\nhelp\n" + std::string(1025, 'x') + "\r\n");
  EXPECT_EQ(count(out, "error: a line longer than 1024 bytes, ignored\n"), 2u) << out;
  EXPECT_NE(out.find("wl [pattern]"), std::string::npos) << out;
  EXPECT_EQ(out.find("www"), std::string::npos);
}

TEST_P(ShellTest, ServesMetrics) {
  std::string out = ask("metrics\n");
  EXPECT_NE(out.find("# TYPE ae_loop_callbacks_total counter\n"), std::string::npos) << out;
  EXPECT_NE(out.find("model=\"" + GetParam() + "\""), std::string::npos) << out;
}

TEST_P(ShellTest, DropsAClientThatNeverReadsWhileTimersGoOn) {
  start({.max_output = 64 * 1024});
  ae::debug_test::DebugLines log;
  int ticks = 0;
  ae::Timer tick = ae::timer(0, 0.001, [&] { ++ticks; });
  // socat -u only writes to the shell and never reads what it answers.
  Process client(socat({"-u"}), {.stdin_pipe = true});
  std::string many_helps;
  for (int i = 0; i < 4000; ++i) many_helps += "help\n";
  client.write(many_helps);
  ASSERT_TRUE(run_until([&] { return log.count("dropped the client") == 1; })) << client.output();
  EXPECT_EQ(log.count("its output went over 65536 bytes: it does not read"), 1u);
  EXPECT_EQ(shell_->clients(), 0u);
  int at_drop = ticks;
  ASSERT_TRUE(run_until([&] { return ticks >= at_drop + 5; }));
}

TEST_P(ShellTest, NeitherTheListenerNorAClientKeepsTheLoopRunning) {
  ae::Loop& loop = ae::Loop::current();
  Process client(socat(), {.stdin_pipe = true});
  client.write("help\n");
  ASSERT_TRUE(client.wait_for_out("wl [pattern]")) << client.output();
  ASSERT_EQ(shell_->clients(), 1u);
  // The listener and the connected client's session are live watchers, but not ones that keep
  // run() going: taking the shell away leaves the count of referenced watchers as it was.
  const std::size_t active = loop.active_watchers();
  const std::size_t referenced = loop.referenced_watchers();
  shell_.reset();
  EXPECT_LT(loop.active_watchers(), active);
  EXPECT_EQ(loop.referenced_watchers(), referenced);
  client.close_stdin();
  ASSERT_TRUE(client.wait()) << client.output();
}

TEST_P(ShellTest, ServesAHundredClientsAtOnce) {
  const unsigned line = __LINE__ + 1;
  ae::Timer t = ae::timer(60, [] {});
  std::string expected = "#" + std::to_string(id_at(line)) + " timer";
  std::vector<std::unique_ptr<Process>> clients;
  for (int i = 0; i < 100; ++i) {
    clients.push_back(std::make_unique<Process>(
        socat(), ae::testing::ProcessOptions{.stdin_data = "wl shell_test.cc\n"}));
  }
  // A hundred processes at once take a while on a loaded machine: more patience than usual.
  for (auto& c : clients) {
    ASSERT_TRUE(c->wait(60s)) << c->output();
    EXPECT_EQ(c->exit_code(), 0) << c->output();
    EXPECT_NE(c->out().find(expected), std::string::npos) << c->output();
  }
  ASSERT_TRUE(run_until([&] { return shell_->clients() == 0; }));
}

TEST_P(ShellTest, UnixSocketIsTheOwnersOnlyAndGoesWithTheShell) {
  struct stat st;
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(shell_->address(), "unix/:" + path_);
  shell_.reset();
  EXPECT_NE(::stat(path_.c_str(), &st), 0);
}

TEST_P(ShellTest, ListensOnLoopbackTcpAndRefusesOtherAddresses) {
  ae::Result<ae::debug::Shell> tcp = ae::debug::shell("127.0.0.1:0");
  ASSERT_TRUE(tcp) << tcp.message();
  std::string port = tcp->address().substr(tcp->address().rfind(':') + 1);
  Process p({"socat", "-t", "30", "-", "TCP:127.0.0.1:" + port}, {.stdin_data = "wr 0\n"});
  ASSERT_TRUE(p.wait()) << p.output();
  EXPECT_NE(p.out().find("wrap level 0"), std::string::npos) << p.output();

  ae::Result<ae::debug::Shell> any = ae::debug::shell("0.0.0.0:0");
  ASSERT_FALSE(any);
  EXPECT_EQ(any.code(), std::errc::permission_denied) << any.message();
  ae::Result<ae::debug::Shell> allowed = ae::debug::shell("0.0.0.0:0", {.allow_remote = true});
  EXPECT_TRUE(allowed) << allowed.message();
  ae::Result<ae::debug::Shell> v6 = ae::debug::shell("[::1]:0");
  EXPECT_TRUE(v6 || v6.code() == std::errc::address_not_available) << v6.message();
  for (const char* bad :
       {"nonsense", "example.org:80", "127.0.0.1:http", "127.0.0.1:70000", "unix/", "127.0.0.1:"}) {
    ae::Result<ae::debug::Shell> s = ae::debug::shell(bad);
    ASSERT_FALSE(s) << bad;
    EXPECT_EQ(s.code(), std::errc::invalid_argument) << bad << ": " << s.message();
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, ShellTest, ::testing::ValuesIn(ae::testing::main_backends()),
                         ae::testing::backend_name);

}  // namespace
