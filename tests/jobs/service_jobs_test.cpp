// ServiceJobs on a real SQLite store: the readiness probe.
#include "jobs/service_jobs.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <memory>
#include <string>

#include "core/usecases/expiry_sweep.hpp"
#include "fakes/capturing_log.hpp"
#include "fakes/fake_clock.hpp"
#include "metrics/registry.hpp"
#include "storage/sqlite_test_util.hpp"

namespace vpnhub::jobs {
namespace {

class ServiceJobsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    path_ = dir_.File("vpnhub.db");
    auto store = storage::SqliteStore::Open({path_});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    sweep_ = std::make_unique<usecases::ExpirySweep>(*store_, clock_);
  }

  std::unique_ptr<ServiceJobs> MakeJobs(ServiceJobsOptions options = {}) {
    return std::make_unique<ServiceJobs>(*store_, *sweep_, log_, registry_, readiness_, options,
                                         nullptr);
  }

  // Runs SQL on a connection of its own, as another process (or a broken disk) would.
  void Sql(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    char* err = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    EXPECT_EQ(rc, SQLITE_OK) << (err != nullptr ? err : "?");
    sqlite3_free(err);
    sqlite3_close(db);
  }

  storage::TempDir dir_;
  std::string path_;
  std::unique_ptr<storage::SqliteStore> store_;
  fakes::FakeClock clock_;
  std::unique_ptr<usecases::ExpirySweep> sweep_;
  fakes::CapturingLog log_;
  metrics::Registry registry_;
  Readiness readiness_;
};

// The database answers reads (so the ping passes) but refuses every write, as with a full disk:
// the process must not call itself ready, and must say why.
TEST_F(ServiceJobsTest, ReadinessFailsWhileWritesFailAndSaysWhyThenRecovers) {
  auto jobs = MakeJobs();
  jobs->ProbeOnce();
  ASSERT_TRUE(readiness_.ready()) << readiness_.detail();

  for (const char* op : {"INSERT", "UPDATE", "DELETE"}) {
    Sql(std::string("CREATE TRIGGER refuse_") + op + " BEFORE " + op +
        " ON settings BEGIN SELECT RAISE(ABORT, 'simulated: database or disk is full'); END");
  }
  jobs->ProbeOnce();
  EXPECT_FALSE(readiness_.ready());
  EXPECT_NE(readiness_.detail().find("writes fail"), std::string::npos) << readiness_.detail();
  EXPECT_NE(readiness_.detail().find("simulated: database or disk is full"), std::string::npos)
      << readiness_.detail();
  EXPECT_EQ(log_.Count("readiness.not_ready"), 1);

  Sql("DROP TRIGGER refuse_INSERT; DROP TRIGGER refuse_UPDATE; DROP TRIGGER refuse_DELETE");
  jobs->ProbeOnce();
  EXPECT_TRUE(readiness_.ready()) << readiness_.detail();
  EXPECT_EQ(log_.Count("readiness.ready"), 2);  // at the start, and now
}

}  // namespace
}  // namespace vpnhub::jobs
