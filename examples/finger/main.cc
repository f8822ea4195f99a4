// finger: the parallel finger client of AnyEvent's tutorial (AnyEvent::Intro), on ae::tcp_connect
// and ae::io watchers.
//
//   finger [--timeout SECONDS] [--max-reply BYTES] user@host[:port] ...
//
// Every query starts at once; each answer is printed as soon as it is complete, so the slowest
// host does not hold up the others, and one CondVar's begin/end waits until all are done. As in
// the tutorial, a query is: connect to the finger port (79, or the port given), write the user
// name and "\r\n", then read until the server closes. The tutorial's shortcuts are closed here:
// the request is written as the socket accepts it (a write watcher), every query has a deadline,
// a reply longer than --max-reply is cut off (and says so), and control characters in a reply are
// shown as '?' so a server cannot drive the terminal (RFC 1288 asks clients to filter them).
//
// "user@host1@host2" asks host2 to forward the query "user@host1" (RFC 1288); "@host" asks for
// the list of users. IPv6 hosts are written [::1] or [::1]:7979.
//
// Exit status: 0 when every query got an answer, 1 when any failed (each failure is reported on
// stderr), 2 for a bad command line.
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "core/condvar.h"
#include "core/loop.h"
#include "examples/common/cli.h"
#include "socket/socket.h"

namespace {

constexpr const char* kUsage =
    "usage: finger [--timeout SECONDS] [--max-reply BYTES] user@host[:port] ...\n"
    "\n"
    "Asks every host at once and prints each answer as it arrives.\n"
    "  user@host[:port]     ask host (port 79 unless given) about user; [::1]:port for IPv6;\n"
    "                       @host lists the users; user@a@b asks b to forward to a\n"
    "  --timeout SECONDS    give up on a host after this long (default 10)\n"
    "  --max-reply BYTES    cut replies off after this many bytes (default 1048576)\n";

struct Options {
  double timeout = 10;
  std::size_t max_reply = 1 << 20;
};

struct Target {
  std::string label;  // as given on the command line (shortened when very long)
  std::string user;   // what is sent, without "\r\n"
  std::string host;
  std::string service;
};

// What one query produced: the reply, or why there is none (or why it is incomplete).
struct Answer {
  std::string reply;
  std::string error;
  bool truncated = false;
};

// One finger query, the tutorial's `finger($user, $host)`: calls `done` exactly once, from the
// loop, with the answer; destroying the query cancels it and `done` is not called.
class FingerQuery {
 public:
  FingerQuery(const Target& target, const Options& options, ae::Function<void(Answer)> done)
      : request_(target.user + "\r\n"), options_(options), done_(std::move(done)) {
    deadline_ = ae::timer(options.timeout, [this] {
      finish("no complete answer within " + ae::examples::format_number(options_.timeout) +
             " seconds");
    });
    connect_ =
        ae::tcp_connect(target.host, target.service, [this](std::error_code ec, ae::Connection c) {
          if (ec) return finish("connect: " + ec.message());
          fd_ = c.fd;
          write_request();
        });
  }
  ~FingerQuery() { close_fd(); }
  FingerQuery(const FingerQuery&) = delete;
  FingerQuery& operator=(const FingerQuery&) = delete;

 private:
  // The tutorial writes with one syswrite and hopes it all fits; this keeps writing as the socket
  // takes more (a user name can be anything the command line holds).
  void write_request() {
    while (written_ < request_.size()) {
      ssize_t n = ::send(fd_, request_.data() + written_, request_.size() - written_, MSG_NOSIGNAL);
      if (n > 0) {
        written_ += static_cast<std::size_t>(n);
      } else if (errno == EAGAIN || errno == EINTR) {
        if (!writer_) writer_ = ae::io(fd_, ae::kWrite, [this] { write_request(); });
        return;
      } else {
        return finish("send: " + std::error_code(errno, std::generic_category()).message());
      }
    }
    writer_.reset();
    reader_ = ae::io(fd_, ae::kRead, [this] { read_reply(); });
  }

  void read_reply() {
    char buf[4096];
    ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n > 0) {
      answer_.reply.append(buf, static_cast<std::size_t>(n));
      if (answer_.reply.size() > options_.max_reply) {
        answer_.reply.resize(options_.max_reply);
        answer_.truncated = true;
        finish("");
      }
    } else if (n == 0) {
      finish("");
    } else if (errno != EAGAIN && errno != EINTR) {
      // A reset after part of the answer: show the part, and the error.
      finish("read: " + std::error_code(errno, std::generic_category()).message());
    }
  }

  void finish(std::string error) {
    if (!done_) return;
    reader_.reset();
    writer_.reset();
    deadline_.reset();
    connect_.reset();
    close_fd();
    answer_.error = std::move(error);
    auto done = std::move(done_);
    done_ = nullptr;
    done(std::move(answer_));  // may destroy this query
  }

  void close_fd() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  std::string request_;
  std::size_t written_ = 0;
  Options options_;
  ae::Function<void(Answer)> done_;
  Answer answer_;
  int fd_ = -1;
  ae::Guard connect_;
  ae::Timer deadline_;
  ae::Io writer_;
  ae::Io reader_;
};

// RFC 1288: a client shows only printable text; anything else becomes '?'.
std::string show(std::string_view reply) {
  std::string out = ae::examples::printable(reply, /*keep_newlines=*/true);
  if (!out.empty() && out.back() != '\n') out += '\n';
  return out;
}

// "user@host[:port]": the host is after the last '@' (RFC 1288 forwarding keeps the rest).
// Returns what is wrong with `arg`, or "" when it is a target.
std::string parse_target(std::string_view arg, Target* t) {
  std::size_t at = arg.rfind('@');
  if (at == std::string_view::npos) return "not user@host[:port]";
  std::string_view user = arg.substr(0, at);
  if (user.find_first_of("\r\n") != std::string_view::npos) return "a line break in the user";
  std::string host, service;
  std::string why = ae::examples::parse_endpoint(arg.substr(at + 1), "finger=79",
                                                 /*any_port=*/false, &host, &service);
  if (!why.empty()) return why;
  if (host == "unix/") return "not a TCP host";
  // The label names the query in the output; a huge user name is shortened there.
  std::string label(arg.size() > 100 ? "..." + std::string(arg.substr(arg.size() - 60)) : arg);
  *t = Target{label, std::string(user), host, service};
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  std::vector<Target> targets;
  ae::examples::CommandLine cli("finger", kUsage);
  cli.number({"-t", "--timeout"}, &options.timeout, 0.001, 1e6);
  cli.count({"--max-reply"}, &options.max_reply);
  auto status = cli.parse(argc, argv, [&](std::string_view arg, std::string* why) {
    Target t;
    if (std::string problem = parse_target(arg, &t); !problem.empty()) {
      *why = ae::examples::printable(arg) + ": " + problem;
      return false;
    }
    targets.push_back(std::move(t));
    return true;
  });
  if (status) return *status;
  if (targets.empty()) return cli.usage_error("nothing to ask: give at least one user@host");

  // begin() once for the whole batch and once per query; end() for each; the CondVar is ready
  // when the last query has answered (or at once, were there none).
  ae::CondVar<> all_done;
  int failures = 0;
  std::vector<std::unique_ptr<FingerQuery>> queries;
  all_done.begin();
  for (const Target& t : targets) {
    all_done.begin();
    queries.push_back(std::make_unique<FingerQuery>(t, options, [&, label = t.label](Answer a) {
      if (!a.reply.empty() || a.error.empty()) {
        std::printf("[%s]\n%s", label.c_str(), show(a.reply).c_str());
        if (a.truncated) {
          std::printf("[%s: reply cut off after %zu bytes]\n", label.c_str(), options.max_reply);
        }
        std::fflush(stdout);
      }
      if (!a.error.empty()) {
        std::fprintf(stderr, "finger: %s: %s\n", label.c_str(), a.error.c_str());
        ++failures;
      }
      all_done.end();
    }));
  }
  all_done.end();
  all_done.recv();
  return failures == 0 ? 0 : ae::examples::kExitFailure;
}
