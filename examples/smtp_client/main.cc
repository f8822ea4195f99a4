// smtp_client: sends one mail message by SMTP on ae::Handle, reading the server's multi-line
// replies with unshift_read as AnyEvent's tutorial (AnyEvent::Intro, "The read queue - revisited")
// shows.
//
//   smtp_client --server HOST[:PORT] --from ADDRESS --to ADDRESS [--to ADDRESS ...]
//               [--subject TEXT] [--raw] [--helo NAME] [--timeout SECONDS]
//               [--max-size BYTES] [--starttls] [--cafile FILE] [--verbose] [FILE]
//
// The dialogue (RFC 5321): the greeting (220), EHLO (HELO when the server does not know EHLO),
// with --starttls STARTTLS (RFC 3207: the server must offer it; the Handle's starttls() puts
// ae::tls's filter on the live connection, the server's certificate is verified for the server's
// name by the "smtp" rules, and EHLO is sent again over TLS), MAIL FROM, one RCPT TO per recipient,
// DATA, the message with its lines dot-stuffed and ended by "<CRLF>.<CRLF>", and QUIT. Each command
// pushes one line reader; the reader looks at the fourth character of every reply line, and when it
// is '-' (more lines follow, as in "250-SIZE 33554432") it unshift_reads another line reader, which
// runs before anything queued behind it.
//
// The message is FILE (or standard input) as its body, under From, To, Subject, Date and
// Message-ID headers made from the options; with --raw, FILE is a complete message with its own
// headers. Line ends become CRLF and lines starting with '.' get another '.' (dot-stuffing). The
// server's replies are bounded (a reply line of more than 64 KiB, or more than 1000 lines, ends the
// session) and must come within --timeout seconds (60 by default: RFC 5321 asks clients to wait
// minutes, so the default is not shortened further). Meanwhile the client is not silent: after 5
// seconds without a reply (a third of --timeout when that is shorter), and again every such period,
// it says on stderr what it is waiting for ("still waiting for the reply to DATA from
// mail.example:25 (10 s of 60)"), or that the message is still being sent.
//
// Exit status: 0 when the server accepted the message for every recipient; 1 when it was not
// sent, or some recipients were refused (each is reported on stderr); 2 for a bad command line.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "core/condvar.h"
#include "core/loop.h"
#include "examples/common/cli.h"
#include "examples/smtp_client/reply_line.h"
#include "handle/handle.h"
#include "socket/socket.h"
#include "tls/tls.h"

namespace {

constexpr const char* kUsage =
    "usage: smtp_client --server HOST[:PORT] --from ADDRESS --to ADDRESS [--to ADDRESS ...]\n"
    "                   [--subject TEXT] [--raw] [--helo NAME] [--timeout SECONDS]\n"
    "                   [--max-size BYTES] [--starttls] [--cafile FILE] [--verbose] [FILE]\n"
    "\n"
    "Sends one message by SMTP. The body comes from FILE, or standard input without FILE.\n"
    "  --server HOST[:PORT]  the SMTP server (port 25 unless given; [::1]:PORT for IPv6)\n"
    "  --from ADDRESS        envelope sender (MAIL FROM) and From: header\n"
    "  --to ADDRESS          a recipient (RCPT TO), also named in the To: header; repeatable\n"
    "  --subject TEXT        the Subject: header\n"
    "  --raw                 FILE is a whole message with headers: send it as it is\n"
    "  --helo NAME           the name to greet the server with (default localhost)\n"
    "  --timeout SECONDS     give up when the server does not answer this long (default 60;\n"
    "                        meanwhile it says every 5 seconds what it is waiting for)\n"
    "  --max-size BYTES      refuse messages larger than this (default 26214400)\n"
    "  --starttls            switch to TLS with STARTTLS before sending (required: fails when\n"
    "                        the server does not offer it or its certificate does not verify)\n"
    "  --cafile FILE         trust the CA certificates in FILE (default: the system's store)\n"
    "  --verbose             show the dialogue on stderr\n";

constexpr std::size_t kMaxReplyLine = 64 * 1024;
constexpr std::size_t kMaxReplyLines = 1000;

struct Config {
  std::string host;
  std::string service;
  std::string from;
  std::vector<std::string> to;
  std::string subject;
  std::string helo = "localhost";
  std::string file;
  bool raw = false;
  bool verbose = false;
  bool starttls = false;
  std::string cafile;
  double timeout = 60;
  std::size_t max_size = 25 << 20;
};

// One SMTP reply: its code and the text of each line (after "250-" or "250 ").
struct Reply {
  int code = 0;
  std::vector<std::string> lines;

  std::string text() const {
    std::string out = std::to_string(code);
    for (const std::string& l : lines) out += (out.size() > 3 ? " / " : " ") + l;
    return out;
  }
};

// The bytes of a DATA section: line ends normalised to CRLF, lines starting with '.' doubled
// (RFC 5321 4.5.2), a final CRLF added when missing, and the terminating ".\r\n".
std::string data_section(std::string_view message) {
  std::string out;
  out.reserve(message.size() + message.size() / 50 + 8);
  bool line_start = true;
  for (std::size_t i = 0; i < message.size(); ++i) {
    char c = message[i];
    if (line_start && c == '.') out += '.';
    line_start = false;
    if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < message.size() && message[i + 1] == '\n') ++i;
      out += "\r\n";  // a bare CR or LF must not be sent on its own either
      line_start = true;
    } else {
      out += c;
    }
  }
  if (!line_start) out += "\r\n";
  out += ".\r\n";
  return out;
}

std::string rfc5322_date() {
  char buf[64];
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::localtime_r(&now, &tm);
  static const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  long off = tm.tm_gmtoff / 60;
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d %c%02ld%02ld", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
                off < 0 ? '-' : '+', std::labs(off) / 60, std::labs(off) % 60);
  return buf;
}

std::string compose(const Config& config, const std::string& body) {
  if (config.raw) return body;
  std::string to;
  for (const std::string& r : config.to) to += (to.empty() ? "" : ", ") + r;
  std::string headers = "From: " + config.from + "\r\nTo: " + to + "\r\n";
  if (!config.subject.empty()) headers += "Subject: " + config.subject + "\r\n";
  headers += "Date: " + rfc5322_date() + "\r\n";
  headers += "Message-ID: <" + std::to_string(std::time(nullptr)) + "." +
             std::to_string(::getpid()) + ".ae-smtp_client@" + config.helo + ">\r\n";
  return headers + "\r\n" + body;
}

// One SMTP session that delivers one message; `done` receives the exit status once, from the
// loop.
class SmtpSession {
 public:
  using ReplyCallback = ae::Function<void(Reply)>;

  SmtpSession(const Config& config, std::string_view message, ae::CondVar<int> done)
      : config_(config), data_(data_section(message)), done_(done) {
    handle_ = ae::Handle(
        config.host, config.service,
        {
            .on_prepare = [this](ae::Handle&) { return ae::Seconds(config_.timeout); },
            .on_connect_error =
                [this](ae::Handle&, std::error_code, std::string_view message) {
                  fail("connect: " + std::string(message));
                },
            .on_error = [this](ae::Handle&, bool, std::error_code ec,
                               std::string_view message) { on_error(ec, message); },
            .on_eof =
                [this](ae::Handle&) { on_error(std::make_error_code(std::errc::broken_pipe), ""); },
            .timeout = config.timeout,
            .rtimeout = notice_period(config.timeout),
            .on_timeout =
                [this](ae::Handle&) {
                  fail("no reply from the server within " +
                       ae::examples::format_number(config_.timeout) + " seconds" + waiting_for());
                },
            .on_rtimeout = [this](ae::Handle& h) { say_still_waiting(h); },
            .rbuf_max = kMaxReplyLine,
        });
    expecting_ = "the greeting";
    read_reply([this](Reply r) {
      if (r.code != 220) return refused("the greeting", r);
      ehlo();
    });
  }

 private:
  // ---- Reading replies: the tutorial's $read_response, with unshift_read for continuations.

  struct PendingReply {
    Reply reply;
    ReplyCallback done;
  };

  void read_reply(ReplyCallback done) {
    auto pending = std::make_shared<PendingReply>();
    pending->done = std::move(done);
    handle_.push_read(ae::line, reply_line(std::move(pending)));
  }

  ae::LineType::Callback reply_line(std::shared_ptr<PendingReply> pending) {
    return [this, pending](ae::Handle& h, std::string line, std::string) {
      if (config_.verbose) std::fprintf(stderr, "S: %s\n", ae::examples::printable(line).c_str());
      silent_periods_ = 0;
      std::optional<ae::examples::ReplyLine> parsed = ae::examples::parse_reply_line(line);
      if (!parsed) {
        return fail("malformed reply line \"" + ae::examples::printable(line.substr(0, 80)) + "\"" +
                    waiting_for());
      }
      const int code = parsed->code;
      Reply& reply = pending->reply;
      if (!reply.lines.empty() && code != reply.code) {
        return fail("reply lines with different codes (" + std::to_string(reply.code) + ", " +
                    std::to_string(code) + ")" + waiting_for());
      }
      reply.code = code;
      reply.lines.push_back(ae::examples::printable(parsed->text));
      // Continuation lines have '-' as their fourth character: read one more line before
      // anything else that is queued.
      if (parsed->more) {
        if (reply.lines.size() >= kMaxReplyLines) {
          return fail("a reply of more than " + std::to_string(kMaxReplyLines) + " lines");
        }
        h.unshift_read(ae::line, reply_line(pending));
        return;
      }
      ReplyCallback done = std::move(pending->done);
      done(std::move(reply));
    };
  }

  // Sends one command line and reads its reply.
  void command(const std::string& line, ReplyCallback done) {
    if (config_.verbose) std::fprintf(stderr, "C: %s\n", line.c_str());
    expecting_ = "the reply to " + line.substr(0, line.find(' '));
    handle_.push_write(line + "\r\n");
    read_reply(std::move(done));
  }

  // ---- The dialogue.

  void ehlo() {
    command("EHLO " + config_.helo, [this](Reply r) {
      if (r.code == 250) {
        for (std::size_t i = 1; i < r.lines.size(); ++i) extension(r.lines[i]);
        if (config_.starttls && !tls_active_) return starttls();
        return mail_from();
      }
      if (config_.starttls) return refused("EHLO, which STARTTLS needs,", r);
      if (r.code / 100 != 5) return refused("EHLO", r);
      // A server that does not know EHLO (500, 502): greet the RFC 821 way.
      command("HELO " + config_.helo, [this](Reply r) {
        if (r.code != 250) return refused("HELO", r);
        mail_from();
      });
    });
  }

  void extension(const std::string& line) {
    if (line == "STARTTLS") starttls_offered_ = true;
    if (line.starts_with("SIZE")) {
      size_extension_ = true;
      size_limit_ = std::strtoull(line.c_str() + 4, nullptr, 10);
    }
  }

  // RFC 3207: STARTTLS, a 220 reply, then the TLS handshake on the same connection; everything
  // learnt before it is forgotten and EHLO is sent again over TLS.
  void starttls() {
    if (!starttls_offered_) {
      std::fprintf(stderr, "smtp_client: the server does not offer STARTTLS\n");
      return quit(1);
    }
    command("STARTTLS", [this](Reply r) {
      if (r.code != 220) return refused("STARTTLS", r);
      ae::tls::ContextOptions options;
      options.verify_peername = "smtp";
      options.ca_file = config_.cafile;
      ae::Result<ae::tls::Context> context = ae::tls::Context::create(std::move(options));
      if (!context) return fail("TLS: " + context.message());
      expecting_ = "the TLS handshake";
      handle_.on_starttls([this](ae::Handle&, bool ok, std::error_code, std::string_view why) {
        if (!ok) return fail("TLS handshake: " + std::string(why));
        if (config_.verbose) std::fprintf(stderr, "-- TLS established\n");
        tls_active_ = true;
        starttls_offered_ = size_extension_ = false;
        size_limit_ = 0;
        ehlo();
      });
      handle_.starttls(ae::tls::connect(*context, config_.host)(handle_));
    });
  }

  void mail_from() {
    if (size_limit_ > 0 && data_.size() > size_limit_) {
      std::fprintf(stderr,
                   "smtp_client: the message has %zu bytes; the server takes at most %llu\n",
                   data_.size(), size_limit_);
      return quit(1);
    }
    std::string size = size_extension_ ? " SIZE=" + std::to_string(data_.size()) : "";
    command("MAIL FROM:<" + config_.from + ">" + size, [this](Reply r) {
      if (r.code != 250) return refused("MAIL FROM", r);
      rcpt_to(0);
    });
  }

  void rcpt_to(std::size_t i) {
    if (i == config_.to.size()) {
      if (accepted_ == 0) {
        std::fprintf(stderr, "smtp_client: the server refused every recipient\n");
        return quit(1);
      }
      return data();
    }
    command("RCPT TO:<" + config_.to[i] + ">", [this, i](Reply r) {
      if (r.code == 250 || r.code == 251) {
        ++accepted_;
      } else {
        std::fprintf(stderr, "smtp_client: recipient %s refused: %s\n", config_.to[i].c_str(),
                     r.text().c_str());
      }
      rcpt_to(i + 1);
    });
  }

  void data() {
    command("DATA", [this](Reply r) {
      if (r.code != 354) return refused("DATA", r);
      if (config_.verbose) std::fprintf(stderr, "C: <message: %zu bytes>\n", data_.size());
      expecting_ = "the reply to the message";
      handle_.push_write(data_);
      read_reply([this](Reply r) {
        if (r.code != 250) return refused("the message", r);
        std::printf("accepted for %zu of %zu recipients: %s\n", accepted_, config_.to.size(),
                    r.text().c_str());
        std::fflush(stdout);
        quit(accepted_ == config_.to.size() ? 0 : 1);
      });
    });
  }

  // Ends the session politely; the status is decided already, so the reply to QUIT (or the
  // server closing without one) only ends the wait.
  void quit(int status) {
    quit_status_ = status;
    command("QUIT", [this](Reply) { finish(*quit_status_); });
  }

  void refused(const std::string& what, const Reply& r) {
    std::fprintf(stderr, "smtp_client: the server refused %s: %s\n", what.c_str(),
                 r.text().c_str());
    quit(1);
  }

  // ---- Errors.

  void on_error(std::error_code ec, std::string_view message) {
    if (quit_status_) return finish(*quit_status_);
    if (ec == std::errc::broken_pipe) {
      return fail("the server closed the connection" + waiting_for());
    }
    if (ec == std::errc::no_space_on_device) {
      return fail("a reply line longer than " + std::to_string(kMaxReplyLine) + " bytes" +
                  waiting_for());
    }
    fail(std::string(message) + waiting_for());
  }

  // How long the server may be silent before the user is told what the client waits for.
  static double notice_period(double timeout) { return std::min(5.0, timeout / 3); }

  // Runs each notice_period() without a byte from the server.
  void say_still_waiting(ae::Handle& h) {
    ++silent_periods_;
    const std::string so_far = ae::examples::format_number(static_cast<double>(silent_periods_) *
                                                           notice_period(config_.timeout)) +
                               " s of " + ae::examples::format_number(config_.timeout);
    if (!h.wbuf().empty()) {
      std::fprintf(stderr, "smtp_client: still sending to %s: %zu bytes not yet taken (%s)\n",
                   server_name().c_str(), h.wbuf().size(), so_far.c_str());
    } else if (!expecting_.empty()) {
      std::fprintf(stderr, "smtp_client: still waiting for %s from %s (%s)\n", expecting_.c_str(),
                   server_name().c_str(), so_far.c_str());
    }
  }

  std::string server_name() const { return ae::format_hostport(config_.host, config_.service); }

  std::string waiting_for() const {
    return expecting_.empty() ? "" : " (waiting for " + expecting_ + ")";
  }

  void fail(const std::string& why) {
    std::fprintf(stderr, "smtp_client: %s\n", why.c_str());
    finish(1);
  }

  // The first outcome wins: later errors from the dying connection change nothing.
  void finish(int status) {
    if (done_.ready()) return;
    handle_.destroy();
    done_.send(status);
  }

  Config config_;
  std::string data_;  // the DATA section, ready to send
  ae::CondVar<int> done_;
  ae::Handle handle_;
  std::string expecting_;
  unsigned silent_periods_ = 0;  // notice periods since the server's last reply line
  bool starttls_offered_ = false;
  bool tls_active_ = false;
  bool size_extension_ = false;
  unsigned long long size_limit_ = 0;
  std::size_t accepted_ = 0;
  std::optional<int> quit_status_;
};

// An address goes between angle brackets on a command line: nothing that could end or split it.
bool valid_address(std::string_view a) {
  for (char c : a) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == '<' || c == '>' || c == 0x7f) return false;
  }
  return a.size() <= 254;
}

bool read_all(const std::string& file, std::size_t max, std::string* out, std::string* why) {
  std::FILE* f = file.empty() || file == "-" ? stdin : std::fopen(file.c_str(), "rb");
  if (!f) {
    *why = "cannot open " + file + ": " + std::strerror(errno);
    return false;
  }
  char buf[65536];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
    out->append(buf, n);
    if (out->size() > max) {
      *why = "the message is larger than --max-size (" + std::to_string(max) + " bytes)";
      break;
    }
  }
  bool ok = why->empty() && !std::ferror(f);
  if (ok == false && why->empty()) *why = "cannot read " + (file.empty() ? "stdin" : file);
  if (f != stdin) std::fclose(f);
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  Config config;
  std::string server;
  ae::examples::CommandLine cli("smtp_client", kUsage);
  cli.text({"--server"}, &server);
  cli.text({"--from"}, &config.from);
  cli.texts({"--to"}, &config.to);
  cli.text({"--subject"}, &config.subject);
  cli.text({"--helo"}, &config.helo);
  cli.flag({"--raw"}, &config.raw);
  cli.flag({"--starttls"}, &config.starttls);
  cli.text({"--cafile"}, &config.cafile);
  cli.flag({"-v", "--verbose"}, &config.verbose);
  cli.number({"--timeout"}, &config.timeout, 0.001, 1e6);
  cli.count({"--max-size"}, &config.max_size);
  auto status = cli.parse(argc, argv, [&](std::string_view arg, std::string* why) {
    if (!config.file.empty()) *why = "more than one FILE";
    if (config.file.empty()) config.file = arg;
    return why->empty();
  });
  if (status) return *status;
  if (server.empty()) return cli.usage_error("no --server given");
  if (std::string why = ae::examples::parse_endpoint(server, "smtp=25", /*any_port=*/false,
                                                     &config.host, &config.service);
      !why.empty()) {
    return cli.usage_error("bad --server \"" + ae::examples::printable(server) + "\": " + why);
  }
  if (config.to.empty()) return cli.usage_error("no --to given");
  for (const std::string& a : config.to) {
    if (a.empty() || !valid_address(a)) return cli.usage_error("bad recipient address: " + a);
  }
  if (!valid_address(config.from)) return cli.usage_error("bad sender address: " + config.from);
  if (!valid_address(config.helo) || config.helo.empty()) return cli.usage_error("bad --helo name");
  if (config.subject.find_first_of("\r\n") != std::string::npos) {
    return cli.usage_error("the subject cannot hold a line break");
  }

  std::string body, why;
  if (!read_all(config.file, config.max_size, &body, &why)) {
    std::fprintf(stderr, "smtp_client: %s\n", why.c_str());
    return 1;
  }

  ae::CondVar<int> done;
  SmtpSession session(config, compose(config, body), done);
  return done.recv();
}
