#include "app/env_file.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace vpnhub::app {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Pair;

EnvFile Parse(std::string_view text) { return ParseEnvText(text, "test.env"); }

TEST(EnvFileTest, ReadsKeyValueLinesSkippingCommentsAndBlankLines) {
  const EnvFile f = Parse(
      "# a comment\n"
      "\n"
      "   \n"
      "NAME=VPNHub\n"
      "  # indented comment\n"
      "LIMIT_GB=50\n");
  EXPECT_THAT(f.errors, IsEmpty());
  EXPECT_THAT(f.values, ElementsAre(Pair("LIMIT_GB", "50"), Pair("NAME", "VPNHub")));
}

TEST(EnvFileTest, TrimsWhitespaceAroundKeyEqualsAndValue) {
  const EnvFile f = Parse("  NAME \t=   My VPN  \n");
  EXPECT_THAT(f.errors, IsEmpty());
  EXPECT_EQ(f.values.at("NAME"), "My VPN");
}

TEST(EnvFileTest, AcceptsExportPrefix) {
  const EnvFile f = Parse("export TG_TOKEN=1:abc\nexport\tNAME=x\n");
  EXPECT_THAT(f.errors, IsEmpty());
  EXPECT_EQ(f.values.at("TG_TOKEN"), "1:abc");
  EXPECT_EQ(f.values.at("NAME"), "x");
}

TEST(EnvFileTest, AVariableNamedExportIsStillAVariable) {
  const EnvFile f = Parse("export=1\nexportX=2\n");
  EXPECT_THAT(f.errors, IsEmpty());
  EXPECT_EQ(f.values.at("export"), "1");
  EXPECT_EQ(f.values.at("exportX"), "2");
}

TEST(EnvFileTest, SingleQuotedValuesAreLiteral) {
  const EnvFile f = Parse(R"(A='  spaced # not a comment \n "q" ')"
                          "\n");
  EXPECT_THAT(f.errors, IsEmpty());
  EXPECT_EQ(f.values.at("A"), R"(  spaced # not a comment \n "q" )");
}

TEST(EnvFileTest, DoubleQuotedValuesUnderstandEscapes) {
  const EnvFile f = Parse(R"(A="line1\nline2 \"quoted\" back\\slash\ttab \$kept")"
                          "\n");
  EXPECT_THAT(f.errors, IsEmpty());
  EXPECT_EQ(f.values.at("A"), "line1\nline2 \"quoted\" back\\slash\ttab \\$kept");
}

TEST(EnvFileTest, CommentMayFollowAClosingQuote) {
  const EnvFile f = Parse("A=\"x\"   # note\nB='y' #note\n");
  EXPECT_THAT(f.errors, IsEmpty());
  EXPECT_EQ(f.values.at("A"), "x");
  EXPECT_EQ(f.values.at("B"), "y");
}

TEST(EnvFileTest, UnquotedValueEndsAtCommentAfterWhitespace) {
  const EnvFile f = Parse("MONTH_COST=1,2,3 # prices\nPASSWORD=pa#ss\n");
  EXPECT_THAT(f.errors, IsEmpty());
  EXPECT_EQ(f.values.at("MONTH_COST"), "1,2,3");
  EXPECT_EQ(f.values.at("PASSWORD"), "pa#ss");
}

TEST(EnvFileTest, EmptyValuesAreKept) {
  const EnvFile f = Parse("A=\nB=\"\"\nC=''\n");
  EXPECT_THAT(f.errors, IsEmpty());
  EXPECT_THAT(f.values, ElementsAre(Pair("A", ""), Pair("B", ""), Pair("C", "")));
}

TEST(EnvFileTest, ValueMayContainEqualsSigns) {
  const EnvFile f = Parse("DATABASE_URL=postgres://h/db?sslmode=require\n");
  EXPECT_EQ(f.values.at("DATABASE_URL"), "postgres://h/db?sslmode=require");
}

TEST(EnvFileTest, HandlesCrLfBomAndMissingFinalNewline) {
  const EnvFile f = Parse(
      "\xEF\xBB\xBF"
      "A=1\r\nB=2");
  EXPECT_THAT(f.errors, IsEmpty());
  EXPECT_THAT(f.values, ElementsAre(Pair("A", "1"), Pair("B", "2")));
}

TEST(EnvFileTest, LaterDefinitionWins) {
  const EnvFile f = Parse("A=1\nA=2\n");
  EXPECT_EQ(f.values.at("A"), "2");
}

TEST(EnvFileTest, MalformedLinesAreReportedWithFileAndLineNumber) {
  const EnvFile f = Parse(
      "GOOD=1\n"                   // 1
      "# comment\n"                // 2
      "JUST_A_WORD\n"              // 3
      "TG_TOKEN=\"12345:secret\n"  // 4
      "=value\n"                   // 5
      "1BAD=x\n"                   // 6
      "B='x' trailing\n"           // 7
      "C='open\n"                  // 8
      "ALSO_GOOD=2\n");            // 9
  ASSERT_EQ(f.errors.size(), 6u);
  EXPECT_EQ(f.errors[0].line, 3);
  EXPECT_EQ(f.errors[0].ToString(), "test.env:3: expected KEY=VALUE, found no '='");
  EXPECT_EQ(f.errors[1].line, 4);
  EXPECT_EQ(f.errors[1].ToString(), "test.env:4: expected a closing double quote");
  EXPECT_EQ(f.errors[2].line, 5);
  EXPECT_EQ(f.errors[3].line, 6);
  EXPECT_EQ(f.errors[4].line, 7);
  EXPECT_THAT(f.errors[4].expected, HasSubstr("comment after the closing quote"));
  EXPECT_EQ(f.errors[5].line, 8);
  EXPECT_EQ(f.errors[5].expected, "a closing single quote");
  for (const auto& e : f.errors) EXPECT_EQ(e.path, "test.env");
  // The good lines around the bad ones still count.
  EXPECT_THAT(f.values, ElementsAre(Pair("ALSO_GOOD", "2"), Pair("GOOD", "1")));
}

TEST(EnvFileTest, ErrorsNeverEchoTheValue) {
  const EnvFile f = Parse("TG_TOKEN=\"12345:supersecret\nTG_TOKEN 12345:supersecret\n99:raw\n");
  ASSERT_EQ(f.errors.size(), 3u);
  EXPECT_EQ(f.errors[0].masked_line, "TG_TOKEN=****");
  EXPECT_EQ(f.errors[1].masked_line, "TG_TOKEN ****");
  EXPECT_EQ(f.errors[2].masked_line, "****");
  for (const auto& e : f.errors) {
    EXPECT_THAT(e.ToString(), Not(HasSubstr("supersecret")));
    EXPECT_THAT(e.masked_line, Not(HasSubstr("supersecret")));
  }
}

class EnvFileOnDiskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("vpnhub_env_file_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(EnvFileOnDiskTest, MissingFileIsEmptyNotAnError) {
  const EnvFile f = ReadEnvFile((dir_ / "absent.env").string());
  EXPECT_THAT(f.values, IsEmpty());
  EXPECT_THAT(f.errors, IsEmpty());
}

TEST_F(EnvFileOnDiskTest, ReadsAFile) {
  const auto path = (dir_ / ".env").string();
  std::ofstream(path) << "NAME='My VPN'\nbroken\n";
  const EnvFile f = ReadEnvFile(path);
  EXPECT_THAT(f.values, ElementsAre(Pair("NAME", "My VPN")));
  ASSERT_EQ(f.errors.size(), 1u);
  EXPECT_EQ(f.errors[0].ToString(), path + ":2: expected KEY=VALUE, found no '='");
}

TEST_F(EnvFileOnDiskTest, ADirectoryIsAnError) {
  const EnvFile f = ReadEnvFile(dir_.string());
  ASSERT_EQ(f.errors.size(), 1u);
  EXPECT_EQ(f.errors[0].line, 0);
  EXPECT_THAT(f.errors[0].expected, HasSubstr("directory"));
}

}  // namespace
}  // namespace vpnhub::app
