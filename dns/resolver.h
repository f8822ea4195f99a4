// ae::dns::Resolver: AnyEvent::DNS for C++, an asynchronous DNS client on c-ares that asks
// recursive servers (it does no recursion itself).
//
// c-ares does the wire work (UDP, TCP fallback for truncated answers, EDNS0, query ids), driven
// by ae watchers: an ae::Io per socket it opens and one ae::Timer per channel, so it runs on
// every ae backend with no helper thread. On top of that the resolver keeps AnyEvent's
// semantics: its retry schedule, the search list and ndots, CNAME following, the
// max_outstanding queue, mx/srv ordering, reverse_lookup/reverse_verify, and the addresses and
// SRV targets core's resolve_sockaddr asks for.
// It adds a cache that honours TTLs, negative answers included, and re-reads resolv.conf when
// the file changes.
//
// Callbacks never run inside c-ares: answers are handed over after ares_process_fd() returns.
// So a callback may start lookups, destroy the resolver, throw (the exception leaves through
// the loop's run function; other requests carry on), or wait for another lookup in a nested
// loop.
//
// Linking //dns installs a resolver as core's process default (ae::default_resolver()), so
// //socket's tcp_connect resolves names through DNS without either package knowing the other.
//
// The default, with several loops: resolver() is "the current loop's default resolver". Each
// loop (one per thread) gets its own Resolver, kept as a service of the loop (Loop::service),
// made on first use from Options::from_environment() (the same configuration everywhere), with
// its own c-ares channels, queue and cache; requests on a loop never touch another loop's state,
// so no locking is needed. It is destroyed with its loop, before anything else of the loop goes:
// its pending requests then end with operation_canceled, as for destroying any Resolver.
//
// Example:
//   ae::CondVar<> done;
//   ae::Guard g = ae::dns::resolver().mx("example.com",
//       [&](std::error_code ec, std::vector<ae::dns::Record> rr) {
//         if (ec) std::printf("failed: %s\n", ec.message().c_str());
//         for (auto& r : rr) std::printf("%s\n", r.text().c_str());  // "10 mail.example.com."
//         done.send();
//       });
//   done.recv();
//
// Thread safety: a Resolver belongs to the loop that was current when it was made; use it and
// destroy it on that loop's thread. resolver() may be called on any thread (it returns that
// thread's current loop's resolver).
// Lifetime: destroy a Resolver before its loop. Destroying it ends its pending requests with
// std::errc::operation_canceled (delivered from the loop), except those whose Guard is gone.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "core/function.h"
#include "core/guard.h"
#include "core/loop.h"
#include "core/resolver.h"
#include "dns/error.h"
#include "dns/options.h"
#include "dns/packet.h"
#include "dns/record.h"

namespace ae::dns_internal {
class Engine;
}

namespace ae::dns {

// Per-request options of resolve() (AnyEvent's %opt).
struct QueryOptions {
  // Replaces the resolver's search logic: the name is tried with each suffix in turn ("" means
  // the name as given). A name with a trailing dot is absolute and never searched.
  std::optional<std::vector<std::string>> search;
  // The record types that end the lookup (default: the queried type; RrType::kAny accepts every
  // type). Listing CNAME stops CNAME following.
  std::vector<std::uint16_t> accept;
  std::uint16_t qclass = kClassIn;
};

class Resolver final : public ae::Resolver {
 public:
  // cb(error, records): exactly one of them is empty.
  using Callback = Function<void(std::error_code, std::vector<Record>)>;
  // cb(error, names): exactly one of them is empty.
  using NamesCallback = Function<void(std::error_code, std::vector<std::string>)>;
  // cb(error, message): the whole answer of request(); the message is empty on error.
  using MessageCallback = Function<void(std::error_code, Message)>;

  // What the resolver is doing and has done, for monitoring and tests.
  struct Stats {
    std::size_t in_flight = 0;       // queries on the wire
    std::size_t queued = 0;          // queries waiting for a max_outstanding slot
    std::size_t peak_in_flight = 0;  // the most ever on the wire at once
    std::uint64_t queries_sent = 0;  // sends to c-ares, retries included
    std::uint64_t cache_hits = 0;
    std::size_t cache_entries = 0;
  };

  // A resolver configured from the environment (Options::from_environment()), on the current
  // loop.
  Resolver();
  // A resolver with `options`, on the current loop.
  // Errors: std::invalid_argument for an empty or non-positive timeout list.
  explicit Resolver(Options options);
  ~Resolver() override;
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  // Every lookup below runs its callback exactly once on this resolver's loop, never inside the
  // call that started it. Destroying the returned Guard cancels the lookup; its callback then
  // never runs. Errors reach the callback as ae::dns::Error values, or as
  // std::errc::operation_canceled when the resolver is destroyed first.

  // AnyEvent::DNS::resolve: looks `name` up with the search list, ndots and CNAME following, and
  // delivers the answer records of the accepted types for the final name. Each candidate name
  // is tried in turn until one has records; the error, when none has, is the most telling one
  // met (a failure such as kTimedOut over kNoData over kNxDomain). MX records come sorted by
  // preference and SRV records in RFC 2782 order, as mx() and srv() promise.
  Guard resolve(std::string_view name, std::uint16_t type, Callback cb,
                const QueryOptions& options = {});
  Guard resolve(std::string_view name, RrType type, Callback cb, const QueryOptions& options = {}) {
    return resolve(name, static_cast<std::uint16_t>(type), std::move(cb), options);
  }

  // The convenience lookups of AnyEvent::DNS, each resolve() with one type. mx() sorts by
  // preference; srv() orders by priority and, within one priority, randomly by weight
  // (RFC 2782); txt() records hold every character-string (Txt::joined() concatenates them).
  Guard a(std::string_view name, Callback cb);
  Guard aaaa(std::string_view name, Callback cb);
  Guard cname(std::string_view name, Callback cb);
  Guard mx(std::string_view name, Callback cb);
  Guard ns(std::string_view name, Callback cb);
  Guard txt(std::string_view name, Callback cb);
  Guard ptr(std::string_view name, Callback cb);
  Guard soa(std::string_view name, Callback cb);
  Guard any(std::string_view name, Callback cb);
  // Looks up "_service._proto.domain" SRV records.
  Guard srv(std::string_view service, std::string_view proto, std::string_view domain, Callback cb);

  // The PTR names of an IPv4 or IPv6 address (IPv4-mapped and -compatible IPv6 addresses are
  // looked up as IPv4). Errors: kBadAddress for text that is not an address.
  Guard reverse_lookup(std::string_view ip, NamesCallback cb);
  // The PTR names of `ip` that map back to it (each is looked up with A or AAAA, matching the
  // address family). Errors: kNotVerified when none does; kBadAddress.
  Guard reverse_verify(std::string_view ip, NamesCallback cb);

  // AnyEvent::DNS::request: one question, no search list, no CNAME following; delivers the
  // whole answer, whatever its rcode. Errors: only transport failures (kTimedOut,
  // kConnectionRefused, kBadResponse, kBadName).
  Guard request(std::string_view name, std::uint16_t type, MessageCallback cb,
                std::uint16_t qclass = kClassIn);

  // ae::Resolver, for core's ae::resolve_sockaddr (which holds the whole policy: services,
  // "unix/", numeric addresses, localhost, the hosts file, families and their order):
  // the A or AAAA records of `name` with the search list and CNAME following, as addresses;
  // and the targets of an SRV name in RFC 2782 order (none: an empty list). Non-ASCII names are
  // converted to punycode (with case folding for Latin, Greek and Cyrillic letters only).
  // Errors are ae::ResolveError values (dns::to_resolve_error()).
  Guard resolve_addresses(std::string_view name, int family, AddressesCallback cb) override;
  Guard resolve_srv(std::string_view name, SrvCallback cb) override;

  // The options in force (after a resolv.conf change, the re-read ones).
  const Options& options() const noexcept;
  // AnyEvent's max_outstanding($n): queued requests start when slots free up.
  void set_max_outstanding(std::size_t n);
  // AnyEvent's timeout(@t). Errors: std::invalid_argument for an empty or non-positive list.
  void set_timeouts(std::vector<double> timeouts);
  void clear_cache() noexcept;
  Stats stats() const noexcept;
  // The loop this resolver runs on.
  Loop& loop() const noexcept;

 private:
  std::shared_ptr<dns_internal::Engine> engine_;
};

// The current loop's default resolver (see the file comment), made on first use.
Resolver& resolver();

// Orders SRV records as RFC 2782 says: by ascending priority, and within one priority by a
// weighted random choice (records of weight 0 first among equals, as AnyEvent does). `random`
// returns a uniformly distributed number in [0, bound]; the default uses a per-thread engine.
void order_srv(std::vector<Record>& records,
               Function<std::uint32_t(std::uint32_t bound)> random = nullptr);

// The reverse-lookup name of an address: "4.3.2.1.in-addr.arpa" or the ip6.arpa nibble form;
// IPv4-mapped and IPv4-compatible IPv6 addresses give the in-addr.arpa name. nullopt for text
// that is not an address.
std::optional<std::string> reverse_name(std::string_view ip);

}  // namespace ae::dns
