#include "util/text.hpp"

#include <gtest/gtest.h>

namespace vpnhub::util {
namespace {

TEST(JsonQuoteTest, EscapesControlAndQuoteCharacters) {
  EXPECT_EQ(JsonQuote(""), "\"\"");
  EXPECT_EQ(JsonQuote("a\"b\\c\n\t\x01"), "\"a\\\"b\\\\c\\n\\t\\u0001\"");
  EXPECT_EQ(JsonQuote("привет"), "\"привет\"");
}

TEST(JsonQuoteTest, ReplacesInvalidUtf8) { EXPECT_EQ(JsonQuote("a\xff"), "\"a\\ufffd\""); }

TEST(EqualsIgnoreCaseTest, ComparesAsciiLetters) {
  EXPECT_TRUE(EqualsIgnoreCase("Content-Length", "content-length"));
  EXPECT_FALSE(EqualsIgnoreCase("Host", "Hosts"));
  EXPECT_FALSE(EqualsIgnoreCase("a", "b"));
}

}  // namespace
}  // namespace vpnhub::util
