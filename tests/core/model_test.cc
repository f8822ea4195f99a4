// Picking the backend: AE_MODEL, the program's own choice, and an unknown model.
#include <stdlib.h>

#include <gtest/gtest.h>

#include <string>

#include "core/backend.h"
#include "core/log_hook.h"
#include "core/loop.h"

namespace ae {
namespace {

std::string g_logged;

const LogSink kCapture{[](LogLevel, std::string_view) { return true; },
                       [](LogLevel, std::string_view, std::string_view m) { g_logged += m; }};

TEST(ModelTest, DefaultIsAsio) {
  unsetenv("AE_MODEL");
  Loop loop;
  EXPECT_EQ(loop.model(), "asio");
}

TEST(ModelTest, AeModelPicksTheBackend) {
  setenv("AE_MODEL", "uv", 1);
  Loop loop;
  EXPECT_EQ(loop.model(), "uv");
  unsetenv("AE_MODEL");
}

TEST(ModelTest, AeModelPicksTheNativeLoop) {
  setenv("AE_MODEL", "native", 1);
  Loop loop;
  EXPECT_EQ(loop.model(), "native");
  unsetenv("AE_MODEL");
}

TEST(ModelTest, ProgramPicksInCode) {
  Loop loop(make_backend("uv"));
  EXPECT_EQ(loop.model(), "uv");
  EXPECT_EQ(make_backend("nosuch"), nullptr);
  EXPECT_EQ(linked_backends().substr(0, 4), "asio");  // the default first, the rest as linked
  EXPECT_NE(linked_backends().find("native"), std::string::npos);
}

TEST(ModelTest, UnknownModelFallsBackToAsioAndSaysSo) {
  set_log_sink(&kCapture);
  setenv("AE_MODEL", "no-such-model", 1);
  Loop loop;
  unsetenv("AE_MODEL");
  set_log_sink(nullptr);
  EXPECT_EQ(loop.model(), "asio");
  EXPECT_NE(g_logged.find("AE_MODEL=no-such-model"), std::string::npos) << g_logged;
}

}  // namespace
}  // namespace ae
