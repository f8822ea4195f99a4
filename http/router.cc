#include "http/router.h"

#include <stdexcept>
#include <utility>

namespace ae::http {
namespace {

// The segments of a path after the leading '/': "/a/b/" is {"a", "b", ""}, "/" is {""}.
std::vector<std::string_view> split(std::string_view path) {
  std::vector<std::string_view> out;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  for (;;) {
    std::size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

// How well `route` matches: -1 for not at all, else the number of literal segments (more is
// more specific). Captures go to `params`.
int score(const Router::Route& route, const std::vector<std::string_view>& path,
          std::map<std::string, std::string, std::less<>>* params) {
  int literal = 0;
  std::size_t i = 0;
  for (; i < route.segments.size(); ++i) {
    const std::string& seg = route.segments[i];
    if (!seg.empty() && seg[0] == '*') {
      if (params != nullptr) {
        std::string rest;
        for (std::size_t j = i; j < path.size(); ++j) {
          if (j > i) rest += '/';
          rest += path[j];
        }
        params->insert_or_assign(seg.substr(1), std::move(rest));
      }
      return literal;
    }
    if (i >= path.size()) return -1;
    if (!seg.empty() && seg[0] == ':') {
      if (path[i].empty()) return -1;
      if (params != nullptr) params->insert_or_assign(seg.substr(1), std::string(path[i]));
    } else if (seg == path[i]) {
      ++literal;
    } else {
      return -1;
    }
  }
  return i == path.size() ? literal : -1;
}

void check_pattern(std::string_view pattern) {
  if (pattern.empty() || pattern.front() != '/') {
    throw std::invalid_argument("ae::http::Router: a pattern starts with '/': " +
                                std::string(pattern));
  }
  std::vector<std::string_view> segs = split(pattern);
  for (std::size_t i = 0; i + 1 < segs.size(); ++i) {
    if (!segs[i].empty() && segs[i][0] == '*') {
      throw std::invalid_argument("ae::http::Router: '*' must be the last segment: " +
                                  std::string(pattern));
    }
  }
}

Router::Route make_route(std::string_view method, std::string_view pattern) {
  check_pattern(pattern);
  Router::Route r;
  r.method = std::string(method);
  for (std::string_view s : split(pattern)) r.segments.emplace_back(s);
  return r;
}

bool method_matches(const std::string& route_method, std::string_view method) {
  return route_method == "*" || route_method == method ||
         (route_method == "GET" && method == "HEAD");
}

}  // namespace

void Router::add_handler(std::string_view method, std::string_view pattern, Handler handler) {
  if (!handler) throw std::invalid_argument("ae::http::Router: empty handler");
  Route r = make_route(method, pattern);
  r.handler = std::move(handler);
  routes_.push_back(std::move(r));
}

void Router::add_coroutine(std::string_view method, std::string_view pattern,
                           CoroutineHandler handler) {
  if (!handler) throw std::invalid_argument("ae::http::Router: empty handler");
  Route r = make_route(method, pattern);
  r.coroutine = std::move(handler);
  routes_.push_back(std::move(r));
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
  std::vector<std::string_view> segs = split(path);
  Match m;
  int best = -1;
  std::vector<std::string> allowed;
  for (const Route& r : routes_) {
    int s = score(r, segs, nullptr);
    if (s < 0) continue;
    if (method_matches(r.method, method)) {
      // An exact method beats GET-for-HEAD and "*" at the same specificity.
      bool exact = r.method == method;
      if (s > best || (s == best && exact && m.route->method != method)) {
        best = s;
        m.route = &r;
      }
    } else {
      auto add = [&](const std::string& name) {
        for (const std::string& a : allowed) {
          if (a == name) return;
        }
        allowed.push_back(name);
      };
      add(r.method);
      if (r.method == "GET") add("HEAD");
    }
  }
  if (m.route != nullptr) {
    score(*m.route, segs, &m.params);
    return m;
  }
  for (const std::string& a : allowed) {
    if (!m.allowed.empty()) m.allowed += ", ";
    m.allowed += a;
  }
  return m;
}

}  // namespace ae::http
