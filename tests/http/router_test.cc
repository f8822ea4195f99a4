// ae::http::Router: patterns, captures, precedence, 404/405 with the allowed methods.
#include "http/router.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace ae::http_test {
namespace {

using http::Router;
using http::ServerRequest;
using http::ServerResponse;

void nothing(ServerRequest&, ServerResponse&) {}

std::string matched(const Router& r, std::string_view method, std::string_view path) {
  Router::Match m = r.match(method, path);
  if (m.route == nullptr) return m.allowed.empty() ? "404" : "405 " + m.allowed;
  std::string out = m.route->method;
  for (const std::string& s : m.route->segments) out += "/" + s;
  for (const auto& [k, v] : m.params) out += " " + k + "=" + v;
  return out;
}

TEST(RouterTest, MatchesLiteralsCapturesAndRest) {
  Router r;
  r.get("/", &nothing);
  r.get("/users/:id", &nothing);
  r.get("/users/me", &nothing);
  r.put("/files/*path", &nothing);
  EXPECT_EQ(matched(r, "GET", "/"), "GET/");
  EXPECT_EQ(matched(r, "GET", "/users/42"), "GET/users/:id id=42");
  EXPECT_EQ(matched(r, "GET", "/users/me"), "GET/users/me");
  EXPECT_EQ(matched(r, "GET", "/users/"), "404");
  EXPECT_EQ(matched(r, "GET", "/users/42/x"), "404");
  EXPECT_EQ(matched(r, "PUT", "/files/a/b/c.txt"), "PUT/files/*path path=a/b/c.txt");
  EXPECT_EQ(matched(r, "PUT", "/files"), "PUT/files/*path path=");
}

TEST(RouterTest, HeadUsesGetRoutesAndOtherMethodsGet405WithAllow) {
  Router r;
  r.get("/thing", &nothing);
  r.post("/thing", &nothing);
  EXPECT_EQ(matched(r, "HEAD", "/thing"), "GET/thing");
  EXPECT_EQ(matched(r, "DELETE", "/thing"), "405 GET, HEAD, POST");
}

TEST(RouterTest, AnExactMethodBeatsTheWildcard) {
  Router r;
  r.route("*", "/x", &nothing);
  r.route("OPTIONS", "/x", &nothing);
  EXPECT_EQ(matched(r, "OPTIONS", "/x"), "OPTIONS/x");
  EXPECT_EQ(matched(r, "BREW", "/x"), "*/x");
}

TEST(RouterTest, BadPatternsAreProgrammerErrors) {
  Router r;
  EXPECT_THROW(r.get("relative", &nothing), std::invalid_argument);
  EXPECT_THROW(r.get("/a/*rest/b", &nothing), std::invalid_argument);
  EXPECT_THROW(r.get("/a", http::Handler()), std::invalid_argument);
}

}  // namespace
}  // namespace ae::http_test
