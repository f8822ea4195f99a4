// Handle-level helpers for the //tls tests: an ae server on 127.0.0.1 whose connections are
// Handles, and a record of every callback a Handle made.
#pragma once

#include <functional>
#include <list>
#include <string>
#include <system_error>

#include "handle/handle.h"
#include "socket/server.h"

namespace ae::testing {

// What a Handle reported, for assertions.
struct Events {
  int starttls = 0;
  bool starttls_ok = false;
  std::error_code starttls_ec;
  std::string starttls_message;
  int errors = 0;
  bool fatal = false;
  std::error_code error;
  std::string error_message;
  int stoptls = 0;
  int eof = 0;
};

// Sets on_error and on_eof in `options` to record into `e`.
Handle::Options record(Events& e, Handle::Options options = {});
// Sets on_starttls on `h` to record into `e`.
void record_starttls(Events& e, Handle& h);
// Sets on_stoptls on `h` to record into `e`.
void record_stoptls(Events& e, Handle& h);

// An on_read callback that answers every complete line with "echo: <line>".
Handle::Callback echo_lines();

// An ae server on 127.0.0.1 with a port the kernel picked: every connection becomes a Handle
// made with options(), then setup(handle) runs. The Handles live in handles() until the server
// is destroyed.
class HandleServer {
 public:
  HandleServer(std::function<Handle::Options()> options, std::function<void(Handle&)> setup);
  std::string service() const { return std::to_string(server_.port()); }
  int port() const { return server_.port(); }
  std::list<Handle>& handles() { return handles_; }
  // The latest connection's Handle (the server must have accepted one).
  Handle& last() { return handles_.back(); }

 private:
  std::function<Handle::Options()> options_;
  std::function<void(Handle&)> setup_;
  std::list<Handle> handles_;
  TcpServer server_;
};

}  // namespace ae::testing
