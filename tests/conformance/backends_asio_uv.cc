// The suite on the backends //tests/support links: Asio and libuv, owned and borrowed.
#include "tests/conformance/backends.h"
#include "tests/support/loop.h"

namespace ae::testing {

std::vector<std::string> conformance_backends() { return all_backends(); }

}  // namespace ae::testing
