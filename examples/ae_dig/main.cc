// ae-dig: looks up DNS records with ae::dns and prints them in dig's short form.
//
//   ae-dig [OPTIONS] NAME [TYPE] [@SERVER[:PORT]]   TYPE defaults to A; "ANY" or "*" for all
//   ae-dig [OPTIONS] -x ADDRESS [@SERVER[:PORT]]    reverse lookup (PTR)
//
// Options, as dig's: +short (the only form ae-dig prints: a name's CNAME chain, then the
// records), +search (use the search list of the resolv.conf, with its ndots), +nosearch (the
// default: NAME as given), +domain=DOMAIN (the search list is DOMAIN alone; implies +search).
//
// Without @SERVER the servers come from AE_RESOLV_CONF or /etc/resolv.conf; the search list
// always does (or from +domain). IPv6 servers are written [::1]:5353.
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
    "usage: ae-dig [+short] [+search|+nosearch] [+domain=DOMAIN] NAME [TYPE] [@SERVER[:PORT]]\n"
    "       ae-dig -x ADDRESS [@SERVER[:PORT]]\n";

// CNAME records followed before giving up (dig's and AnyEvent's limit is about this).
constexpr int kMaxCnames = 16;

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
  std::optional<std::string> server;
  bool reverse = false;
  bool search = false;
  std::optional<std::string> domain;
};

std::string unknown_;  // the message for an unknown option

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
      if (a.size() == 1) {
        *why = "no server after @";
        return std::nullopt;
      }
      args.server = a.substr(1);
    } else if (a == "+short") {
      // The only output form.
    } else if (a == "+search") {
      args.search = true;
    } else if (a == "+nosearch") {
      args.search = false;
    } else if (a.starts_with("+domain=") && a.size() > 8) {
      args.domain = a.substr(8);
      args.search = true;
    } else if (a.starts_with('+') || (a.starts_with('-') && a.size() > 1)) {
      unknown_ = "unknown option " + std::string(a);
      *why = unknown_.c_str();
      return std::nullopt;
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

  // The search list and ndots always come from the resolv.conf (AE_RESOLV_CONF or
  // /etc/resolv.conf); the servers too, unless @SERVER names one.
  ae::dns::Options options = ae::dns::Options::from_environment();
  if (args->server) {
    // The server is written as in resolv.conf (with our port extension).
    ae::dns::Options given;
    ae::dns::parse_resolv_conf("nameserver " + *args->server, given);
    if (given.servers.empty()) return usage("bad server address");
    options.servers = given.servers;
    options.resolv_conf.clear();  // the file would bring its own servers back
  }
  if (args->domain) options.search = {*args->domain};

  ae::dns::Resolver resolver(options);
  ae::CondVar<std::error_code, std::vector<std::string>> done;
  ae::Guard lookup;
  std::vector<std::string> lines;
  if (args->reverse) {
    lookup = resolver.reverse_lookup(args->name,
                                     [&](std::error_code ec, std::vector<std::string> names) {
                                       for (std::string& n : names) n += '.';
                                       done.send(ec, std::move(names));
                                     });
  }
  // The forward lookup's state lives until done.recv() below returns: the steps run from it.
  std::uint16_t type = args->type.value_or(static_cast<std::uint16_t>(ae::dns::RrType::kA));
  auto cname = static_cast<std::uint16_t>(ae::dns::RrType::kCname);
  bool show_chain = type != cname && type != static_cast<std::uint16_t>(ae::dns::RrType::kAny);
  int cnames = 0;
  // One step of the chain: the records of `type` at `name`, or the CNAME there, which is
  // printed (as dig +short does) and followed.
  ae::Function<void(std::string, bool)> step;
  if (!args->reverse) {
    step = [&](std::string name, bool first) {
      ae::dns::QueryOptions query;
      // The search list applies to the name the user typed, not to CNAME targets (absolute).
      if (!first || !args->search) query.search = std::vector<std::string>{""};
      if (show_chain) query.accept = {type, cname};
      lookup = resolver.resolve(
          name, type,
          [&](std::error_code ec, std::vector<ae::dns::Record> records) {
            if (ec) return done.send(ec, {});
            if (show_chain && records.size() == 1 && records[0].type == cname) {
              if (++cnames > kMaxCnames) return done.send(ae::dns::Error::kCnameLoop, {});
              lines.push_back(records[0].text());
              std::string target = records[0].text();
              if (!target.ends_with('.')) target += '.';
              // From the loop, after this callback: the next step replaces `lookup`, whose
              // request is the one calling back now.
              return ae::postpone([&step, target = std::move(target)]() mutable {
                step(std::move(target), false);
              });
            }
            for (const ae::dns::Record& r : records) lines.push_back(r.text());
            done.send(ec, {});
          },
          query);
    };
    step(args->name, true);
  }
  auto [ec, reverse_names] = done.recv();
  lines.insert(lines.end(), reverse_names.begin(), reverse_names.end());
  if (ec) {
    std::fprintf(stderr, "ae-dig: %s: %s\n", args->name.c_str(), ec.message().c_str());
    return exit_status(ec);
  }
  for (const std::string& line : lines) std::printf("%s\n", line.c_str());
  return 0;
}
