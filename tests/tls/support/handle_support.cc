#include "tests/tls/support/handle_support.h"

#include <stdexcept>
#include <utility>

namespace ae::testing {

Handle::Options record(Events& e, Handle::Options options) {
  options.on_error = [&e](Handle&, bool fatal, std::error_code ec, std::string_view m) {
    ++e.errors;
    e.fatal = fatal;
    e.error = ec;
    e.error_message = std::string(m);
  };
  options.on_eof = [&e](Handle&) { ++e.eof; };
  return options;
}

void record_starttls(Events& e, Handle& h) {
  h.on_starttls([&e](Handle&, bool ok, std::error_code ec, std::string_view m) {
    ++e.starttls;
    e.starttls_ok = ok;
    e.starttls_ec = ec;
    e.starttls_message = std::string(m);
  });
}

void record_stoptls(Events& e, Handle& h) {
  h.on_stoptls([&e](Handle&) { ++e.stoptls; });
}

Handle::Callback echo_lines() {
  return [](Handle& h) {
    std::string_view data = h.rbuf().view();
    std::size_t nl;
    while ((nl = data.find('\n')) != std::string_view::npos) {
      h.push_write("echo: " + std::string(data.substr(0, nl + 1)));
      data.remove_prefix(nl + 1);
    }
    h.rbuf().consume(h.rbuf().size() - data.size());
  };
}

HandleServer::HandleServer(std::function<Handle::Options()> options,
                           std::function<void(Handle&)> setup)
    : options_(std::move(options)), setup_(std::move(setup)) {
  Result<TcpServer> s =
      tcp_server("127.0.0.1", "0", [this](int fd, const std::string&, std::uint16_t) {
        Handle& h = handles_.emplace_back(fd, options_());
        if (setup_) setup_(h);
      });
  if (!s) throw std::runtime_error("tcp_server: " + s.message());
  server_ = std::move(*s);
}

}  // namespace ae::testing
