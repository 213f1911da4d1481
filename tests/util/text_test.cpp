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

TEST(JsonQuoteTest, ShortEscapesForBackspaceAndFormFeedAndDelAsItIs) {
  EXPECT_EQ(JsonQuote("\b\f\r\x1f\x7f"), "\"\\b\\f\\r\\u001f\x7f\"");
}

TEST(JsonQuoteTest, KeepsFourByteUtf8AndRejectsOverlongAndSurrogates) {
  EXPECT_EQ(JsonQuote("\xF0\x9F\x9A\x80"), "\"\xF0\x9F\x9A\x80\"");   // U+1F680
  EXPECT_EQ(JsonQuote("\xC0\xAF"), "\"\\ufffd\\ufffd\"");             // overlong '/'
  EXPECT_EQ(JsonQuote("\xED\xA0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");  // a surrogate
  EXPECT_EQ(JsonQuote("\xE2\x82"), "\"\\ufffd\\ufffd\"");             // cut short
}

// Log text values and configuration error lines: one line, quotes escaped, bytes kept.
TEST(EscapedTest, LineEscapesControlsAndDelAsHexAndKeepsOtherBytes) {
  EXPECT_EQ(Escaped("a \"b\"\nc\\d\x01", EscapeStyle::kLine), "a \\\"b\\\"\\nc\\\\d\\x01");
  EXPECT_EQ(Escaped("\t\r\b\f\x7f", EscapeStyle::kLine), "\\t\\r\\x08\\x0c\\x7f");
  EXPECT_EQ(Escaped("\xff\xd0\x9f", EscapeStyle::kLine), "\xff\xd0\x9f");  // not UTF-8 checked
}

TEST(EscapedTest, LineKeepQuotesLeavesQuotesAndBackslashes) {
  EXPECT_EQ(Escaped("say \"hi\" \\ \n\x02", EscapeStyle::kLineKeepQuotes),
            "say \"hi\" \\ \\n\\x02");
}

TEST(EscapedTest, JsonStyleIsTheInsideOfJsonQuote) {
  const std::string nasty = "q\"b\\n\nt\tc\x01u\xffv";
  EXPECT_EQ("\"" + Escaped(nasty, EscapeStyle::kJson) + "\"", JsonQuote(nasty));
  std::string out = "x=";
  AppendEscaped(out, "", EscapeStyle::kLine);
  EXPECT_EQ(out, "x=");
}

TEST(EqualsIgnoreCaseTest, ComparesAsciiLetters) {
  EXPECT_TRUE(EqualsIgnoreCase("Content-Length", "content-length"));
  EXPECT_FALSE(EqualsIgnoreCase("Host", "Hosts"));
  EXPECT_FALSE(EqualsIgnoreCase("a", "b"));
}

}  // namespace
}  // namespace vpnhub::util
