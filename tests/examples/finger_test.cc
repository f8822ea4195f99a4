// The finger client and finger_server examples: against each other, and the client against
// peers that stall, flood or send control characters.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "tests/examples/support/client.h"
#include "tests/examples/support/fake_server.h"
#include "tests/examples/support/process.h"
#include "tests/support/black_hole.h"

namespace ae::examples_test {
namespace {

using std::chrono::milliseconds;

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

TEST(FingerTest, AsksSeveralServersAtOnceAndPrintsEveryAnswer) {
  std::string users = temp_dir("finger-users") + "/users";
  write_file(users, "# test users\nada:Ada Lovelace:Notes on the engine.\n\nbob:Bob:\n");
  auto demo = Process::start_server("finger_server");
  auto custom = Process::start_server("finger_server", {"--users", users});
  std::string a = demo->address(), b = custom->address();
  Outcome r = run({example("finger"), "lile@" + a, "@" + a, "ada@" + b, "nobody@" + b, "x@y@" + b});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "[lile@" + a + "]\nLogin: lile\t\t\tName: Larry Lile\nPlan:\n"))
      << r.out;
  EXPECT_TRUE(contains(r.out, "[@" + a + "]\nLogin      Name\nlile       Larry Lile\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "[ada@" + b +
                                  "]\nLogin: ada\t\t\tName: Ada Lovelace\nPlan:\n"
                                  "Notes on the engine.\n"))
      << r.out;
  EXPECT_TRUE(contains(r.out, "[nobody@" + b + "]\nfinger: nobody: no such user\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "[x@y@" + b + "]\nfinger: forwarding service denied\n")) << r.out;
  EXPECT_TRUE(custom->wait_for_err("asked for \"x@y\""));
}

// The first host on the command line answers last: its answer must not hold up the second's.
TEST(FingerTest, PrintsEachAnswerAsItArrives) {
  Handle* slow_client = nullptr;
  FakeServer slow([&](Handle& h) {
    h.push_read(line, [&](Handle& h, std::string, std::string) { slow_client = &h; });
  });
  auto fast = Process::start_server("finger_server");
  Process finger({example("finger"), "late@" + slow.address(), "lile@" + fast->address()});
  ASSERT_TRUE(finger.wait_for_out("Larry Lile"));
  EXPECT_FALSE(contains(finger.out(), "[late@"));
  ASSERT_TRUE(run_until([&] { return slow_client != nullptr; }));
  slow_client->push_write("late, but here\r\n");
  slow_client->push_shutdown();
  std::optional<int> status = finger.wait();
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(*status, 0);
  EXPECT_LT(finger.out().find("[lile@"),
            finger.out().find("[late@" + slow.address() + "]\nlate, but here\n"));
}

TEST(FingerTest, AFailedHostDoesNotStopTheOthers) {
  auto server = Process::start_server("finger_server");
  std::string closed = "127.0.0.1:" + std::to_string(free_port());
  Outcome r = run({example("finger"), "lile@" + closed, "lile@" + server->address()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.out, "Larry Lile")) << r.out;
  EXPECT_TRUE(contains(r.err, "finger: lile@" + closed + ": connect: ")) << r.err;
}

TEST(FingerTest, AStalledServerTimesOut) {
  FakeServer stalled([](Handle&) {});
  Outcome r = run({example("finger"), "--timeout", "0.3", "who@" + stalled.address()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "no complete answer within 0.3 seconds")) << r.err;
}

TEST(FingerTest, AnAddressThatNeverAnswersTimesOut) {
  ae::testing::BlackHole hole;
  Outcome r = run({example("finger"), "--timeout", "0.3", "who@" + hole.hostport()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "no complete answer within 0.3 seconds")) << r.err;
}

TEST(FingerTest, AHugeReplyIsCutOffAndSaysSo) {
  FakeServer flood([](Handle& h) {
    h.push_write(std::string(8 << 20, 'f'));
    h.push_shutdown();
  });
  Outcome r = run({example("finger"), "--max-reply", "1000", "big@" + flood.address()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, std::string(1000, 'f') + "\n[big@" + flood.address() +
                                  ": reply cut off after 1000 bytes]\n"))
      << r.out.substr(0, 200);
  EXPECT_LT(r.out.size(), 1200u);
}

TEST(FingerTest, ControlCharactersInAReplyAreShownAsQuestionMarks) {
  FakeServer rude([](Handle& h) {
    h.push_write(std::string("a\x1b[31mb\r\nc\0d\x7f\te", 15));
    h.push_shutdown();
  });
  Outcome r = run({example("finger"), "x@" + rude.address()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "[x@" + rude.address() + "]\na?[31mb\nc?d?\te\n");
}

TEST(FingerTest, C1ControlsInAReplyAreShownAsQuestionMarks) {
  FakeServer rude([](Handle& h) {
    h.push_write(
        "\x9b"
        "31mred \xc2\x9b"
        "0m caf\xc3\xa9\r\n");
    h.push_shutdown();
  });
  Outcome r = run({example("finger"), "x@" + rude.address()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "[x@" + rude.address() + "]\n?31mred ?0m caf\xc3\xa9\n");
}

TEST(FingerTest, AResetAfterPartOfTheAnswerShowsThePartAndTheError) {
  FakeServer* server = nullptr;
  FakeServer resetting([&](Handle& h) {
    h.push_read(line, [&](Handle& h, std::string, std::string) {
      h.push_write("partial answer\r\n");
      h.on_drain([&](Handle&) { server->reset_all(); });
    });
  });
  server = &resetting;
  Outcome r = run({example("finger"), "x@" + resetting.address()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.out, "partial answer")) << r.out;
  EXPECT_TRUE(contains(r.err, "reset by peer")) << r.err;
}

// The server closes on a query over 1 KiB, with most of it unread: the client sees a reset (or a
// broken pipe, if it is still writing) and says so; no SIGPIPE kills it.
TEST(FingerTest, AQueryTheServerRefusesEndsWithAnErrorNotASignal) {
  auto server = Process::start_server("finger_server");
  Outcome r = run({example("finger"), std::string(100000, 'u') + "@" + server->address()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "finger: ..." + std::string(60 - server->address().size() - 1, 'u') +
                                  "@" + server->address() + ": "))
      << r.err;
  EXPECT_TRUE(server->wait_for_err("query longer than 1024 bytes"));
}

TEST(FingerTest, ArgumentsThatAreNotUserAtHostAreUsageErrors) {
  for (auto [bad, why] :
       {std::pair{"nohost", "nohost: not user@host[:port]"}, std::pair{"user@", "user@: no host"},
        std::pair{"user@[::1", "user@[::1: not HOST[:PORT]"}}) {
    Outcome r = run({example("finger"), bad});
    EXPECT_EQ(r.exit_code, 2) << bad;
    EXPECT_TRUE(contains(r.err, why)) << r.err;
  }
  EXPECT_EQ(run({example("finger")}).exit_code, 2);
  EXPECT_EQ(run({example("finger"), "--timeout", "-1", "a@b"}).exit_code, 2);
}

// Once "connect: malformed name": the message now says what is wrong with the port.
TEST(FingerTest, APortOutOfRangeIsAUsageErrorThatSaysSo) {
  Outcome r = run({example("finger"), "x@127.0.0.1:99999"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "x@127.0.0.1:99999: port 99999 is out of range (1-65535)")) << r.err;
  r = run({example("finger"), "x@127.0.0.1:nosuchservice"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "\"nosuchservice\" is not a port number")) << r.err;
}

TEST(FingerServerTest, AListenPortOutOfRangeIsAUsageErrorThatSaysSo) {
  Outcome r = run({example("finger_server"), "--listen", "127.0.0.1:70000"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "port 70000 is out of range (0-65535)")) << r.err;
}

TEST(FingerServerTest, AQueryLongerThanTheLimitClosesTheConnection) {
  auto server = Process::start_server("finger_server");
  TestClient c(server->port());
  ASSERT_TRUE(c.send(std::string(5000, 'q')));
  EXPECT_TRUE(c.wait_closed());
  EXPECT_TRUE(server->wait_for_err("query longer than 1024 bytes"));
  TestClient next(server->port());
  ASSERT_TRUE(next.send("lile\r\n"));
  EXPECT_TRUE(next.wait_closed());
  EXPECT_TRUE(contains(next.received(), "Larry Lile")) << next.received();
}

TEST(FingerServerTest, AClientThatSendsNoQueryIsDisconnected) {
  auto server = Process::start_server("finger_server", {"--timeout", "0.3"});
  TestClient c(server->port());
  EXPECT_TRUE(c.wait_closed(milliseconds(5000)));
  EXPECT_EQ(c.received(), "");
}

TEST(FingerServerTest, ControlCharactersInAQueryAreNotEchoedBack) {
  auto server = Process::start_server("finger_server");
  TestClient c(server->port());
  ASSERT_TRUE(c.send("/W \x1b]0;owned\x07\r\n"));
  EXPECT_TRUE(c.wait_closed());
  EXPECT_EQ(c.received(), "finger: ?]0;owned?: no such user\r\n");
}

TEST(FingerServerTest, C1ControlsInAQueryAreNotEchoedBackOrLogged) {
  auto server = Process::start_server("finger_server");
  TestClient c(server->port());
  ASSERT_TRUE(
      c.send("x\x9b"
             "2J\xc2\x9d"
             "0;owned\r\n"));
  EXPECT_TRUE(c.wait_closed());
  EXPECT_EQ(c.received(), "finger: x?2J?0;owned: no such user\r\n");
}

TEST(FingerServerTest, AnUnreadableUsersFileIsAnError) {
  Outcome r = run({example("finger_server"), "--users", temp_dir("nothing") + "/missing"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "cannot read")) << r.err;
  std::string bad = temp_dir("finger-bad") + "/users";
  write_file(bad, "ok:Name:plan\nno colons here\n");
  r = run({example("finger_server"), "--users", bad});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, ":2: not \"login:Full Name:plan\"")) << r.err;
}

}  // namespace
}  // namespace ae::examples_test
