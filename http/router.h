// ae::http::Router: maps a request's method and path to a handler, with captures.
//
// A pattern is a path whose segments are literal text, `:name` (one whole segment, captured as
// `name`) or, as the last segment, `*name` (the rest of the path, possibly empty, captured as
// `name`). Literal segments win over captures when both match. A GET route answers HEAD too
// (the server drops the body). No route for the path: 404. A route for the path but not the
// method: 405 with an `Allow` field listing the methods that would work.
//
// Example:
//   ae::http::Router router;
//   router.get("/", [](ae::http::ServerRequest&, ae::http::ServerResponse& res) {
//   res.send("home\n"); }); router.get("/users/:id", [](ae::http::ServerRequest& req,
//   ae::http::ServerResponse& res) {
//     res.send("user " + std::string(req.param("id")) + "\n");
//   });
//   router.route("PUT", "/files/*path", [](ae::http::ServerRequest& req, ae::http::ServerResponse&
//   res)
//       -> ae::Task<> {
//     co_await store(req.param("path"), req.body());   // a coroutine handler
//     res.send(201, "stored\n");
//   });
//
// Matching is linear in the path and the number of routes; captured values are the raw
// (percent-encoded) segments.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/function.h"
#include "core/task.h"

namespace ae::http {

class ServerRequest;
class ServerResponse;

// A handler in callback form: it answers through `res` now or later (see ServerResponse).
using Handler = Function<void(ServerRequest& req, ServerResponse& res)>;
// A handler as a coroutine: the response ends when the coroutine returns (if it did not end it).
using CoroutineHandler = Function<Task<>(ServerRequest& req, ServerResponse& res)>;

class Router {
 public:
  // Adds a route for `method` (any token; "*" for every method) and `pattern` (see above).
  // Errors: std::invalid_argument for a pattern that does not start with '/', a `*` capture that
  // is not the last segment, or an empty handler.
  // A callable returning ae::Task<> is a coroutine handler; any other is a callback handler.
  template <class H>
  void route(std::string_view method, std::string_view pattern, H&& handler) {
    if constexpr (std::is_same_v<std::invoke_result_t<H&, ServerRequest&, ServerResponse&>,
                                 Task<>>) {
      add_coroutine(method, pattern, CoroutineHandler(std::forward<H>(handler)));
    } else {
      add_handler(method, pattern, Handler(std::forward<H>(handler)));
    }
  }

  template <class H>
  void get(std::string_view pattern, H&& h) {
    route("GET", pattern, std::forward<H>(h));
  }
  template <class H>
  void post(std::string_view pattern, H&& h) {
    route("POST", pattern, std::forward<H>(h));
  }
  template <class H>
  void put(std::string_view pattern, H&& h) {
    route("PUT", pattern, std::forward<H>(h));
  }
  template <class H>
  void del(std::string_view pattern, H&& h) {
    route("DELETE", pattern, std::forward<H>(h));
  }

  struct Route {
    std::string method;
    std::vector<std::string> segments;
    Handler handler;
    CoroutineHandler coroutine;
  };
  struct Match {
    const Route* route = nullptr;  // null: no route for this method (see allowed)
    std::map<std::string, std::string, std::less<>> params;
    // For a path that some routes match under other methods: those methods ("GET, HEAD, ...").
    std::string allowed;
  };
  // Finds the route for `method` and `path` (without the query).
  Match match(std::string_view method, std::string_view path) const;
  bool empty() const noexcept { return routes_.empty(); }

 private:
  void add_handler(std::string_view method, std::string_view pattern, Handler handler);
  void add_coroutine(std::string_view method, std::string_view pattern, CoroutineHandler handler);

  std::vector<Route> routes_;
};

}  // namespace ae::http
