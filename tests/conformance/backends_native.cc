// The suite on the native backend (there is no foreign loop to borrow).
#include "tests/conformance/backends.h"

namespace ae::testing {

std::vector<std::string> conformance_backends() { return {"native"}; }

}  // namespace ae::testing
