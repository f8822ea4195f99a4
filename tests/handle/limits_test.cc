// Handle against resource use a peer controls: buffers that give capacity back after a burst.
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "handle/handle.h"
#include "tests/handle/test_util.h"

namespace ae::testing {
namespace {

class HandleLimitsTest : public LoopTest {
 protected:
  void open(Handle::Options options = {}) {
    auto [a, b] = unix_pair();
    h = std::make_unique<Handle>(a, std::move(options));
    peer = std::make_unique<RawPeer>(b);
  }
  void TearDown() override {
    h.reset();
    peer.reset();
  }
  std::unique_ptr<Handle> h;
  std::unique_ptr<RawPeer> peer;
};

TEST_P(HandleLimitsTest, BuffersGiveCapacityBackAfterABurst) {
  open();
  constexpr std::size_t kLine = 16 << 20;  // one long line, echoed
  std::size_t echoed = 0;
  h->push_read(line, [&](Handle& h, std::string l, std::string eol) {
    echoed = l.size();
    h.push_write(l + eol);
  });
  std::string burst(kLine, 'x');
  burst += '\n';
  peer->send_later(std::move(burst));
  ASSERT_TRUE(run_until([&] { return peer->received().size() == kLine + 1; }));
  EXPECT_EQ(echoed, kLine);
  ASSERT_FALSE(h->destroyed());
  // Both buffers held the whole line at one point; idle now, they keep at most a few reads' worth.
  EXPECT_LE(h->rbuf().capacity(), std::size_t{1} << 20);
  EXPECT_LE(h->wbuf().capacity(), std::size_t{1} << 20);
}

INSTANTIATE_TEST_SUITE_P(Backends, HandleLimitsTest, ::testing::ValuesIn(main_backends()),
                         backend_name);

}  // namespace
}  // namespace ae::testing
