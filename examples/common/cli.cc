#include "examples/common/cli.h"

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
  options_.push_back({names, false, [target](std::string_view) { return *target = true; }});
}

void CommandLine::number(std::initializer_list<std::string_view> names, double* target, double min,
                         double max) {
  options_.push_back({names, true, [=](std::string_view value) {
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
  options_.push_back({names, true, [=](std::string_view value) {
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
  options_.push_back({names, true, [target](std::string_view value) {
                        *target = value;
                        return true;
                      }});
}

void CommandLine::texts(std::initializer_list<std::string_view> names,
                        std::vector<std::string>* target) {
  options_.push_back({names, true, [target](std::string_view value) {
                        target->emplace_back(value);
                        return true;
                      }});
}

void CommandLine::address(std::string_view name, std::string* host, std::string* service) {
  options_.push_back({{name}, true, [=](std::string_view value) {
                        auto hp = parse_hostport(value);
                        if (!hp) return false;
                        *host = hp->host;
                        *service = hp->service;
                        return true;
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
      if (!o->takes_value) {
        o->apply({});
        continue;
      }
      if (i + 1 >= argc) return usage_error(std::string(arg) + " needs a value");
      std::string_view value = argv[++i];
      if (!o->apply(value)) {
        return usage_error("bad value for " + std::string(arg) + ": \"" + std::string(value) +
                           "\"");
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

int serve(std::string_view program, const std::string& host, const std::string& service,
          AcceptCallback accept, const std::function<void()>& on_stop) {
  std::string name(program);
  Result<TcpServer> listener = tcp_server(host, service, std::move(accept));
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
