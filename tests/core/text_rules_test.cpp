#include "core/text_rules.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace vpnhub {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

Status Name(const std::string& text) { return CheckName("location name", text); }

TEST(CheckText, AcceptsOrdinaryNamesInAnyScript) {
  for (const std::string ok : {"Amsterdam", "Нидерланды", "東京 2", "São Paulo", "a", "x-1_y.z",
                               "Emoji 🇳🇱", "Tab\u00adless"}) {
    EXPECT_TRUE(Name(ok).ok()) << ok << ": " << Name(ok).ToString();
  }
}

TEST(CheckText, RefusesEmpty) {
  Status st = Name("");
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(st.message(), HasSubstr("location name must not be empty"));
}

TEST(CheckText, RefusesEveryKindOfControlCharacterAndNamesIt) {
  struct Case {
    std::string text;
    const char* code_point;
  };
  const Case cases[] = {
      {"Ams\tterdam", "U+0009"},          {"Ams\nterdam", "U+000A"},
      {"Ams\rterdam", "U+000D"},          {"\x1b[31mRed", "U+001B"},
      {std::string("a\0b", 3), "U+0000"}, {"Ams\x7fterdam", "U+007F"},
      {"Ams\u0085terdam", "U+0085"},      {"Ams\u009bterdam", "U+009B"},
      {"Ams\u2028terdam", "U+2028"},      {"Ams\u202eterdam", "U+202E"},
      {"Ams\u2066terdam", "U+2066"},      {"Ams\u200fterdam", "U+200F"},
  };
  for (const Case& c : cases) {
    Status st = Name(c.text);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << c.code_point;
    EXPECT_THAT(st.message(), HasSubstr("location name must not contain control characters"));
    EXPECT_THAT(st.message(), HasSubstr(c.code_point));
    // The message itself never carries the raw character.
    EXPECT_EQ(Quoted(st.message(), 1000), "\"" + st.message() + "\"") << st.message();
  }
}

TEST(CheckText, RefusesInvalidUtf8) {
  const std::string cases[] = {
      "\xff",              // never a UTF-8 byte
      "Oslo\xc3",          // a sequence cut short
      "\xc3\x28",          // a bad continuation byte
      "\xc0\xaf",          // an overlong '/'
      "\xe0\x80\xaf",      // an overlong '/' in three bytes
      "\xed\xa0\x80",      // a UTF-16 surrogate
      "\xf4\x90\x80\x80",  // past U+10FFFF
      "\x80",              // a stray continuation byte
  };
  for (const std::string& text : cases) {
    Status st = Name(text);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << Quoted(text);
    EXPECT_THAT(st.message(), HasSubstr("location name is not valid UTF-8")) << Quoted(text);
  }
}

TEST(CheckText, RefusesBlanksAtEitherEndOnly) {
  for (const std::string bad : {" Oslo", "Oslo ", "\u00a0Oslo", "Oslo\u3000", "\u2003Oslo"}) {
    Status st = Name(bad);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << Quoted(bad);
    EXPECT_THAT(st.message(), HasSubstr("must not begin or end with a blank")) << Quoted(bad);
  }
  EXPECT_TRUE(Name("New York").ok());
  EXPECT_TRUE(Name("New\u00a0York").ok());
}

TEST(CheckText, CountsTheLimitInCharactersNotBytes) {
  const std::string cyrillic_64 = [] {
    std::string s;
    for (int i = 0; i < 64; ++i) s += "я";  // 2 bytes each: 128 bytes
    return s;
  }();
  EXPECT_TRUE(Name(cyrillic_64).ok()) << Name(cyrillic_64).ToString();
  Status st = Name(cyrillic_64 + "я");
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(st.message(), HasSubstr("at most 64 characters, got 65"));
  EXPECT_TRUE(Name(std::string(64, 'a')).ok());
  EXPECT_FALSE(Name(std::string(65, 'a')).ok());
  EXPECT_EQ(Utf8Length(cyrillic_64), 64u);
  EXPECT_EQ(Utf8Length("🇳🇱"), 2u);
  EXPECT_EQ(Utf8Length("\xff"), std::nullopt);
}

TEST(Quoted, EscapesWhatATerminalWouldObey) {
  EXPECT_EQ(Quoted("Oslo"), "\"Oslo\"");
  EXPECT_EQ(Quoted("a\tb\nc"), "\"a\\tb\\nc\"");
  EXPECT_EQ(Quoted("\x1b[2J"), "\"\\u{001B}[2J\"");
  EXPECT_EQ(Quoted("x\xffy"), "\"x\\xFFy\"");
  EXPECT_EQ(Quoted("say \"hi\" \\"), "\"say \\\"hi\\\" \\\\\"");
  EXPECT_EQ(Quoted("Нидерланды"), "\"Нидерланды\"");
  EXPECT_EQ(Quoted("abcdef", 3), "\"abc...\"");
  EXPECT_EQ(Escaped("Oslo\x1b[31m\xff \"x\""), "Oslo\\u{001B}[31m\\xFF \"x\"");
  EXPECT_THAT(Escaped("a\u202eb"), Not(HasSubstr("\u202e")));
}

TEST(HtmlText, EscapesWhatTelegramHtmlReadsAsMarkupAndNothingElse) {
  EXPECT_EQ(HtmlText("A <b>&</b> \"q\" 'x' Амстердам"),
            "A &lt;b&gt;&amp;&lt;/b&gt; \"q\" 'x' Амстердам");
  EXPECT_EQ(HtmlText(""), "");
}

}  // namespace
}  // namespace vpnhub
