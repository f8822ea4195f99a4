// The suite on the GLib backend, owning its GMainContext and borrowing one the fixture owns.
#include <glib.h>

#include <memory>

#include "core/backend/glib/glib.h"
#include "tests/conformance/backends.h"
#include "tests/support/loop.h"

namespace ae::testing {
namespace {

const bool kBorrowed = [] {
  register_backend_variant("glib_borrowed", [](std::shared_ptr<void>& foreign) {
    std::shared_ptr<GMainContext> context(g_main_context_new(), g_main_context_unref);
    foreign = context;
    return borrow_glib(context.get());
  });
  return true;
}();

}  // namespace

std::vector<std::string> conformance_backends() { return {"glib", "glib_borrowed"}; }

}  // namespace ae::testing
