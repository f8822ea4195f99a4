// What the header examples leave to the reader: the fd, Handle, path or callback an example
// works on, declared here so that each example compiles as written. Only declared: the examples
// are compiled, never run (see extract_examples.py).
#pragma once

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "core/buffer.h"
#include "core/debug_hook.h"
#include "core/function.h"
#include "core/guard.h"
#include "core/stream_filter.h"
#include "dns/record.h"
#include "dns/resolver.h"
#include "handle/handle.h"
#include "log/context.h"
#include "tls/certificate.h"
#include "tls/context.h"

namespace header_examples {

using namespace std::chrono_literals;

// Values an example works on.
extern int fd;
extern int id;
extern const char* name;
extern std::string path;
extern std::string dir;
extern std::string port;
extern std::string getenv_value;
extern std::uint64_t saved_offset;
extern std::vector<std::string> hosts;
extern std::vector<ae::Guard> lookups;
extern std::vector<std::uint8_t> reply_bytes;
extern std::vector<ae::dns::Record> records;
extern std::string_view bytes;
extern ae::Buffer rbuf;
extern ae::Buffer wbuf;
extern ae::Guard reader;
extern ae::Handle h;
extern ae::StreamFilter& filter;
extern ae::dns::Resolver& resolver;
extern ae::tls::Context server_ctx;
extern ae::tls::Context ctx;
extern ae::tls::Certificate cert;

// What an example calls.
std::string read_line(int fd);
ae::Guard lookup(const std::string& host, ae::Function<void()> done);
void on_created(ae::Loop& loop, ae::WatcherId watcher, const ae::WatcherSpec& spec);
void fail(std::error_code ec, const std::string& message);
void report(const std::string& message);
void on_line(std::string_view line);
void cb(ae::Handle& h, std::string line, std::string eol);
template <class... Args>
void use(Args&&... args);

}  // namespace header_examples
