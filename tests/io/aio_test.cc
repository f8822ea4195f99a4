// The aio_* calls against real files in $TEST_TMPDIR, on both models (pool, sync) and both
// backends.
#include "io/aio.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "core/core.h"
#include "tests/io/io_test_util.h"
#include "tests/support/env.h"
#include "tests/support/files.h"
#include "tests/support/loop.h"
#include "tests/support/run_until.h"

namespace ae::fs {
namespace {

using ae::testing::read_file;
using ae::testing::run_until;
using ae::testing::write_file;
using ae::testing::fs::await;
using ae::testing::fs::ModelAndBackend;

class AioTest : public ::testing::TestWithParam<ModelAndBackend> {
 protected:
  ae::testing::ScopedEnv model_{"AE_IO_MODEL", std::get<0>(GetParam())};
  ae::testing::TestLoop loop_{std::get<1>(GetParam())};
  std::string dir_ = ae::testing::fs::test_dir();

  std::string path(const std::string& name) const { return dir_ + "/" + name; }

  File open(const std::string& name, int flags, mode_t mode = 0644) {
    auto file = await<Result<File>>(
        [&](auto cb) { return aio_open(path(name), flags, mode, std::move(cb)); });
    EXPECT_TRUE(file) << file.message();
    return file ? std::move(*file) : File();
  }

  std::error_code done(const std::function<Guard(DoneCallback)>& start) {
    return await<std::error_code>(start);
  }
};

TEST_P(AioTest, RunsOnTheModelAeIoModelNames) { EXPECT_EQ(model(), std::get<0>(GetParam())); }

TEST_P(AioTest, LoadReadsTheWholeFile) {
  std::string content(300 * 1024, '\0');
  for (std::size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>(i * 7);
  ASSERT_TRUE(write_file(path("f"), content));
  auto data =
      await<Result<std::string>>([&](auto cb) { return aio_load(path("f"), std::move(cb)); });
  ASSERT_TRUE(data) << data.message();
  EXPECT_EQ(*data, content);
}

TEST_P(AioTest, LoadOfAnEmptyFileIsEmpty) {
  ASSERT_TRUE(write_file(path("empty"), ""));
  auto data =
      await<Result<std::string>>([&](auto cb) { return aio_load(path("empty"), std::move(cb)); });
  ASSERT_TRUE(data) << data.message();
  EXPECT_EQ(*data, "");
}

TEST_P(AioTest, LoadReadsAFileOfUnknownSizeToItsEnd) {
  // /proc files report size 0; what they hold comes from reading them.
  auto data = await<Result<std::string>>(
      [&](auto cb) { return aio_load("/proc/self/status", std::move(cb)); });
  ASSERT_TRUE(data) << data.message();
  EXPECT_NE(data->find("Name:"), std::string::npos);
}

TEST_P(AioTest, LoadOfAMissingFileFailsWithEnoentAndNamesIt) {
  auto data =
      await<Result<std::string>>([&](auto cb) { return aio_load(path("nope"), std::move(cb)); });
  ASSERT_FALSE(data);
  EXPECT_EQ(data.code(), std::errc::no_such_file_or_directory);
  EXPECT_NE(data.message().find(path("nope")), std::string::npos) << data.message();
}

TEST_P(AioTest, OpenWriteSeekReadCloseRoundTrip) {
  File f = open("rw", O_RDWR | O_CREAT | O_TRUNC);
  ASSERT_TRUE(f);
  auto written = await<Result<std::size_t>>(
      [&](auto cb) { return aio_write(f, "hello, world", std::move(cb)); });
  ASSERT_TRUE(written) << written.message();
  EXPECT_EQ(*written, 12u);
  auto at = await<Result<off_t>>([&](auto cb) { return aio_seek(f, 7, SEEK_SET, std::move(cb)); });
  ASSERT_TRUE(at) << at.message();
  EXPECT_EQ(*at, 7);
  auto data = await<Result<std::string>>([&](auto cb) { return aio_read(f, 100, std::move(cb)); });
  ASSERT_TRUE(data) << data.message();
  EXPECT_EQ(*data, "world");
  auto eof = await<Result<std::string>>([&](auto cb) { return aio_read(f, 100, std::move(cb)); });
  ASSERT_TRUE(eof) << eof.message();
  EXPECT_EQ(*eof, "") << "end of file reads as an empty string";
  EXPECT_FALSE(done([&](auto cb) { return aio_close(std::move(f), std::move(cb)); }));
  EXPECT_EQ(read_file(path("rw")), "hello, world");
}

TEST_P(AioTest, OpenAddsCloseOnExec) {
  File f = open("cloexec", O_WRONLY | O_CREAT);
  ASSERT_TRUE(f);
  EXPECT_TRUE(::fcntl(f.fd(), F_GETFD) & FD_CLOEXEC);
}

TEST_P(AioTest, OpenOfAMissingFileFailsWithEnoent) {
  auto file = await<Result<File>>(
      [&](auto cb) { return aio_open(path("missing"), O_RDONLY, 0, std::move(cb)); });
  ASSERT_FALSE(file);
  EXPECT_EQ(file.code(), std::errc::no_such_file_or_directory);
}

TEST_P(AioTest, WriteWithAppendGoesToTheEnd) {
  ASSERT_TRUE(write_file(path("log"), "one\n"));
  File f = open("log", O_WRONLY | O_APPEND);
  ASSERT_TRUE(f);
  auto n =
      await<Result<std::size_t>>([&](auto cb) { return aio_write(f, "two\n", std::move(cb)); });
  ASSERT_TRUE(n) << n.message();
  EXPECT_EQ(read_file(path("log")), "one\ntwo\n");
}

TEST_P(AioTest, RequestsOnAFileWithoutDescriptorFailWithEbadf) {
  File none;
  auto data = await<Result<std::string>>([&](auto cb) { return aio_read(none, 1, std::move(cb)); });
  EXPECT_EQ(data.code(), std::errc::bad_file_descriptor);
  EXPECT_EQ(done([&](auto cb) { return aio_close(File(), std::move(cb)); }),
            std::errc::bad_file_descriptor);
  EXPECT_EQ(done([&](auto cb) { return aio_chmod(none, 0600, std::move(cb)); }),
            std::errc::bad_file_descriptor);
}

TEST_P(AioTest, TruncateByPathAndByFile) {
  ASSERT_TRUE(write_file(path("t"), "0123456789"));
  EXPECT_FALSE(done([&](auto cb) { return aio_truncate(path("t"), 4, std::move(cb)); }));
  EXPECT_EQ(read_file(path("t")), "0123");
  File f = open("t", O_RDWR);
  ASSERT_TRUE(f);
  EXPECT_FALSE(done([&](auto cb) { return aio_truncate(f, 2, std::move(cb)); }));
  EXPECT_EQ(read_file(path("t")), "01");
  EXPECT_EQ(done([&](auto cb) { return aio_truncate(path("absent"), 0, std::move(cb)); }),
            std::errc::no_such_file_or_directory);
}

TEST_P(AioTest, UtimeSetsTimesAndNulloptLeavesOneUnchanged) {
  ASSERT_TRUE(write_file(path("u"), "x"));
  EXPECT_FALSE(done([&](auto cb) { return aio_utime(path("u"), 1000.25, 2000.5, std::move(cb)); }));
  struct stat st;
  ASSERT_EQ(::stat(path("u").c_str(), &st), 0);
  EXPECT_EQ(st.st_atim.tv_sec, 1000);
  EXPECT_EQ(st.st_atim.tv_nsec, 250'000'000);
  EXPECT_EQ(st.st_mtim.tv_sec, 2000);
  EXPECT_EQ(st.st_mtim.tv_nsec, 500'000'000);

  File f = open("u", O_RDONLY);
  ASSERT_TRUE(f);
  EXPECT_FALSE(done([&](auto cb) { return aio_utime(f, std::nullopt, 3000.0, std::move(cb)); }));
  ASSERT_EQ(::stat(path("u").c_str(), &st), 0);
  EXPECT_EQ(st.st_atim.tv_sec, 1000) << "a std::nullopt time is left as it was";
  EXPECT_EQ(st.st_mtim.tv_sec, 3000);
}

TEST_P(AioTest, UtimeWithBothNulloptSetsNow) {
  ASSERT_TRUE(write_file(path("now"), "x"));
  EXPECT_FALSE(done([&](auto cb) { return aio_utime(path("now"), 5.0, 5.0, std::move(cb)); }));
  EXPECT_FALSE(done(
      [&](auto cb) { return aio_utime(path("now"), std::nullopt, std::nullopt, std::move(cb)); }));
  struct stat st;
  ASSERT_EQ(::stat(path("now").c_str(), &st), 0);
  double wall = ae::time();
  EXPECT_GT(st.st_mtim.tv_sec, wall - 3600);
  EXPECT_GT(st.st_atim.tv_sec, wall - 3600);
}

TEST_P(AioTest, ChownToOwnIdsAndNulloptLeavesThemUnchanged) {
  ASSERT_TRUE(write_file(path("c"), "x"));
  EXPECT_FALSE(
      done([&](auto cb) { return aio_chown(path("c"), ::getuid(), ::getgid(), std::move(cb)); }));
  File f = open("c", O_RDONLY);
  ASSERT_TRUE(f);
  EXPECT_FALSE(
      done([&](auto cb) { return aio_chown(f, std::nullopt, std::nullopt, std::move(cb)); }));
  struct stat st;
  ASSERT_EQ(::stat(path("c").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, ::getuid());
  EXPECT_EQ(st.st_gid, ::getgid());
  EXPECT_EQ(done([&](auto cb) { return aio_chown(path("absent"), 0, 0, std::move(cb)); }),
            std::errc::no_such_file_or_directory);
}

TEST_P(AioTest, ChmodByPathAndByFile) {
  ASSERT_TRUE(write_file(path("m"), "x"));
  EXPECT_FALSE(done([&](auto cb) { return aio_chmod(path("m"), 0640, std::move(cb)); }));
  struct stat st;
  ASSERT_EQ(::stat(path("m").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  File f = open("m", O_RDONLY);
  ASSERT_TRUE(f);
  EXPECT_FALSE(done([&](auto cb) { return aio_chmod(f, 0604, std::move(cb)); }));
  ASSERT_EQ(::stat(path("m").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0604u);
}

TEST_P(AioTest, StatAndLstatPassTheStatStruct) {
  ASSERT_TRUE(write_file(path("target"), "12345"));
  ASSERT_EQ(::symlink("target", path("link").c_str()), 0);
  auto st =
      await<Result<struct stat>>([&](auto cb) { return aio_stat(path("link"), std::move(cb)); });
  ASSERT_TRUE(st) << st.message();
  EXPECT_TRUE(S_ISREG(st->st_mode));
  EXPECT_EQ(st->st_size, 5);
  auto lst =
      await<Result<struct stat>>([&](auto cb) { return aio_lstat(path("link"), std::move(cb)); });
  ASSERT_TRUE(lst) << lst.message();
  EXPECT_TRUE(S_ISLNK(lst->st_mode));
  File f = open("target", O_RDONLY);
  ASSERT_TRUE(f);
  auto fst = await<Result<struct stat>>([&](auto cb) { return aio_stat(f, std::move(cb)); });
  ASSERT_TRUE(fst) << fst.message();
  EXPECT_EQ(fst->st_ino, st->st_ino);
  auto missing =
      await<Result<struct stat>>([&](auto cb) { return aio_stat(path("no"), std::move(cb)); });
  EXPECT_EQ(missing.code(), std::errc::no_such_file_or_directory);
}

TEST_P(AioTest, LinkSymlinkReadlinkRenameUnlink) {
  ASSERT_TRUE(write_file(path("a"), "data"));
  EXPECT_FALSE(done([&](auto cb) { return aio_link(path("a"), path("hard"), std::move(cb)); }));
  EXPECT_EQ(read_file(path("hard")), "data");
  EXPECT_EQ(done([&](auto cb) { return aio_link(path("a"), path("hard"), std::move(cb)); }),
            std::errc::file_exists);

  std::string long_target(1000, 'x');  // longer than readlink's first buffer
  EXPECT_FALSE(done([&](auto cb) { return aio_symlink(long_target, path("sym"), std::move(cb)); }));
  auto target =
      await<Result<std::string>>([&](auto cb) { return aio_readlink(path("sym"), std::move(cb)); });
  ASSERT_TRUE(target) << target.message();
  EXPECT_EQ(*target, long_target);
  auto not_link =
      await<Result<std::string>>([&](auto cb) { return aio_readlink(path("a"), std::move(cb)); });
  EXPECT_EQ(not_link.code(), std::errc::invalid_argument);

  EXPECT_FALSE(done([&](auto cb) { return aio_rename(path("a"), path("b"), std::move(cb)); }));
  EXPECT_EQ(read_file(path("b")), "data");
  EXPECT_FALSE(done([&](auto cb) { return aio_unlink(path("b"), std::move(cb)); }));
  EXPECT_NE(::access(path("b").c_str(), F_OK), 0);
  EXPECT_EQ(done([&](auto cb) { return aio_unlink(path("b"), std::move(cb)); }),
            std::errc::no_such_file_or_directory);
}

TEST_P(AioTest, MkdirReaddirRmdir) {
  EXPECT_FALSE(done([&](auto cb) { return aio_mkdir(path("d"), 0750, std::move(cb)); }));
  struct stat st;
  ASSERT_EQ(::stat(path("d").c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(done([&](auto cb) { return aio_mkdir(path("d"), 0750, std::move(cb)); }),
            std::errc::file_exists);
  for (const char* name : {"x", "y", "z"}) ASSERT_TRUE(write_file(path("d/") + name, ""));
  auto names = await<Result<std::vector<std::string>>>(
      [&](auto cb) { return aio_readdir(path("d"), std::move(cb)); });
  ASSERT_TRUE(names) << names.message();
  std::sort(names->begin(), names->end());
  EXPECT_EQ(*names, (std::vector<std::string>{"x", "y", "z"})) << "no . and ..";
  EXPECT_EQ(done([&](auto cb) { return aio_rmdir(path("d"), std::move(cb)); }),
            std::errc::directory_not_empty);
  for (const char* name : {"x", "y", "z"}) ::unlink((path("d/") + name).c_str());
  EXPECT_FALSE(done([&](auto cb) { return aio_rmdir(path("d"), std::move(cb)); }));
  auto gone = await<Result<std::vector<std::string>>>(
      [&](auto cb) { return aio_readdir(path("d"), std::move(cb)); });
  EXPECT_EQ(gone.code(), std::errc::no_such_file_or_directory);
}

TEST_P(AioTest, CallbackNeverRunsInsideTheCall) {
  ASSERT_TRUE(write_file(path("f"), "x"));
  bool returned = false;
  bool ran_before_return = false;
  bool ran = false;
  Guard g = aio_stat(path("f"), [&](Result<struct stat>) {
    ran = true;
    ran_before_return = !returned;
  });
  returned = true;
  ASSERT_TRUE(run_until([&] { return ran; }));
  EXPECT_FALSE(ran_before_return);
}

TEST_P(AioTest, DestroyingTheGuardBeforeDeliveryDropsTheCallback) {
  ASSERT_TRUE(write_file(path("f"), "x"));
  bool dropped_ran = false;
  auto captured = std::make_shared<int>(1);
  Guard g = aio_load(path("f"), [&, captured](Result<std::string>) { dropped_ran = true; });
  g.reset();
  EXPECT_EQ(captured.use_count(), 1) << "the callback's captures go with the guard";
  // A later request on the same loop is delivered after the dropped one would have been.
  auto data =
      await<Result<std::string>>([&](auto cb) { return aio_load(path("f"), std::move(cb)); });
  ASSERT_TRUE(data);
  ASSERT_TRUE(run_until(ae::testing::fs::requests_settled));
  EXPECT_FALSE(dropped_ran);
}

TEST_P(AioTest, DestroyingTheGuardInsideTheCallbackIsHarmless) {
  ASSERT_TRUE(write_file(path("f"), "x"));
  int calls = 0;
  std::optional<Guard> g;
  g.emplace(aio_load(path("f"), [&](Result<std::string>) {
    ++calls;
    g.reset();
  }));
  ASSERT_TRUE(run_until([&] { return calls > 0; }));
  ASSERT_TRUE(run_until(ae::testing::fs::requests_settled));
  EXPECT_EQ(calls, 1);
}

TEST_P(AioTest, RunKeepsGoingWhileRequestsAreOutstanding) {
  // Nothing but the requests keeps the loop busy: run() must not return before they are done.
  ASSERT_TRUE(write_file(path("f"), "abc"));
  std::string got;
  Guard read;
  Guard first = aio_open(path("f"), O_RDONLY, 0, [&](Result<File> f) {
    ASSERT_TRUE(f);
    read = aio_read(*f, 10, [&](Result<std::string> d) { got = d.value_or("error"); });
  });
  loop_->run();
  EXPECT_EQ(got, "abc");
}

TEST_P(AioTest, CloseWaitsForRequestsStillUsingTheFile) {
  ASSERT_TRUE(write_file(path("f"), std::string(100000, 'q')));
  File f = open("f", O_RDONLY);
  ASSERT_TRUE(f);
  std::optional<Result<std::string>> data;
  std::optional<std::error_code> closed;
  Guard read = aio_read(f, 100000, [&](Result<std::string> d) { data.emplace(std::move(d)); });
  Guard close = aio_close(std::move(f), [&](std::error_code ec) { closed = ec; });
  EXPECT_FALSE(f);
  ASSERT_TRUE(run_until([&] { return data && closed; }));
  ASSERT_TRUE(*data) << data->message();
  EXPECT_EQ(data->value().size(), 100000u);
  EXPECT_FALSE(*closed);
}

TEST_P(AioTest, EmptyCallbackRunsTheOperation) {
  Guard g = aio_mkdir(path("made"), 0700, nullptr);
  ASSERT_TRUE(run_until([&] { return ::access(path("made").c_str(), F_OK) == 0; }));
  ASSERT_TRUE(run_until(ae::testing::fs::requests_settled));
}

INSTANTIATE_TEST_SUITE_P(ModelsAndBackends, AioTest,
                         ::testing::Combine(::testing::Values("pool", "sync"),
                                            ::testing::ValuesIn(ae::testing::main_backends())),
                         ae::testing::fs::model_and_backend_name);

}  // namespace
}  // namespace ae::fs
