// order_srv: RFC 2782 ordering of SRV records, as AnyEvent::DNS::srv does it.
#include <algorithm>
#include <random>

#include "dns/resolver.h"

namespace ae::dns {

void order_srv(std::vector<Record>& records, Function<std::uint32_t(std::uint32_t bound)> random) {
  if (!random) {
    random = [](std::uint32_t bound) {
      thread_local std::mt19937 engine{std::random_device{}()};
      return std::uniform_int_distribution<std::uint32_t>(0, bound)(engine);
    };
  }
  // Records without SRV data (there should be none) keep their order at the end.
  auto srv_end = std::stable_partition(records.begin(), records.end(),
                                       [](const Record& r) { return r.as<Srv>() != nullptr; });
  std::vector<Record> srv(std::make_move_iterator(records.begin()),
                          std::make_move_iterator(srv_end));
  std::stable_sort(srv.begin(), srv.end(), [](const Record& a, const Record& b) {
    const Srv& x = *a.as<Srv>();
    const Srv& y = *b.as<Srv>();
    return x.priority != y.priority ? x.priority < y.priority : x.weight < y.weight;
  });
  std::vector<Record> out;
  out.reserve(records.size());
  for (auto group = srv.begin(); group != srv.end();) {
    std::uint16_t priority = group->as<Srv>()->priority;
    auto group_end = std::find_if(group, srv.end(), [priority](const Record& r) {
      return r.as<Srv>()->priority != priority;
    });
    std::vector<Record> left(std::make_move_iterator(group), std::make_move_iterator(group_end));
    std::uint32_t sum = 0;
    for (const Record& r : left) sum += r.as<Srv>()->weight;
    // Pick with probability weight/sum; a zero weight is picked when the draw is 0, which puts
    // weight-0 records first among equals, as RFC 2782 asks.
    while (!left.empty()) {
      std::int64_t w = random(sum);
      auto pick = left.begin();
      for (auto it = left.begin(); it != left.end(); ++it) {
        w -= it->as<Srv>()->weight;
        if (w <= 0) {
          pick = it;
          break;
        }
      }
      sum -= pick->as<Srv>()->weight;
      out.push_back(std::move(*pick));
      left.erase(pick);
    }
    group = group_end;
  }
  out.insert(out.end(), std::make_move_iterator(srv_end), std::make_move_iterator(records.end()));
  records = std::move(out);
}

}  // namespace ae::dns
