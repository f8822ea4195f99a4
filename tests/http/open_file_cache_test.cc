// The static file handler's cache of open files: entries live for their validity and no longer,
// so a changed, replaced or removed file is noticed; an entry a response still uses keeps its fd.
#include "http/internal/open_file_cache.h"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdio>
#include <string>

#include "tests/support/files.h"

namespace ae::http_test {
namespace {

using http_internal::OpenFile;
using http_internal::OpenFileCache;

constexpr double kValid = 1;

std::string file_with(std::string_view name, std::string_view contents) {
  std::string path = testing::temp_dir("open_file_cache") + "/" + std::string(name);
  EXPECT_TRUE(testing::write_file(path, contents));
  return path;
}

std::shared_ptr<const OpenFile> open_into(OpenFileCache& cache, const std::string& path,
                                          double now) {
  int error = 0;
  std::shared_ptr<const OpenFile> f = OpenFile::open(path, error);
  if (f) cache.insert(path, f, now, kValid);
  return f;
}

TEST(OpenFileCacheTest, OpensARegularFileWithItsHeadFields) {
  std::string path = file_with("a.html", "<p>hi</p>\n");
  int error = 0;
  std::shared_ptr<const OpenFile> f = OpenFile::open(path, error);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->size, 10u);
  EXPECT_EQ(f->content_type, "text/html; charset=utf-8");
  EXPECT_TRUE(f->etag.starts_with("\"a-")) << f->etag;
  EXPECT_TRUE(f->last_modified.ends_with(" GMT")) << f->last_modified;
  EXPECT_FALSE(OpenFile::open(testing::temp_dir("open_file_cache"), error));
  EXPECT_EQ(error, EISDIR);
  EXPECT_FALSE(OpenFile::open(path + ".missing", error));
  EXPECT_EQ(error, ENOENT);
}

TEST(OpenFileCacheTest, AnEntryIsUsedWithinItsValidityOnly) {
  std::string path = file_with("b.txt", "bee\n");
  OpenFileCache cache;
  std::shared_ptr<const OpenFile> f = open_into(cache, path, 100);
  EXPECT_EQ(cache.find(path, 100.5, kValid), f);
  EXPECT_EQ(cache.find(path, 100 + kValid, kValid), nullptr);
  EXPECT_EQ(cache.size(), 0u);
  // A clock that went back does not make an entry live longer.
  open_into(cache, path, 200);
  EXPECT_EQ(cache.find(path, 150, kValid), nullptr);
}

TEST(OpenFileCacheTest, AChangedFileIsNoticedOnceItsEntryIsStale) {
  std::string path = file_with("c.txt", "one\n");
  OpenFileCache cache;
  std::shared_ptr<const OpenFile> before = open_into(cache, path, 10);
  // Replaced the way deployments do it: a new file renamed over the old one.
  std::string next = file_with("c.txt.new", "two, longer\n");
  ASSERT_EQ(std::rename(next.c_str(), path.c_str()), 0);
  EXPECT_EQ(cache.find(path, 10.5, kValid), before);  // still within its validity
  EXPECT_EQ(cache.find(path, 11.5, kValid), nullptr);
  std::shared_ptr<const OpenFile> after = open_into(cache, path, 11.5);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->size, 12u);
  EXPECT_NE(after->etag, before->etag);
  // The old entry's fd still reads the old contents for a response that is sending it.
  char buf[8] = {};
  EXPECT_EQ(::pread(before->fd, buf, sizeof buf, 0), 4);
  EXPECT_EQ(std::string(buf, 4), "one\n");
}

TEST(OpenFileCacheTest, ARemovedFileIsNoticedOnceItsEntryIsStale) {
  std::string path = file_with("d.txt", "dee\n");
  OpenFileCache cache;
  open_into(cache, path, 10);
  ASSERT_EQ(::unlink(path.c_str()), 0);
  EXPECT_EQ(cache.find(path, 11, kValid), nullptr);
  int error = 0;
  EXPECT_FALSE(OpenFile::open(path, error));
  EXPECT_EQ(error, ENOENT);
}

TEST(OpenFileCacheTest, HoldsABoundedNumberOfOpenFiles) {
  std::string path = file_with("e.txt", "e\n");
  OpenFileCache cache;
  int error = 0;
  std::shared_ptr<const OpenFile> f = OpenFile::open(path, error);
  ASSERT_TRUE(f);
  for (std::size_t i = 0; i <= OpenFileCache::kMaxEntries; ++i) {
    cache.insert(path + "#" + std::to_string(i), f, 10, kValid);
    EXPECT_LE(cache.size(), OpenFileCache::kMaxEntries);
  }
}

}  // namespace
}  // namespace ae::http_test
