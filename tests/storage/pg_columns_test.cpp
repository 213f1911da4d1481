// Reading PostgreSQL columns: a value that is not what the code reads it as (a non-integer where
// an integer is read, an integer out of range, a non-boolean) is an error naming the column,
// never a silent 0 or false.
#include <gtest/gtest.h>

#include <limits>
#include <optional>
#include <string>

#include "storage/pg_test_server.hpp"
#include "storage/postgres/pg_connection.hpp"
#include "storage/postgres/postgres_store.hpp"
#include "storage/store_contract_fixture.hpp"

namespace vpnhub::storage {
namespace {

class PgColumnsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = PgTestDatabase::Create();
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
    auto conn = PgConnection::Open(db_->url(), std::chrono::seconds(10));
    ASSERT_TRUE(IsOk(conn));
    conn_ = std::move(*conn);
  }

  std::unique_ptr<PgTestDatabase> db_;
  std::unique_ptr<PgConnection> conn_;
};

TEST_F(PgColumnsTest, IntegersReadAsTheyAre) {
  auto r = conn_->Query(
      "SELECT 0::bigint AS zero, '-9223372036854775808'::bigint AS least, "
      "9223372036854775807::bigint AS most, 2147483647 AS int_max, true AS yes, false AS no");
  ASSERT_TRUE(IsOk(r));
  EXPECT_EQ(r->Int64(0, 0), 0);
  EXPECT_EQ(r->Int64(0, 1), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(r->Int64(0, 2), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(r->Int(0, 3), 2147483647);
  EXPECT_TRUE(r->Bool(0, 4));
  EXPECT_FALSE(r->Bool(0, 5));
  EXPECT_TRUE(IsOk(conn_->TakeReadError()));
}

TEST_F(PgColumnsTest, ANonIntegerIsAnErrorNamingTheColumn) {
  const std::pair<const char*, const char*> cases[] = {
      {"SELECT 'abc'::text AS expires_at", "expires_at"},
      {"SELECT '12abc'::text AS slot", "slot"},
      {"SELECT ''::text AS attempts", "attempts"},
      {"SELECT 1.5::numeric AS capacity", "capacity"},
      {"SELECT 99999999999999999999::numeric AS traffic_limit_bytes", "traffic_limit_bytes"},
      {"SELECT NULL::bigint AS relayed_at", "relayed_at"},
  };
  for (const auto& [sql, column] : cases) {
    auto r = conn_->Query(sql);
    ASSERT_TRUE(IsOk(r)) << sql;
    EXPECT_EQ(r->Int64(0, 0), 0) << sql;
    Status st = conn_->TakeReadError();
    EXPECT_EQ(st.code(), StatusCode::kInternal) << sql << ": " << st.ToString();
    EXPECT_NE(st.message().find(column), std::string::npos) << st.ToString();
    EXPECT_TRUE(IsOk(conn_->TakeReadError())) << "taking the error clears it";
  }
}

TEST_F(PgColumnsTest, AnIntOutOfRangeAndANonBooleanAreErrors) {
  auto r = conn_->Query("SELECT 4294967296::bigint AS slot");
  ASSERT_TRUE(IsOk(r));
  EXPECT_EQ(r->Int(0, 0), 0);
  Status st = conn_->TakeReadError();
  EXPECT_EQ(st.code(), StatusCode::kInternal);
  EXPECT_NE(st.message().find("slot"), std::string::npos) << st.ToString();

  r = conn_->Query("SELECT 'yes'::text AS enabled");
  ASSERT_TRUE(IsOk(r));
  EXPECT_FALSE(r->Bool(0, 0));
  st = conn_->TakeReadError();
  EXPECT_EQ(st.code(), StatusCode::kInternal);
  EXPECT_NE(st.message().find("enabled"), std::string::npos) << st.ToString();
}

// A column whose type drifted (here: made text by hand and filled with a word) fails the
// transaction that reads it with kInternal naming the column, and a write transaction that read
// it commits nothing.
TEST_F(PgColumnsTest, AStoreTransactionReadingABadIntegerFailsAndCommitsNothing) {
  auto store = PostgresStore::Open({db_->url()});
  ASSERT_TRUE(IsOk(store));
  Id key_id = 0;
  ASSERT_TRUE(IsOk((*store)->Write([&](ports::StoreTx& tx) -> Status {
    User u;
    u.tg_id = 7;
    auto user = tx.users().InsertUser(u);
    if (!user.ok()) return user.status();
    Location l;
    l.name = "nl";
    auto loc = tx.catalog().InsertLocation(l);
    if (!loc.ok()) return loc.status();
    Server s;
    s.location_id = *loc;
    s.kind = "shadowsocks";
    s.name = "nl-1";
    s.capacity = 10;
    auto server = tx.catalog().InsertServer(s);
    if (!server.ok()) return server.status();
    Key k;
    k.user_id = *user;
    k.server_id = *server;
    k.remote_name = "k1";
    k.state = KeyState::kActive;
    k.traffic_limit_bytes = 5;
    auto id = tx.keys().InsertKey(k);
    if (!id.ok()) return id.status();
    key_id = *id;
    return Status::Ok();
  })));
  ASSERT_TRUE(IsOk(conn_->Exec(
      "ALTER TABLE keys ALTER COLUMN traffic_limit_bytes TYPE text USING traffic_limit_bytes::text;"
      "UPDATE keys SET traffic_limit_bytes = 'lots'")));

  Status read =
      (*store)->Read([&](ports::StoreTx& tx) { return tx.keys().GetKey(key_id).status(); });
  EXPECT_EQ(read.code(), StatusCode::kInternal) << read.ToString();
  EXPECT_NE(read.message().find("traffic_limit_bytes"), std::string::npos) << read.ToString();

  Status write = (*store)->Write([&](ports::StoreTx& tx) -> Status {
    VPNHUB_RETURN_IF_ERROR(tx.keys().GetKey(key_id).status());
    return tx.coordination().PutSetting("after_bad_read", "written");
  });
  EXPECT_EQ(write.code(), StatusCode::kInternal) << write.ToString();
  std::optional<std::string> setting;
  ASSERT_TRUE(IsOk((*store)->Read([&](ports::StoreTx& tx) -> Status {
    auto v = tx.coordination().GetSetting("after_bad_read");
    if (!v.ok()) return v.status();
    setting = *v;
    return Status::Ok();
  })));
  EXPECT_FALSE(setting.has_value()) << "the write transaction committed after a bad read";

  // The connection goes back to the pool clean: the next transaction is not blamed for it.
  EXPECT_TRUE(IsOk((*store)->Read(
      [&](ports::StoreTx& tx) { return tx.coordination().GetSetting("x").status(); })));
}

}  // namespace
}  // namespace vpnhub::storage
