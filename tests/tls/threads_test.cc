// One ae::tls::Context shared by sessions on several threads at once (its session cache is
// locked; OpenSSL's SSL_CTX is thread-safe once set up). Meant to run under --config=tsan too.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/tls/support/contexts.h"
#include "tests/tls/support/wire.h"
#include "tls/filter.h"

// OpenSSL is not built with ThreadSanitizer, so TSan cannot see the atomic reference counts that
// order one thread's last use of a shared SSL_SESSION before another thread frees it, and
// reports the free in libssl or libcrypto as a race. Reports from inside those libraries are left
// out; races in ae's own code (the session cache's map and its lock) are still reported.
extern "C" const char* __tsan_default_suppressions() {
  return "called_from_lib:libcrypto.so.3\ncalled_from_lib:libssl.so.3\n";
}

namespace ae::testing {
namespace {

// Handshakes a client and a server filter in memory; true when both finished.
bool handshake(const tls::Context& client_ctx, const tls::Context& server_ctx) {
  Wire w(client_ctx, server_ctx);
  w.pump();
  return w.client.established() && w.server.established();
}

TEST(ThreadsTest, SessionsOnManyThreadsShareOneContext) {
  tls::Context client = client_context();
  const tls::Context server = server_context();
  std::atomic<int> done{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        if (handshake(client, server)) ++done;
        if (i % 10 == 9) client.clear_session_cache();
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(done, 100);
  EXPECT_LE(client.cached_sessions(), 1u);  // one peer name: at most one entry
}

}  // namespace
}  // namespace ae::testing
