// SqlSession as SqliteSession implements it: $N placeholders, parameter kinds, the unique-value
// contract and the read-only guard. (The ports over it are covered by the contract suite, which
// runs on SQLite and PostgreSQL.)
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <memory>
#include <string>
#include <vector>

#include "storage/sqlite/connection.hpp"
#include "storage/sqlite/sqlite_session.hpp"

namespace vpnhub::storage {
namespace {

TEST(NumberedPlaceholdersTest, RewritesDollarNumbersOutsideQuotesOnly) {
  EXPECT_EQ(NumberedPlaceholders("SELECT $2, $10 FROM t WHERE a = $1"),
            "SELECT ?2, ?10 FROM t WHERE a = ?1");
  EXPECT_EQ(NumberedPlaceholders("SELECT '$1', \"$2\", 'it''s $3', $4"),
            "SELECT '$1', \"$2\", 'it''s $3', ?4");
  EXPECT_EQ(NumberedPlaceholders("SELECT $a, $"), "SELECT $a, $");
}

class SqliteSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto conn = Connection::Open(":memory:", SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, 1000);
    ASSERT_TRUE(conn.ok()) << conn.status().message();
    conn_ = std::move(*conn);
    ASSERT_TRUE(
        conn_->Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE, n INTEGER)").ok());
  }

  std::vector<std::string> Names(SqlSession& s, const SqlText& sql, const SqlParams& params) {
    auto names = s.All<std::string>(sql, params, [](const SqlRow& r) { return r.Text(0); });
    EXPECT_TRUE(names.ok()) << names.status().message();
    return names.ok() ? *names : std::vector<std::string>{};
  }

  std::unique_ptr<Connection> conn_;
};

TEST_F(SqliteSessionTest, PlaceholdersBindByTheirNumberNotTheirOrder) {
  SqliteSession s(*conn_, /*read_only=*/false);
  auto id = s.Insert("INSERT INTO t (n, name) VALUES ($2, $1)", SqlParams().Text("a").Int(7));
  ASSERT_TRUE(id.ok()) << id.status().message();
  auto n = s.First<std::int64_t>("SELECT n FROM t WHERE name = $1", SqlParams().Text("a"),
                                 [](const SqlRow& r) { return r.Int64(0); });
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->value_or(0), 7);
}

TEST_F(SqliteSessionTest, AnIdSetIsAJsonArrayForJsonEach) {
  SqliteSession s(*conn_, /*read_only=*/false);
  for (const char* name : {"a", "b", "c"}) {
    ASSERT_TRUE(s.Insert("INSERT INTO t (name) VALUES ($1)", SqlParams().Text(name)).ok());
  }
  EXPECT_EQ(Names(s, "SELECT name FROM t WHERE id IN (SELECT value FROM json_each($1)) ORDER BY id",
                  SqlParams().Ids({3, 1, 3})),
            (std::vector<std::string>{"a", "c"}));
}

TEST_F(SqliteSessionTest, ATakenUniqueValueIsAlreadyExistsAndTheTransactionGoesOn) {
  SqliteSession s(*conn_, /*read_only=*/false);
  ASSERT_TRUE(conn_->Exec("BEGIN").ok());
  ASSERT_TRUE(s.InsertUnique("INSERT INTO t (name) VALUES ($1)", SqlParams().Text("a"), "t").ok());
  auto again = s.InsertUnique("INSERT INTO t (name) VALUES ($1)", SqlParams().Text("a"), "t");
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
  auto renamed = s.ModifyUnique("UPDATE t SET name = $1", SqlParams().Text("b"), "name");
  ASSERT_TRUE(renamed.ok()) << renamed.status().message();
  EXPECT_EQ(*renamed, 1);
  ASSERT_TRUE(conn_->Exec("COMMIT").ok());
  EXPECT_EQ(Names(s, "SELECT name FROM t", SqlParams()), (std::vector<std::string>{"b"}));
}

TEST_F(SqliteSessionTest, PostgresArraysAreRefused) {
  SqliteSession s(*conn_, /*read_only=*/false);
  auto r = s.Modify("INSERT INTO t (n) VALUES ($1)", SqlParams().Ints({1, 2}));
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
}

TEST_F(SqliteSessionTest, ReadOnlyRejectsWritesAndExplainNoChangeTellsAbsentRows) {
  SqliteSession s(*conn_, /*read_only=*/true);
  EXPECT_EQ(s.CheckWritable("Poke").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.ExplainNoChange("t", "row", 5, Conflict("busy")).code(), StatusCode::kNotFound);
  SqliteSession w(*conn_, /*read_only=*/false);
  EXPECT_TRUE(w.CheckWritable("Poke").ok());
  ASSERT_TRUE(
      w.Insert("INSERT INTO t (id, name) VALUES ($1, $2)", SqlParams().Int(5).Text("x")).ok());
  EXPECT_EQ(w.ExplainNoChange("t", "row", 5, Conflict("busy")).code(), StatusCode::kConflict);
}

}  // namespace
}  // namespace vpnhub::storage
