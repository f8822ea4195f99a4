// reverse_name, reverse_lookup and reverse_verify.
#include <arpa/inet.h>
#include <netinet/in.h>

#include <array>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "dns/internal/engine.h"
#include "dns/internal/lookup.h"
#include "dns/resolver.h"

namespace ae::dns_internal {
namespace {

// An address as bytes: 4 for IPv4 (IPv4-mapped and -compatible IPv6 included), else 16.
std::optional<std::vector<std::uint8_t>> address_bytes(std::string_view ip) {
  if (ip.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  std::string text(ip);
  in_addr v4{};
  if (::inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    auto* b = reinterpret_cast<const std::uint8_t*>(&v4);
    return std::vector<std::uint8_t>(b, b + 4);
  }
  in6_addr v6{};
  if (::inet_pton(AF_INET6, text.c_str(), &v6) != 1) return std::nullopt;
  const std::uint8_t* b = v6.s6_addr;
  static constexpr std::uint8_t kZero[10] = {};
  bool mapped = std::memcmp(b, kZero, 10) == 0 && b[10] == 0xFF && b[11] == 0xFF;
  // AnyEvent also reads ::a.b.c.d (IPv4-compatible) as IPv4; :: and ::1 stay IPv6.
  bool compat =
      std::memcmp(b, kZero, 10) == 0 && b[10] == 0 && b[11] == 0 && (b[12] | b[13] | b[14]) != 0;
  if (mapped || compat) return std::vector<std::uint8_t>(b + 12, b + 16);
  return std::vector<std::uint8_t>(b, b + 16);
}

bool same_address(const dns::Address& a, const std::vector<std::uint8_t>& bytes) {
  if (a.family() == AF_INET && bytes.size() == 4) {
    return std::memcmp(&reinterpret_cast<const sockaddr_in*>(a.get())->sin_addr, bytes.data(), 4) ==
           0;
  }
  if (a.family() == AF_INET6 && bytes.size() == 16) {
    return std::memcmp(&reinterpret_cast<const sockaddr_in6*>(a.get())->sin6_addr, bytes.data(),
                       16) == 0;
  }
  return false;
}

std::vector<std::string> names_of(const std::vector<dns::Record>& rr) {
  std::vector<std::string> names;
  for (const dns::Record& r : rr) {
    if (const auto* n = r.as<dns::Name>()) names.push_back(n->name);
  }
  return names;
}

// Delivers kBadAddress from the loop.
Guard bad_address(Engine& engine, dns::Resolver::NamesCallback cb) {
  auto cancelled = std::make_shared<bool>(false);
  engine.defer([cancelled, cb = std::move(cb)]() mutable {
    if (!*cancelled) cb(dns::Error::kBadAddress, {});
  });
  return Guard([cancelled] { *cancelled = true; });
}

class ReverseVerifyOp : public std::enable_shared_from_this<ReverseVerifyOp> {
 public:
  ReverseVerifyOp(std::shared_ptr<Engine> engine, std::vector<std::uint8_t> address,
                  dns::Resolver::NamesCallback cb)
      : engine_(std::move(engine)), address_(std::move(address)), cb_(std::move(cb)) {}

  void start(const std::string& ptr_name) {
    lookups_.push_back(
        start_lookup(engine_, ptr_name + ".", static_cast<std::uint16_t>(dns::RrType::kPtr), {},
                     [self = shared_from_this()](std::error_code ec, std::vector<dns::Record> rr) {
                       self->on_names(ec, names_of(rr));
                     }));
  }

  void cancel() {
    cb_ = nullptr;
    auto lookups = std::move(lookups_);
  }

 private:
  void on_names(std::error_code ec, std::vector<std::string> names) {
    if (!cb_) return;
    if (ec) return finish(ec);
    names_ = std::move(names);
    verified_.assign(names_.size(), false);
    left_ = names_.size();
    auto type =
        static_cast<std::uint16_t>(address_.size() == 4 ? dns::RrType::kA : dns::RrType::kAaaa);
    for (std::size_t i = 0; i < names_.size(); ++i) {
      lookups_.push_back(start_lookup(
          engine_, names_[i] + ".", type, {},
          [self = shared_from_this(), i](std::error_code ec, std::vector<dns::Record> rr) {
            self->on_forward(i, ec, rr);
          }));
    }
  }

  void on_forward(std::size_t i, std::error_code ec, const std::vector<dns::Record>& rr) {
    if (!cb_) return;
    if (ec == std::errc::operation_canceled) return finish(ec);  // the resolver is gone
    for (const dns::Record& r : rr) {
      if (const auto* a = r.as<dns::Address>(); a && same_address(*a, address_))
        verified_[i] = true;
    }
    if (--left_ == 0) finish({});
  }

  void finish(std::error_code ec) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < names_.size(); ++i) {
      if (verified_[i]) out.push_back(names_[i]);
    }
    if (!ec && out.empty()) ec = dns::Error::kNotVerified;
    dns::Resolver::NamesCallback cb = std::move(cb_);
    cb_ = nullptr;
    cb(ec, ec ? std::vector<std::string>() : std::move(out));
  }

  std::shared_ptr<Engine> engine_;
  std::vector<std::uint8_t> address_;
  dns::Resolver::NamesCallback cb_;
  std::vector<std::string> names_;
  std::vector<bool> verified_;
  std::size_t left_ = 0;
  std::vector<Guard> lookups_;
};

}  // namespace

Guard start_reverse_lookup(std::shared_ptr<Engine> engine, std::string_view ip,
                           dns::Resolver::NamesCallback cb) {
  std::optional<std::string> name = dns::reverse_name(ip);
  if (!name) return bad_address(*engine, std::move(cb));
  return start_lookup(
      std::move(engine), *name + ".", static_cast<std::uint16_t>(dns::RrType::kPtr), {},
      [cb = std::move(cb)](std::error_code ec, std::vector<dns::Record> rr) mutable {
        cb(ec, names_of(rr));
      });
}

Guard start_reverse_verify(std::shared_ptr<Engine> engine, std::string_view ip,
                           dns::Resolver::NamesCallback cb) {
  std::optional<std::vector<std::uint8_t>> bytes = address_bytes(ip);
  if (!bytes) return bad_address(*engine, std::move(cb));
  auto op = std::make_shared<ReverseVerifyOp>(std::move(engine), *bytes, std::move(cb));
  op->start(*dns::reverse_name(ip));
  return cancel_guard(op);
}

}  // namespace ae::dns_internal

namespace ae::dns {

std::optional<std::string> reverse_name(std::string_view ip) {
  std::optional<std::vector<std::uint8_t>> bytes = dns_internal::address_bytes(ip);
  if (!bytes) return std::nullopt;
  std::string out;
  if (bytes->size() == 4) {
    for (int i = 3; i >= 0; --i) out += std::to_string((*bytes)[static_cast<std::size_t>(i)]) + ".";
    return out + "in-addr.arpa";
  }
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 15; i >= 0; --i) {
    std::uint8_t b = (*bytes)[static_cast<std::size_t>(i)];
    out += kHex[b & 0x0F];
    out += '.';
    out += kHex[b >> 4];
    out += '.';
  }
  return out + "ip6.arpa";
}

}  // namespace ae::dns
