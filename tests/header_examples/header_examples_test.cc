// The header examples are checked by compiling them (see BUILD.bazel); this only checks that the
// extraction found them: one per public header of the packages listed there.
#include <gtest/gtest.h>

int header_examples_compiled();

namespace {

TEST(HeaderExamplesTest, EveryPublicHeaderOfThePackagesHasAnExample) {
  // A header without an example fails the extraction itself; fewer than the 57 examples there
  // were when this was written means headers went, or the extraction stopped finding them.
  EXPECT_GE(header_examples_compiled(), 57);
}

}  // namespace
