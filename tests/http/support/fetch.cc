#include "tests/http/support/fetch.h"

#include <gtest/gtest.h>

#include <memory>

#include "tests/support/run_until.h"

namespace ae::http_test {

Outcome fetch_now(std::string_view method, const std::string& url, http::Options options,
                  HttpPeer* peer) {
  auto out = std::make_shared<Outcome>();
  http::Request r =
      http::request(method, url, std::move(options), [out](std::string body, http::Response hdr) {
        ++out->calls;
        out->body = std::move(body);
        out->hdr = std::move(hdr);
      });
  EXPECT_EQ(out->calls, 0) << "the callback ran inside request()";
  EXPECT_TRUE(testing::run_until([&] { return out->calls > 0; })) << "no callback for " << url;
  if (peer != nullptr) {
    EXPECT_TRUE(testing::run_until([&] { return peer->open() == 0; }))
        << "the connection stays open";
  }
  EXPECT_EQ(out->calls, 1);
  EXPECT_FALSE(r.active());
  return std::move(*out);
}

}  // namespace ae::http_test
