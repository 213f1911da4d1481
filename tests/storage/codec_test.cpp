// storage/codec: the one copy of what SQLite and PostgreSQL store the same way.
#include "storage/codec.hpp"

#include <gtest/gtest.h>

namespace vpnhub::storage {
namespace {

TEST(CodecTest, ServerSettingsRoundTrip) {
  const ServerSettings settings = {{"api_url", "https://h:1/x"}, {"cert_sha256", "ab"}};
  const std::string json = ServerSettingsToJson(settings);
  EXPECT_EQ(json, R"({"api_url":"https://h:1/x","cert_sha256":"ab"})");
  auto back = ServerSettingsFromJson(json, 3);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, settings);
  EXPECT_EQ(ServerSettingsToJson({}), "{}");
}

TEST(CodecTest, ServerSettingsThatAreNotAnObjectOfStringsNameTheServer) {
  for (const char* bad : {"", "[]", "not json", R"({"port":8080})"}) {
    auto r = ServerSettingsFromJson(bad, 42);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInternal);
    EXPECT_NE(r.status().message().find("server 42"), std::string::npos) << bad;
  }
}

TEST(CodecTest, BytesThatAreNotUtf8AreReplacedNotThrown) {
  const std::string cut = "caf\xc3";  // a two-byte character cut in half
  EXPECT_NO_THROW((void)ServerSettingsToJson({{"name", cut}}));
  EXPECT_NO_THROW((void)KeyboardToJson({{InlineButton{cut, "k:1", ""}}}));
}

TEST(CodecTest, KeyboardRoundTrip) {
  const InlineKeyboard keyboard = {
      {InlineButton{"Renew", "renew:7", ""}},
      {InlineButton{"Help", "", "https://example.org"}, InlineButton{"Back", "menu", ""}}};
  auto back = KeyboardFromJson(KeyboardToJson(keyboard), 1);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_EQ(back->size(), 2u);
  ASSERT_EQ((*back)[1].size(), 2u);
  EXPECT_EQ((*back)[0][0].callback_data, "renew:7");
  EXPECT_EQ((*back)[1][0].url, "https://example.org");
  EXPECT_EQ((*back)[1][1].text, "Back");
  EXPECT_EQ(KeyboardToJson({}), "[]");
}

TEST(CodecTest, KeyboardMissingFieldsReadAsEmptyOtherShapesAreErrors) {
  auto partial = KeyboardFromJson(R"([[{"text":"Hi"}]])", 1);
  ASSERT_TRUE(partial.ok()) << partial.status().ToString();
  EXPECT_EQ((*partial)[0][0].text, "Hi");
  EXPECT_EQ((*partial)[0][0].callback_data, "");
  for (const char* bad : {"{}", "[1]", "[[1]]", R"([[{"text":5}]])", "nope"}) {
    auto r = KeyboardFromJson(bad, 9);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find("message 9"), std::string::npos) << bad;
  }
}

TEST(CodecTest, MessagePrioritiesByNumberInClaimOrder) {
  EXPECT_EQ(MessagePriorityFromInt(0), MessagePriority::kAlert);
  EXPECT_EQ(MessagePriorityFromInt(2), MessagePriority::kBulk);
  EXPECT_EQ(MessagePriorityFromInt(3), std::nullopt);
  EXPECT_EQ(MessagePriorityFromInt(-1), std::nullopt);
  for (std::size_t i = 1; i < std::size(kMessagePriorities); ++i) {
    EXPECT_LT(static_cast<int>(kMessagePriorities[i - 1]), static_cast<int>(kMessagePriorities[i]));
  }
}

TEST(CodecTest, MigrationsSortAndRefuseBadVersions) {
  auto sorted = SortedMigrations({{7, "seven", ""}, {2, "two", ""}});
  ASSERT_TRUE(sorted.ok());
  EXPECT_EQ((*sorted)[0].version, 2);
  EXPECT_EQ(MigrationLabel((*sorted)[1]), "0007_seven");
  auto twice = SortedMigrations({{2, "a", ""}, {2, "b", ""}});
  EXPECT_EQ(twice.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(twice.status().message().find("0002_a and 0002_b"), std::string::npos);
  EXPECT_EQ(SortedMigrations({{0, "zero", ""}}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_GT(MigrationAppliedAtMs(), 1'600'000'000'000);
}

// Known migrations keep their own names; a recorded version this binary does not know (applied by
// a newer one) appears with the recorded name.
TEST(CodecTest, MigrationStatusMergesKnownAndRecorded) {
  const std::vector<EmbeddedMigration> known = {{1, "init", ""}, {2, "bot", ""}};
  const std::vector<MigrationInfo> recorded = {{1, "renamed", true, 100}, {9, "future", true, 900}};
  const std::vector<MigrationInfo> status = MergeMigrationStatus(known, recorded);
  ASSERT_EQ(status.size(), 3u);
  EXPECT_EQ(status[0].name, "init");
  EXPECT_TRUE(status[0].applied);
  EXPECT_EQ(status[0].applied_at_ms, 100);
  EXPECT_EQ(status[1].version, 2);
  EXPECT_FALSE(status[1].applied);
  EXPECT_EQ(status[1].applied_at_ms, 0);
  EXPECT_EQ(status[2].name, "future");
  EXPECT_EQ(status[2].applied_at_ms, 900);
}

}  // namespace
}  // namespace vpnhub::storage
