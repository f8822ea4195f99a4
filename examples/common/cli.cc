#include "examples/common/cli.h"

#include <netdb.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>

#include "core/condvar.h"
#include "core/loop.h"
#include "socket/hostport.h"

namespace ae::examples {

CommandLine::CommandLine(std::string_view program, std::string_view usage)
    : program_(program), usage_(usage) {}

void CommandLine::flag(std::initializer_list<std::string_view> names, bool* target) {
  options_.push_back(
      {names, false, [target](std::string_view, std::string*) { return *target = true; }});
}

void CommandLine::number(std::initializer_list<std::string_view> names, double* target, double min,
                         double max) {
  options_.push_back({names, true, [=](std::string_view value, std::string*) {
                        std::string s(value);
                        char* end = nullptr;
                        double v = std::strtod(s.c_str(), &end);
                        if (s.empty() || *end != '\0' || !(v >= min && v <= max)) return false;
                        *target = v;
                        return true;
                      }});
}

void CommandLine::count(std::initializer_list<std::string_view> names, std::size_t* target,
                        std::size_t min) {
  options_.push_back({names, true, [=](std::string_view value, std::string*) {
                        std::size_t v = 0;
                        if (value.empty() || value.size() > 15) return false;
                        for (char c : value) {
                          if (c < '0' || c > '9') return false;
                          v = v * 10 + static_cast<std::size_t>(c - '0');
                        }
                        if (v < min) return false;
                        *target = v;
                        return true;
                      }});
}

void CommandLine::text(std::initializer_list<std::string_view> names, std::string* target) {
  options_.push_back({names, true, [target](std::string_view value, std::string*) {
                        *target = value;
                        return true;
                      }});
}

void CommandLine::texts(std::initializer_list<std::string_view> names,
                        std::vector<std::string>* target) {
  options_.push_back({names, true, [target](std::string_view value, std::string*) {
                        target->emplace_back(value);
                        return true;
                      }});
}

void CommandLine::address(std::string_view name, std::string* host, std::string* service) {
  options_.push_back({{name}, true, [=](std::string_view value, std::string* why) {
                        *why = parse_endpoint(value, {}, /*any_port=*/true, host, service);
                        return why->empty();
                      }});
}

const CommandLine::Option* CommandLine::find(std::string_view arg) const {
  for (const Option& o : options_) {
    for (std::string_view n : o.names) {
      if (n == arg) return &o;
    }
  }
  return nullptr;
}

std::optional<int> CommandLine::parse(int argc, char** argv, const Positional& positional) {
  bool options_done = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (!options_done && arg.size() > 1 && arg[0] == '-') {
      if (arg == "--") {
        options_done = true;
        continue;
      }
      if (arg == "-h" || arg == "--help") {
        std::fputs(usage_.c_str(), stdout);
        return 0;
      }
      const Option* o = find(arg);
      if (!o) return usage_error("unknown option " + std::string(arg));
      std::string why;
      if (!o->takes_value) {
        o->apply({}, &why);
        continue;
      }
      if (i + 1 >= argc) return usage_error(std::string(arg) + " needs a value");
      std::string_view value = argv[++i];
      if (!o->apply(value, &why)) {
        return usage_error("bad value for " + std::string(arg) + " \"" + std::string(value) + "\"" +
                           (why.empty() ? "" : ": " + why));
      }
      continue;
    }
    std::string why;
    if (!positional || !positional(arg, &why)) {
      return usage_error(why.empty() ? "unexpected argument " + std::string(arg) : why);
    }
  }
  return std::nullopt;
}

int CommandLine::usage_error(std::string_view why) const {
  std::fprintf(stderr, "%s: %.*s\n%s", program_.c_str(), static_cast<int>(why.size()), why.data(),
               usage_.c_str());
  return kExitUsage;
}

namespace {

// A port number in [min, 65535], or nullopt when `text` is not all digits or out of range.
std::optional<unsigned> port_number(std::string_view text, unsigned min) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  unsigned v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  if (v < min || v > 65535) return std::nullopt;
  return v;
}

bool all_digits(std::string_view text) {
  return !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
}

}  // namespace

std::string parse_endpoint(std::string_view text, std::string_view default_service, bool any_port,
                           std::string* host, std::string* service) {
  if (text.empty()) return "no host";
  auto hp = parse_hostport(text, default_service);
  if (!hp) {
    return default_service.empty() && text.find(':') == std::string_view::npos
               ? "no port (write HOST:PORT)"
               : "not HOST[:PORT] (an IPv6 address goes in brackets: [::1]:PORT)";
  }
  if (hp->host.empty()) return "no host before the port";
  if (hp->host != "unix/") {
    const unsigned min = any_port ? 0 : 1;
    const std::string range = std::to_string(min) + "-65535";
    // AnyEvent's "name=port": the port decides.
    std::string_view port = hp->service;
    if (std::size_t eq = port.find('='); eq != std::string_view::npos) port = port.substr(eq + 1);
    if (all_digits(port)) {
      if (!port_number(port, min)) {
        return "port " + std::string(port) + " is out of range (" + range + ")";
      }
    } else if (port == hp->service) {
      // A name: only a known service will do (a lookup in /etc/services, once, at start-up).
      servent entry{};
      servent* found = nullptr;
      char buf[1024];
      if (getservbyname_r(hp->service.c_str(), "tcp", &entry, buf, sizeof buf, &found) != 0 ||
          found == nullptr) {
        return "\"" + hp->service + "\" is not a port number (" + range +
               ") or a known service name";
      }
    } else {
      return "\"" + hp->service + "\" is not a port number (" + range + ")";
    }
  }
  *host = hp->host;
  *service = hp->service;
  return {};
}

int serve(std::string_view program, const std::string& host, const std::string& service,
          AcceptCallback accept, const std::function<void()>& on_stop, int backlog) {
  std::string name(program);
  Result<TcpServer> listener =
      tcp_server(host, service, std::move(accept),
                 [backlog](int, const std::string&, std::uint16_t) { return backlog; });
  if (!listener) {
    std::fprintf(stderr, "%s: %s\n", name.c_str(), listener.message().c_str());
    return kExitFailure;
  }
  CondVar<> quit;
  Signal sigint = ae::signal(SIGINT, [&] { quit.send(); });
  Signal sigterm = ae::signal(SIGTERM, [&] { quit.send(); });
  std::string where = listener->host() == "unix/"
                          ? "unix/:" + service
                          : format_hostport(listener->host(), std::to_string(listener->port()));
  std::printf("listening on %s\n", where.c_str());
  std::fflush(stdout);
  quit.recv();
  if (on_stop) on_stop();
  return 0;
}

std::string format_number(double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", value);
  return buf;
}

}  // namespace ae::examples
