#include "dns/internal/cache.h"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace ae::dns_internal {
namespace {

constexpr std::uint32_t kMaxPositive = 86400;
constexpr std::uint32_t kMaxNegative = 10800;

}  // namespace

std::string AnswerCache::key(std::string_view name, std::uint16_t type, std::uint16_t qclass) {
  std::string k;
  k.reserve(name.size() + 5);
  for (char c : name) k += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!k.empty() && k.back() == '.') k.pop_back();
  k += '\0';
  k += static_cast<char>(type >> 8);
  k += static_cast<char>(type & 0xFF);
  k += static_cast<char>(qclass >> 8);
  k += static_cast<char>(qclass & 0xFF);
  return k;
}

std::optional<std::uint32_t> AnswerCache::lifetime(const dns::Message& m) {
  if (m.tc) return std::nullopt;
  if (m.rcode == dns::kRcodeNoError && !m.answers.empty()) {
    std::uint32_t ttl = kMaxPositive;
    for (const dns::Record& rr : m.answers) ttl = std::min(ttl, rr.ttl);
    return ttl;
  }
  if (m.rcode != dns::kRcodeNoError && m.rcode != dns::kRcodeNxDomain) return std::nullopt;
  for (const dns::Record& rr : m.authority) {
    if (const auto* soa = rr.as<dns::Soa>()) {
      return std::min({rr.ttl, soa->minimum, kMaxNegative});
    }
  }
  return std::nullopt;
}

std::optional<AnswerCache::Hit> AnswerCache::find(const std::string& key, double now) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  if (now >= it->second.expires) {
    order_.erase(it->second.order);
    entries_.erase(it);
    return std::nullopt;
  }
  // Least recently used goes first: a hit makes the entry the newest.
  order_.splice(order_.end(), order_, it->second.order);
  return Hit{it->second.message, static_cast<std::uint32_t>(std::floor(now - it->second.stored))};
}

void AnswerCache::store(const std::string& key, std::shared_ptr<const dns::Message> message,
                        double now) {
  if (capacity_ == 0 || !message) return;
  std::optional<std::uint32_t> ttl = lifetime(*message);
  if (!ttl || *ttl == 0) return;
  auto it = entries_.find(key);
  if (it != entries_.end()) {
    order_.erase(it->second.order);
    entries_.erase(it);
  }
  evict_to(capacity_ - 1);
  order_.push_back(key);
  entries_.emplace(key, Entry{std::move(message), now, now + *ttl, std::prev(order_.end())});
}

void AnswerCache::clear() noexcept {
  entries_.clear();
  order_.clear();
}

void AnswerCache::set_capacity(std::size_t capacity) {
  capacity_ = capacity;
  evict_to(capacity);
}

void AnswerCache::evict_to(std::size_t size) {
  while (entries_.size() > size && !order_.empty()) {
    entries_.erase(order_.front());
    order_.pop_front();
  }
}

}  // namespace ae::dns_internal
