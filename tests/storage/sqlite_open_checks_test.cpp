// What SqliteStore::Open refuses before it touches the file: URLs with options, and databases
// this process cannot write ("the database file is read-only", not a generic SQLite error later).
// Root ignores file permissions, so the read-only cases run in a child process (a gtest death
// test) that first becomes the unprivileged user nobody.
#include <grp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "storage/sqlite/sqlite_store.hpp"
#include "storage/sqlite_test_util.hpp"

namespace vpnhub::storage {
namespace {

namespace fs = std::filesystem;

constexpr uid_t kNobody = 65534;

void BecomeNobody() {
  if (geteuid() != 0) return;
  if (setgroups(0, nullptr) != 0 || setgid(kNobody) != 0 || setuid(kNobody) != 0) {
    std::fprintf(stderr, "cannot drop privileges\n");
    std::exit(4);
  }
}

// In the child: opens `path` and exits 3 printing the refusal, or 0 when it opened.
[[noreturn]] void OpenAndReport(const std::string& path) {
  BecomeNobody();
  auto store = SqliteStore::Open({path});
  if (store.ok()) std::exit(0);
  std::fprintf(stderr, "code=%s %s\n", StatusCodeName(store.status().code()),
               store.status().message().c_str());
  std::exit(3);
}

// A directory nobody may enter, holding a database created (and migrated) by this process.
class SqliteReadOnlyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    db_dir_ = dir_.path() / "db";
    fs::create_directory(db_dir_);
    path_ = (db_dir_ / "vpnhub.db").string();
    ASSERT_TRUE(SqliteStore::Open({path_}).ok());
    // The temporary directory is 0700; nobody needs to reach the database below it.
    fs::permissions(dir_.path(),
                    fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
    GTEST_FLAG_SET(death_test_style, "threadsafe");
  }

  void GiveToNobody(const fs::path& p) { ASSERT_EQ(::chown(p.c_str(), kNobody, kNobody), 0); }

  TempDir dir_;
  fs::path db_dir_;
  std::string path_;
};

TEST(SqlitePathFromUrlOptions, QueryStringsAreRefusedNotPartOfTheFileName) {
  for (const char* url :
       {"sqlite://./x.db?mode=ro", "sqlite:///var/lib/v.db?cache=shared", "sqlite://x.db?"}) {
    auto path = SqlitePathFromUrl(url);
    ASSERT_FALSE(path.ok()) << url << " -> " << *path;
    EXPECT_EQ(path.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(path.status().message().find("no options"), std::string::npos)
        << path.status().message();
  }
}

TEST_F(SqliteReadOnlyTest, AFileTheProcessCannotWriteIsNamedReadOnly) {
  GiveToNobody(db_dir_);  // the directory is writable: only the file is not
  ASSERT_EQ(::chmod(path_.c_str(), 0444), 0);
  EXPECT_EXIT(OpenAndReport(path_), ::testing::ExitedWithCode(3),
              "code=failed_precondition sqlite: the database file is read-only: .*vpnhub.db");
}

TEST_F(SqliteReadOnlyTest, AFileInADirectoryTheProcessCannotWriteIsNamedReadOnly) {
  GiveToNobody(path_);  // the file is writable: its directory (for -wal and -shm) is not
  EXPECT_EXIT(OpenAndReport(path_), ::testing::ExitedWithCode(3),
              "the database file is read-only: .*its directory .* is not writable");
  const std::string missing = (db_dir_ / "new" / "vpnhub.db").string();
  EXPECT_EXIT(OpenAndReport(missing), ::testing::ExitedWithCode(3),
              "the database file is read-only: .*new/vpnhub.db");
}

TEST_F(SqliteReadOnlyTest, AWritableFileAndDirectoryOpen) {
  GiveToNobody(db_dir_);
  GiveToNobody(path_);
  EXPECT_EXIT(OpenAndReport(path_), ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace vpnhub::storage
