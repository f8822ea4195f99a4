#include "tests/support/run_until.h"

#include "core/loop.h"

namespace ae::testing {

bool run_until(const std::function<bool()>& condition, Seconds timeout) {
  if (condition()) return true;
  Loop& loop = Loop::current();
  bool expired = false;
  Timer limit = loop.timer(timeout, [&expired] { expired = true; });
  while (!condition() && !expired) loop.run_once(true);
  return condition();
}

}  // namespace ae::testing
