// The suite on the libev backend, owning its ev_loop and borrowing one the fixture owns.
#include <ev.h>

#include <memory>

#include "core/backend/ev/ev.h"
#include "tests/conformance/backends.h"
#include "tests/support/loop.h"

namespace ae::testing {
namespace {

const bool kBorrowed = [] {
  register_backend_variant("ev_borrowed", [](std::shared_ptr<void>& foreign) {
    std::shared_ptr<struct ev_loop> loop(ev_loop_new(EVFLAG_AUTO), ev_loop_destroy);
    foreign = loop;
    return borrow_ev(loop.get());
  });
  return true;
}();

}  // namespace

std::vector<std::string> conformance_backends() { return {"ev", "ev_borrowed"}; }

}  // namespace ae::testing
