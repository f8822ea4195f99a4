// fetch_now: one client request, run to its callback, with the checks every client test makes
// (the callback never runs inside the call, and runs exactly once).
//
// Example:
//   ae::http_test::Outcome r = ae::http_test::fetch_now("GET", peer.url("/"));
//   EXPECT_EQ(r.hdr.status, 200);
#pragma once

#include <string>
#include <string_view>

#include "http/client.h"
#include "tests/http/support/http_peer.h"

namespace ae::http_test {

struct Outcome {
  int calls = 0;
  std::string body;
  http::Response hdr;
};

// Makes the request and runs the loop until its callback ran. With `peer`, then runs it until
// the peer saw every connection closed, so that a second callback would have come by then.
Outcome fetch_now(std::string_view method, const std::string& url, http::Options options = {},
                  HttpPeer* peer = nullptr);

}  // namespace ae::http_test
