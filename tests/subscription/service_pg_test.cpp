// subscription::Service over PostgreSQL: the change feed's ids are taken in insertion order but
// committed in any order, so a change may become visible below ids already read. Whatever number
// of ids other transactions took and committed meanwhile, the poller must still see it and drop
// the person it names.
#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <thread>

#include "fakes/capturing_log.hpp"
#include "storage/pg_test_server.hpp"
#include "storage/postgres/postgres_store.hpp"
#include "subscription/service.hpp"

namespace vpnhub {
namespace {

const std::string kKey = "a-signing-key-of-at-least-32-characters";

Time At(std::int64_t seconds) { return FromUnixMs(1'900'000'000'000 + seconds * 1000); }

class SubscriptionServicePgTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = storage::PgTestDatabase::Create();
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
    storage::PostgresOptions options;
    options.url = db_->url();
    options.pool_size = 4;
    auto store = storage::PostgresStore::Open(options);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
  }
  void TearDown() override {
    if (service_) service_->Stop();
    service_.reset();
    store_.reset();
    db_.reset();
  }

  Id AddUser(TgId tg) {
    User u;
    u.tg_id = tg;
    u.created_at = At(0);
    Id id = 0;
    Status st = store_->Write([&](ports::StoreTx& tx) -> Status {
      VPNHUB_ASSIGN_OR_RETURN(id, tx.users().InsertUser(u));
      return Status::Ok();
    });
    EXPECT_TRUE(st.ok()) << st.ToString();
    return id;
  }

  std::unique_ptr<storage::PgTestDatabase> db_;
  std::unique_ptr<storage::PostgresStore> store_;
  usecases::Backends backends_;
  fakes::CapturingLog log_;
  std::unique_ptr<subscription::Service> service_;
};

// A rotation that took its feed id first but committed after 1,001 rows of another transaction
// were read: the old token must not keep working from the cache.
TEST_F(SubscriptionServicePgTest, AChangeCommittedBelowIdsAlreadyReadIsStillSeen) {
  const Id alice = AddUser(1);
  const Id bob = AddUser(2);
  subscription::Options o;
  o.brand = "VPNHub";
  o.signing_key = kKey;
  o.poll_interval = std::chrono::hours(1);  // the test polls
  service_ = std::make_unique<subscription::Service>(*store_, backends_, log_, o);
  ASSERT_TRUE(service_->Start().ok());
  const std::string old_token = service_->TokenFor(alice, 0);
  auto loaded = service_->Load(old_token, formats::SubscriptionFormat::kPlain);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ASSERT_EQ(loaded->kind, subscription::Answer::Kind::kDocument);

  std::promise<void> rotated;
  std::promise<void> go;
  std::shared_future<void> go_future = go.get_future().share();
  std::thread slow([&] {
    int runs = 0;
    Status st = store_->Write(ports::WriteKind::kQueue, [&](ports::StoreTx& tx) -> Status {
      if (++runs > 1) return Internal("run again: the test assumes one run");
      VPNHUB_RETURN_IF_ERROR(tx.users().RotateSubscription(alice));
      rotated.set_value();
      go_future.wait();
      return Status::Ok();
    });
    EXPECT_TRUE(st.ok()) << st.ToString();
  });
  rotated.get_future().wait();
  // Meanwhile another transaction takes and commits more feed ids than one look-back window.
  Status busy = store_->Write(ports::WriteKind::kQueue, [&](ports::StoreTx& tx) -> Status {
    for (int i = 0; i < 1001; ++i) VPNHUB_RETURN_IF_ERROR(tx.users().RotateSubscription(bob));
    return Status::Ok();
  });
  ASSERT_TRUE(busy.ok()) << busy.ToString();
  ASSERT_TRUE(service_->PollOnce().ok());
  go.set_value();
  slow.join();
  ASSERT_TRUE(service_->PollOnce().ok());

  auto cached = service_->FromCache(old_token, formats::SubscriptionFormat::kPlain);
  EXPECT_FALSE(cached && cached->kind == subscription::Answer::Kind::kDocument)
      << "the rotated token is still served from the cache";
  auto fresh = service_->Load(old_token, formats::SubscriptionFormat::kPlain);
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(fresh->kind, subscription::Answer::Kind::kNotFound);
}

}  // namespace
}  // namespace vpnhub
