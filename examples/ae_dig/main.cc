// ae-dig: looks up DNS records with ae::dns and prints them in dig's short form.
//
//   ae-dig NAME [TYPE] [@SERVER[:PORT]]      TYPE defaults to A; "ANY" or "*" for every type
//   ae-dig -x ADDRESS [@SERVER[:PORT]]       reverse lookup (PTR)
//
// Without @SERVER the servers come from AE_RESOLV_CONF or /etc/resolv.conf. NAME is looked up
// as given (no search list). IPv6 servers are written [::1]:5353.
//
// Exit status: 0 records printed; 1 usage error; 2 no such name or no records of that type;
// 3 the server failed or refused; 9 no reply from any server (as dig's "no servers reached").
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/condvar.h"
#include "core/loop.h"
#include "dns/resolver.h"

namespace {

constexpr const char* kUsage =
    "usage: ae-dig NAME [TYPE] [@SERVER[:PORT]]\n"
    "       ae-dig -x ADDRESS [@SERVER[:PORT]]\n";

int usage(const char* why) {
  std::fprintf(stderr, "ae-dig: %s\n%s", why, kUsage);
  return 1;
}

int exit_status(std::error_code ec) {
  using ae::dns::Error;
  if (ec == Error::kNxDomain || ec == Error::kNoData || ec == Error::kNotVerified ||
      ec == Error::kCnameLoop) {
    return 2;
  }
  if (ec == Error::kTimedOut || ec == Error::kConnectionRefused) return 9;
  if (ec == Error::kBadName || ec == Error::kBadAddress) return 1;
  return 3;
}

struct Args {
  std::string name;
  std::optional<std::uint16_t> type;
  std::string server;
  bool reverse = false;
};

std::optional<Args> parse(int argc, char** argv, const char** why) {
  Args args;
  bool have_name = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "-h" || a == "--help") {
      *why = "help";
      return std::nullopt;
    }
    if (a == "-x") {
      if (i + 1 >= argc || have_name) {
        *why = "-x needs one address";
        return std::nullopt;
      }
      args.reverse = true;
      args.name = argv[++i];
      have_name = true;
    } else if (a.starts_with('@')) {
      args.server = a.substr(1);
    } else if (!have_name) {
      args.name = a;
      have_name = true;
    } else if (!args.type && !args.reverse) {
      args.type = ae::dns::type_from_name(a);
      if (!args.type) {
        *why = "unknown record type";
        return std::nullopt;
      }
    } else {
      *why = "too many arguments";
      return std::nullopt;
    }
  }
  if (!have_name) {
    *why = "no name given";
    return std::nullopt;
  }
  return args;
}

}  // namespace

int main(int argc, char** argv) {
  const char* why = nullptr;
  std::optional<Args> args = parse(argc, argv, &why);
  if (!args) {
    if (std::strcmp(why, "help") == 0) {
      std::fputs(kUsage, stdout);
      return 0;
    }
    return usage(why);
  }

  ae::dns::Options options;
  if (args->server.empty()) {
    options = ae::dns::Options::from_environment();
  } else {
    // The server is written as in resolv.conf (with our port extension).
    ae::dns::parse_resolv_conf("nameserver " + args->server, options);
    if (options.servers.empty()) return usage("bad server address");
  }

  ae::dns::Resolver resolver(options);
  ae::CondVar<std::error_code, std::vector<std::string>> done;
  ae::Guard lookup;
  if (args->reverse) {
    lookup = resolver.reverse_lookup(args->name,
                                     [&](std::error_code ec, std::vector<std::string> names) {
                                       for (std::string& n : names) n += '.';
                                       done.send(ec, std::move(names));
                                     });
  } else {
    ae::dns::QueryOptions query;
    query.search = std::vector<std::string>{""};  // as given, like dig's +nosearch
    std::uint16_t type = args->type.value_or(static_cast<std::uint16_t>(ae::dns::RrType::kA));
    lookup = resolver.resolve(
        args->name, type,
        [&](std::error_code ec, std::vector<ae::dns::Record> records) {
          std::vector<std::string> lines;
          for (const ae::dns::Record& r : records) lines.push_back(r.text());
          done.send(ec, std::move(lines));
        },
        query);
  }
  auto [ec, lines] = done.recv();
  if (ec) {
    std::fprintf(stderr, "ae-dig: %s: %s\n", args->name.c_str(), ec.message().c_str());
    return exit_status(ec);
  }
  for (const std::string& line : lines) std::printf("%s\n", line.c_str());
  return 0;
}
