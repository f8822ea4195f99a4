// AnswerCache: DNS answers kept for their TTL. Private to //dns.
//
// Positive answers live for the smallest TTL in their answer section (at most a day); NXDOMAIN
// and empty answers live for min(SOA TTL, SOA minimum) from the authority section (RFC 2308, at
// most three hours) and are not kept without an SOA. Truncated answers and error rcodes are never
// kept. When full, the least recently used entry goes first (a hit counts as a use).
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "dns/packet.h"

namespace ae::dns_internal {

class AnswerCache {
 public:
  struct Hit {
    std::shared_ptr<const dns::Message> message;
    std::uint32_t age = 0;  // whole seconds since it was stored
  };

  explicit AnswerCache(std::size_t capacity) : capacity_(capacity) {}

  static std::string key(std::string_view name, std::uint16_t type, std::uint16_t qclass);

  // `now` is a monotonic time in seconds.
  std::optional<Hit> find(const std::string& key, double now);
  void store(const std::string& key, std::shared_ptr<const dns::Message> message, double now);
  void clear() noexcept;
  void set_capacity(std::size_t capacity);

  std::size_t size() const noexcept { return entries_.size(); }

  // How long `message` may be kept, or nullopt when it must not be.
  static std::optional<std::uint32_t> lifetime(const dns::Message& message);

 private:
  struct Entry {
    std::shared_ptr<const dns::Message> message;
    double stored = 0;
    double expires = 0;
    std::list<std::string>::iterator order;
  };

  void evict_to(std::size_t size);

  std::size_t capacity_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> order_;  // least recently used first
};

}  // namespace ae::dns_internal
