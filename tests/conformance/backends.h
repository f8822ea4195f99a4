// The backend variants the conformance suite runs on in this test binary: each
// conformance_*_test links the suite with one backends_*.cc that says which.
#pragma once

#include <string>
#include <vector>

namespace ae::testing {

std::vector<std::string> conformance_backends();

}  // namespace ae::testing
