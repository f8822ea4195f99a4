// The main() of every ae test: a private network namespace when the machine allows it (see
// tests/support/ports.h), then GoogleTest.
#include <gtest/gtest.h>

#include "tests/support/ports.h"

int main(int argc, char** argv) {
  ae::testing::isolate_network();
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
