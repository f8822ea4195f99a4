// ae::fs::follow against real files: appends, partial and overlong lines, resuming, rotation by
// rename + recreate, truncation, deletion; with inotify and with polling, on both backends.
#include "io/follow.h"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
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

using ae::testing::run_until;
using ae::testing::write_file;
using Lines = std::vector<std::string>;

void append(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out << text;
}

// (inotify, backend)
using Param = std::tuple<bool, std::string>;

class FollowTest : public ::testing::TestWithParam<Param> {
 protected:
  ae::testing::ScopedEnv model_{"AE_IO_MODEL", "pool"};
  ae::testing::TestLoop loop_{std::get<1>(GetParam())};
  std::string dir_ = ae::testing::fs::test_dir();
  std::string path_ = dir_ + "/app.log";
  Lines lines_;
  std::vector<FollowReset> resets_;

  FollowOptions options() {
    FollowOptions o;
    o.inotify = std::get<0>(GetParam());
    o.poll_interval = Seconds(0.02);
    o.on_reset = [this](FollowReset r) { resets_.push_back(r); };
    return o;
  }
  FollowOptions from_start() {
    FollowOptions o = options();
    o.offset = 0;
    return o;
  }
  Follower start(FollowOptions o) {
    return follow(path_, std::move(o),
                  [this](std::string_view line) { lines_.emplace_back(line); });
  }
  bool wait_for(const Lines& expected) {
    bool got = run_until([&] { return lines_.size() >= expected.size(); });
    EXPECT_EQ(lines_, expected);
    return got && lines_ == expected;
  }
};

TEST_P(FollowTest, UsesInotifyOnlyWhenAsked) {
  ASSERT_TRUE(write_file(path_, ""));
  Follower f = start(from_start());
  append(path_, "x\n");
  ASSERT_TRUE(wait_for({"x"}));
  EXPECT_EQ(f.inotify(), std::get<0>(GetParam()));
}

TEST_P(FollowTest, AppendedLinesArriveInOrderWithoutTerminators) {
  ASSERT_TRUE(write_file(path_, ""));
  Follower f = start(from_start());
  append(path_, "a\nb\n");
  ASSERT_TRUE(wait_for({"a", "b"}));
  append(path_, "c\r\nd");
  ASSERT_TRUE(wait_for({"a", "b", "c"}));
  EXPECT_EQ(f.offset(), 7u) << "the unterminated \"d\" is not delivered yet";
  append(path_, "\n\n");
  ASSERT_TRUE(wait_for({"a", "b", "c", "d", ""}));
  EXPECT_EQ(f.offset(), 10u);
  EXPECT_TRUE(resets_.empty());
}

TEST_P(FollowTest, StartsAtTheEndByDefault) {
  ASSERT_TRUE(write_file(path_, "old\n"));
  Follower f = start(options());
  ASSERT_TRUE(run_until([&] { return f.offset() == 4; })) << "the first read finds the end";
  append(path_, "new\n");
  ASSERT_TRUE(wait_for({"new"}));
}

TEST_P(FollowTest, ResumesAtAnOffsetWithoutLosingOrRepeatingALine) {
  ASSERT_TRUE(write_file(path_, "one\ntwo\n"));
  std::uint64_t resume;
  {
    FollowOptions o = from_start();
    Follower f = start(std::move(o));
    append(path_, "three\npart");
    ASSERT_TRUE(wait_for({"one", "two", "three"}));
    resume = f.offset();
  }
  EXPECT_EQ(resume, 14u);
  append(path_, "ial\n");
  lines_.clear();
  FollowOptions o = options();
  o.offset = resume;
  Follower again = start(std::move(o));
  ASSERT_TRUE(wait_for({"partial"}));
}

TEST_P(FollowTest, AnOffsetPastTheEndStartsOverAndReportsATruncation) {
  ASSERT_TRUE(write_file(path_, "short\n"));
  FollowOptions o = options();
  o.offset = 1000;
  Follower f = start(std::move(o));
  ASSERT_TRUE(wait_for({"short"}));
  EXPECT_EQ(resets_, std::vector<FollowReset>{FollowReset::kTruncated});
}

TEST_P(FollowTest, OverlongLinesArriveInPieces) {
  ASSERT_TRUE(write_file(path_, ""));
  FollowOptions o = from_start();
  o.max_line = 10;
  Follower f = start(std::move(o));
  append(path_, std::string(25, 'a') + "\nok\n");
  ASSERT_TRUE(wait_for({std::string(10, 'a'), std::string(10, 'a'), std::string(5, 'a'), "ok"}));
}

TEST_P(FollowTest, ChunksArriveExactlyAsWritten) {
  ASSERT_TRUE(write_file(path_, ""));
  FollowOptions o = from_start();
  o.chunks = true;
  o.read_size = 7;
  Follower f = start(std::move(o));
  std::string text = "no\nline\r\nstructure here";
  append(path_, text);
  std::string got;
  ASSERT_TRUE(run_until([&] {
    got.clear();
    for (const std::string& chunk : lines_) got += chunk;
    return got.size() >= text.size();
  }));
  EXPECT_EQ(got, text);
  EXPECT_GE(lines_.size(), 4u) << "read_size 7 reads 23 bytes in four steps or more";
  EXPECT_EQ(f.offset(), text.size());
}

TEST_P(FollowTest, ReadsALargeAppendInSeveralSteps) {
  ASSERT_TRUE(write_file(path_, ""));
  FollowOptions o = from_start();
  o.read_size = 1000;
  Follower f = start(std::move(o));
  Lines expected;
  std::string text;
  for (int i = 0; i < 500; ++i) {
    expected.push_back("line " + std::to_string(i) + " " + std::string(80, 'x'));
    text += expected.back() + "\n";
  }
  append(path_, text);
  ASSERT_TRUE(wait_for(expected));
}

TEST_P(FollowTest, SurvivesRotationByRenameAndRecreate) {
  ASSERT_TRUE(write_file(path_, ""));
  Follower f = start(from_start());
  append(path_, "1\n");
  ASSERT_TRUE(wait_for({"1"}));
  // logrotate's default ("create"): the writer's last line, rename, a new file, the writer
  // reopens and goes on.
  append(path_, "2\nunfinished");
  ASSERT_EQ(::rename(path_.c_str(), (path_ + ".1").c_str()), 0);
  ASSERT_TRUE(write_file(path_, ""));
  append(path_, "3\n");
  ASSERT_TRUE(wait_for({"1", "2", "unfinished", "3"}));
  EXPECT_EQ(resets_, std::vector<FollowReset>{FollowReset::kRotated});
  append(path_, "4\n");
  ASSERT_TRUE(wait_for({"1", "2", "unfinished", "3", "4"}));
  EXPECT_EQ(f.offset(), 4u) << "offsets count in the new file";
}

TEST_P(FollowTest, SurvivesTruncationInPlace) {
  ASSERT_TRUE(write_file(path_, ""));
  Follower f = start(from_start());
  append(path_, "first line\nsecond line\n");
  ASSERT_TRUE(wait_for({"first line", "second line"}));
  // logrotate's "copytruncate": the file is cut to nothing and the writer goes on.
  ASSERT_EQ(::truncate(path_.c_str(), 0), 0);
  append(path_, "3\n");
  ASSERT_TRUE(wait_for({"first line", "second line", "3"}));
  EXPECT_EQ(resets_, std::vector<FollowReset>{FollowReset::kTruncated});
}

TEST_P(FollowTest, WaitsForADeletedFileToComeBack) {
  ASSERT_TRUE(write_file(path_, ""));
  Follower f = start(from_start());
  append(path_, "before\n");
  ASSERT_TRUE(wait_for({"before"}));
  ASSERT_EQ(::unlink(path_.c_str()), 0);
  ASSERT_TRUE(write_file(path_, "after\n"));
  ASSERT_TRUE(wait_for({"before", "after"}));
  EXPECT_EQ(resets_, std::vector<FollowReset>{FollowReset::kRotated});
}

TEST_P(FollowTest, AFileMissingAtTheStartIsReadOnceItExists) {
  FollowOptions o = options();
  o.offset = 0;
  Follower f = start(std::move(o));
  ASSERT_TRUE(write_file(path_, "hello\n"));
  ASSERT_TRUE(wait_for({"hello"}));
}

TEST_P(FollowTest, FollowingADirectoryFailsWithEisdir) {
  std::optional<std::error_code> error;
  std::string message;
  FollowOptions o = options();
  o.on_error = [&](std::error_code code, std::string_view text) {
    error = code;
    message = text;
  };
  Follower f =
      follow(dir_, std::move(o), [&](std::string_view line) { lines_.emplace_back(line); });
  ASSERT_TRUE(run_until([&] { return error.has_value(); }));
  EXPECT_EQ(*error, std::errc::is_a_directory);
  EXPECT_NE(message.find(dir_), std::string::npos) << message;
  EXPECT_TRUE(lines_.empty());
}

TEST_P(FollowTest, DestroyingTheFollowerInItsCallbackStopsIt) {
  ASSERT_TRUE(write_file(path_, ""));
  Follower f;
  f = follow(path_, from_start(), [&](std::string_view line) {
    lines_.emplace_back(line);
    f.reset();
  });
  append(path_, "a\nb\nc\n");
  ASSERT_TRUE(run_until([&] { return !lines_.empty(); }));
  ASSERT_TRUE(run_until(ae::testing::fs::requests_settled));
  EXPECT_EQ(lines_, Lines{"a"});
}

TEST_P(FollowTest, BadArgumentsThrow) {
  auto noop = [](std::string_view) {};
  EXPECT_THROW((void)follow("", options(), noop), std::invalid_argument);
  EXPECT_THROW((void)follow(dir_ + "/", options(), noop), std::invalid_argument);
  EXPECT_THROW((void)follow(path_, options(), nullptr), std::invalid_argument);
  FollowOptions zero = options();
  zero.read_size = 0;
  EXPECT_THROW((void)follow(path_, std::move(zero), noop), std::invalid_argument);
}

INSTANTIATE_TEST_SUITE_P(Modes, FollowTest,
                         ::testing::Combine(::testing::Bool(),
                                            ::testing::ValuesIn(ae::testing::main_backends())),
                         [](const ::testing::TestParamInfo<Param>& info) {
                           return std::string(std::get<0>(info.param) ? "inotify_" : "polling_") +
                                  std::get<1>(info.param);
                         });

}  // namespace
}  // namespace ae::fs
