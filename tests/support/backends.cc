#include "tests/support/backends.h"

#include <uv.h>

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <stdexcept>

#include "core/backend/asio/asio.h"
#include "core/backend/uv/uv.h"

namespace ae::testing {

struct TestLoop::Foreign {
  boost::asio::io_context io;
  uv_loop_t uv{};
  bool uv_used = false;
  ~Foreign() {
    if (uv_used) {
      // Close callbacks of handles ae closed still have to run before the loop can close.
      uv_run(&uv, UV_RUN_NOWAIT);
      EXPECT_EQ(uv_loop_close(&uv), 0) << "the borrowed uv loop still has open handles";
    }
  }
};

std::vector<BackendVariant> all_backend_variants() {
  return {{"asio"}, {"asio_borrowed"}, {"uv"}, {"uv_borrowed"}};
}

std::vector<BackendVariant> main_backends() { return {{"asio"}, {"uv"}}; }

TestLoop::TestLoop(const BackendVariant& variant) : foreign_(std::make_unique<Foreign>()) {
  std::unique_ptr<Backend> backend;
  if (variant.name == "asio") {
    backend = make_backend("asio");
  } else if (variant.name == "asio_borrowed") {
    backend = borrow_asio(foreign_->io);
  } else if (variant.name == "uv") {
    backend = make_backend("uv");
  } else if (variant.name == "uv_borrowed") {
    uv_loop_init(&foreign_->uv);
    foreign_->uv_used = true;
    backend = borrow_uv(&foreign_->uv);
  }
  if (!backend) throw std::runtime_error("backend not linked: " + variant.name);
  loop_ = std::make_unique<Loop>(std::move(backend));
}

TestLoop::~TestLoop() { loop_.reset(); }

std::string variant_name(const ::testing::TestParamInfo<BackendVariant>& info) {
  return info.param.name;
}

}  // namespace ae::testing
