// PlanCopy: what db copy copies, from two described schemas (no database involved).
#include "storage/copy/copy_plan.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace vpnhub::storage::copy {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr ColumnType kI = ColumnType::kInt;
constexpr ColumnType kB = ColumnType::kBool;
constexpr ColumnType kT = ColumnType::kText;

TableSpec Table(std::string name, std::vector<ColumnSpec> columns,
                std::vector<std::string> key = {"id"}, std::set<std::string> references = {}) {
  TableSpec t;
  t.name = std::move(name);
  t.columns = std::move(columns);
  t.primary_key = std::move(key);
  t.references = std::move(references);
  return t;
}

Schema SchemaOf(std::vector<TableSpec> tables) {
  Schema schema;
  for (auto& t : tables) {
    std::string name = t.name;
    schema.emplace(std::move(name), std::move(t));
  }
  return schema;
}

std::vector<std::string> Names(const std::vector<TableSpec>& plan) {
  std::vector<std::string> names;
  for (const auto& t : plan) names.push_back(t.name);
  return names;
}

// A small VPNHub-like schema: keys -> users, servers -> locations, gifts -> users.
Schema Sample() {
  return SchemaOf({
      Table("users", {{"id", kI}, {"referrer_id", kI}}, {"id"}, {"users"}),
      Table("locations", {{"id", kI}, {"name", kT}}),
      Table("servers", {{"id", kI}, {"location_id", kI}}, {"id"}, {"locations"}),
      Table("keys", {{"id", kI}, {"user_id", kI}, {"server_id", kI}}, {"id"}, {"users", "servers"}),
      Table("gifts", {{"id", kI}, {"user_id", kI}}, {"id"}, {"users"}),
      Table("settings", {{"name", kT}, {"value", kT}}, {"name"}),
      Table("schema_migrations", {{"version", kI}}, {"version"}),
      Table("stat_counters", {{"name", kT}, {"value", kI}}, {"name"}),
  });
}

TEST(CopyPlan, ForeignKeysFirstThenByName) {
  auto plan = PlanCopy(Sample(), Sample());
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  // A self-reference (users.referrer_id) orders rows, not tables.
  EXPECT_THAT(Names(*plan),
              ElementsAre("locations", "servers", "settings", "users", "gifts", "keys"));
}

TEST(CopyPlan, TheNamedExceptionsAreLeftOutEvenOnOneSideOnly) {
  Schema target = Sample();
  target.emplace("stat_deltas", Table("stat_deltas", {{"name", kT}, {"delta", kI}}, {}));
  target.erase("stat_counters");
  auto plan = PlanCopy(Sample(), target);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  for (const auto& t : *plan) {
    EXPECT_NE(t.name, "schema_migrations");
    EXPECT_NE(t.name, "stat_counters");
    EXPECT_NE(t.name, "stat_deltas");
  }
  for (const auto& t : TablesNotCopied()) EXPECT_FALSE(t.reason.empty()) << t.name;
}

TEST(CopyPlan, ATableOnOneSideOnlyIsRefused) {
  Schema bigger = Sample();
  bigger.emplace("extra", Table("extra", {{"id", kI}}));
  auto from_bigger = PlanCopy(bigger, Sample());
  EXPECT_EQ(from_bigger.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(from_bigger.status().message(), HasSubstr("source database has a table 'extra'"));
  auto to_bigger = PlanCopy(Sample(), bigger);
  EXPECT_EQ(to_bigger.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(to_bigger.status().message(), HasSubstr("target database has a table 'extra'"));
}

TEST(CopyPlan, AColumnOnOneSideOnlyIsRefused) {
  Schema wider = Sample();
  wider["settings"].columns.push_back({"note", kT});
  EXPECT_THAT(PlanCopy(wider, Sample()).status().message(),
              HasSubstr("source database has a column settings.note"));
  EXPECT_THAT(PlanCopy(Sample(), wider).status().message(),
              HasSubstr("target database has a column settings.note"));
  EXPECT_EQ(PlanCopy(Sample(), wider).status().code(), StatusCode::kFailedPrecondition);
}

TEST(CopyPlan, TextAgainstIntegersIsRefusedButIntegersCarryBooleans) {
  Schema texts = Sample();
  texts["locations"].columns[1].type = kI;
  auto refused = PlanCopy(Sample(), texts);
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(),
              HasSubstr("locations.name holds text in the source but integers in the target"));

  // SQLite stores a boolean as INTEGER 0/1, PostgreSQL as BOOLEAN: either side makes it kBool.
  Schema sqlite = SchemaOf({Table("flags", {{"id", kI}, {"on", kI}})});
  Schema pg = SchemaOf({Table("flags", {{"id", kI}, {"on", kB}})});
  for (const auto& [from, to] : {std::pair{sqlite, pg}, std::pair{pg, sqlite}}) {
    auto plan = PlanCopy(from, to);
    ASSERT_TRUE(plan.ok()) << plan.status().ToString();
    EXPECT_EQ((*plan)[0].columns[0].type, kI);
    EXPECT_EQ((*plan)[0].columns[1].type, kB);
  }
  auto both_sqlite = PlanCopy(sqlite, sqlite);
  ASSERT_TRUE(both_sqlite.ok());
  EXPECT_EQ((*both_sqlite)[0].columns[1].type, kI);
}

TEST(CopyPlan, SourceColumnOrderSourceKeyAndTargetIdentity) {
  Schema source = SchemaOf({Table("t", {{"b", kT}, {"id", kI}, {"a", kI}}, {"a", "id"})});
  Schema target = SchemaOf({Table("t", {{"id", kI}, {"a", kI}, {"b", kT}}, {"id"})});
  target["t"].identity = "id";
  auto plan = PlanCopy(source, target);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  const TableSpec& t = (*plan)[0];
  EXPECT_EQ(t.columns[0].name, "b");
  EXPECT_EQ(t.columns[2].name, "a");
  EXPECT_THAT(t.order_by, ElementsAre(2, 1));  // the source's key: a, then id
  EXPECT_EQ(t.identity, "id");
}

TEST(CopyPlan, ATableWithoutKeyIsReadInOrderOfEveryColumn) {
  Schema schema = SchemaOf({Table("log", {{"at", kI}, {"line", kT}}, {})});
  auto plan = PlanCopy(schema, schema);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_THAT((*plan)[0].order_by, ElementsAre(0, 1));
}

TEST(CopyPlan, ForeignKeysInACycleAreRefused) {
  Schema schema = SchemaOf({
      Table("a", {{"id", kI}}, {"id"}, {"b"}),
      Table("b", {{"id", kI}}, {"id"}, {"a"}),
      Table("c", {{"id", kI}}),
  });
  auto plan = PlanCopy(schema, schema);
  EXPECT_EQ(plan.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(plan.status().message(), HasSubstr("tables a, b form a cycle"));
}

TEST(CopyPlan, ForeignKeysOfBothSidesCount) {
  // Only the target declares the foreign key (it enforces it): the referenced table goes first.
  Schema source = SchemaOf({Table("a", {{"id", kI}}), Table("b", {{"id", kI}})});
  Schema target = SchemaOf({Table("a", {{"id", kI}}, {"id"}, {"b"}), Table("b", {{"id", kI}})});
  auto plan = PlanCopy(source, target);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_THAT(Names(*plan), ElementsAre("b", "a"));
}

}  // namespace
}  // namespace vpnhub::storage::copy
