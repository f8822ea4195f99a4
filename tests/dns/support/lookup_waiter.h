// Helpers that start a lookup, check that its callback never runs inside the starting call, and
// run the loop until it has run exactly once (or a deadline passes).
#pragma once

#include <chrono>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "core/condvar.h"
#include "core/guard.h"
#include "core/loop.h"
#include "dns/record.h"
#include "dns/resolver.h"

namespace ae::dns_test {

template <class Value>
struct Outcome {
  std::error_code ec;
  Value value{};
  int calls = 0;
  bool called_inside = false;
};

// Runs `start(cb)` (which returns an ae::Guard) and waits up to `timeout` for cb(ec, value).
template <class Value, class Start>
Outcome<Value> wait_for_lookup(Start&& start,
                               std::chrono::duration<double> timeout = std::chrono::seconds(10)) {
  Outcome<Value> out;
  CondVar<> done;
  bool inside = true;
  Guard guard = start([&](std::error_code ec, Value value) {
    if (inside) out.called_inside = true;
    ++out.calls;
    out.ec = ec;
    out.value = std::move(value);
    done.send();
  });
  inside = false;
  EXPECT_TRUE(done.wait_for(timeout)) << "the lookup did not finish in time";
  EXPECT_FALSE(out.called_inside) << "the callback ran inside the starting call";
  return out;
}

// Runs the loop until `done()` holds, checking every 10 ms, for at most `timeout`.
template <class Pred>
bool wait_until(Pred&& done, std::chrono::duration<double> timeout = std::chrono::seconds(10)) {
  CondVar<> cv;
  Timer poll = Loop::current().timer(0.0, 0.01, [&] {
    if (done()) cv.send();
  });
  return cv.wait_for(timeout);
}

using Records = Outcome<std::vector<dns::Record>>;
using Names = Outcome<std::vector<std::string>>;

// The text() of every record.
inline std::vector<std::string> texts(const std::vector<dns::Record>& rr) {
  std::vector<std::string> out;
  for (const dns::Record& r : rr) out.push_back(r.text());
  return out;
}

}  // namespace ae::dns_test
