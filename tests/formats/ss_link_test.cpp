#include "formats/ss_link.hpp"

#include <gtest/gtest.h>

#include <string>

namespace vpnhub::formats {
namespace {

TEST(Base64UrlNoPad, MatchesTheSip002VectorForMethodAndPassword) {
  EXPECT_EQ(Base64UrlNoPad("chacha20-ietf-poly1305:s3cretPass"),
            "Y2hhY2hhMjAtaWV0Zi1wb2x5MTMwNTpzM2NyZXRQYXNz");
}

TEST(Base64UrlNoPad, UsesTheUrlAlphabetAndDropsPadding) {
  EXPECT_EQ(Base64UrlNoPad("\xfb\xff\xfe"), "-__-");  // standard base64 would be "+//+"
  EXPECT_EQ(Base64UrlNoPad("\xff\xef"), "_-8");       // "_-8=" with padding
  EXPECT_EQ(Base64UrlNoPad(""), "");
  EXPECT_EQ(Base64UrlNoPad("a"), "YQ");
  EXPECT_EQ(Base64UrlNoPad("ab"), "YWI");
  EXPECT_EQ(Base64UrlNoPad("abc"), "YWJj");
  EXPECT_EQ(Base64UrlNoPad("aes-256-gcm:pw"), "YWVzLTI1Ni1nY206cHc");
}

TEST(PercentEncode, KeepsOnlyUnreservedCharacters) {
  EXPECT_EQ(PercentEncode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(PercentEncode("/?#[]@!$&'()*+,;=% "),
            "%2F%3F%23%5B%5D%40%21%24%26%27%28%29%2A%2B%2C%3B%3D%25%20");
}

TEST(PercentEncode, EncodesUtf8BytesWithUpperCaseHex) {
  EXPECT_EQ(PercentEncode("Ключ"), "%D0%9A%D0%BB%D1%8E%D1%87");
}

TEST(ShadowsocksLink, BuildsSip002LinkWithBase64UserinfoAndEncodedTag) {
  EXPECT_EQ(
      ShadowsocksLink("chacha20-ietf-poly1305", "s3cretPass", "vpn.example.com", 8388, "My Key #1"),
      "ss://Y2hhY2hhMjAtaWV0Zi1wb2x5MTMwNTpzM2NyZXRQYXNz@vpn.example.com:8388"
      "#My%20Key%20%231");
}

TEST(ShadowsocksLink, EncodesUnicodeTag) {
  EXPECT_EQ(ShadowsocksLink("aes-256-gcm", "pw", "1.2.3.4", 443, "Ключ"),
            "ss://YWVzLTI1Ni1nY206cHc@1.2.3.4:443#%D0%9A%D0%BB%D1%8E%D1%87");
}

TEST(ShadowsocksLink, ShareLinkNameIsOneEncodedFragment) {
  // "NAME | location": the space and the bar are encoded, so a client shows the name whole.
  EXPECT_EQ(ShadowsocksLink("aes-256-gcm", "pw", "vpn.example.com", 443, "My VPN | Амстердам"),
            "ss://YWVzLTI1Ni1nY206cHc@vpn.example.com:443"
            "#My%20VPN%20%7C%20%D0%90%D0%BC%D1%81%D1%82%D0%B5%D1%80%D0%B4%D0%B0%D0%BC");
  EXPECT_EQ(ShadowsocksLink("aes-256-gcm", "pw", "h", 1, "a#b@c/d?e"),
            "ss://YWVzLTI1Ni1nY206cHc@h:1#a%23b%40c%2Fd%3Fe");
}

TEST(ShadowsocksLink, PutsIpv6HostInBracketsOnce) {
  EXPECT_EQ(ShadowsocksLink("aes-256-gcm", "pw", "2001:db8::1", 8388, "k"),
            "ss://YWVzLTI1Ni1nY206cHc@[2001:db8::1]:8388#k");
  EXPECT_EQ(ShadowsocksLink("aes-256-gcm", "pw", "[2001:db8::1]", 8388, "k"),
            "ss://YWVzLTI1Ni1nY206cHc@[2001:db8::1]:8388#k");
}

TEST(ShadowsocksLink, Sip022MethodGetsPercentEncodedUserinfo) {
  // The example of shadowsocks.org/doc/sip002.html.
  EXPECT_EQ(ShadowsocksLink("2022-blake3-aes-128-gcm",
                            "YctPZ6U7xPPcU+gp3u+0tx/tRizJN9K8y+uKlW2qjlI=", "192.168.100.1", 8888,
                            "Example3"),
            "ss://2022-blake3-aes-128-gcm:YctPZ6U7xPPcU%2Bgp3u%2B0tx%2FtRizJN9K8y%2BuKlW2qjlI%3D"
            "@192.168.100.1:8888#Example3");
}

TEST(ShadowsocksLink, EmptyTagLeavesOutTheFragment) {
  EXPECT_EQ(ShadowsocksLink("aes-256-gcm", "pw", "h", 1, ""), "ss://YWVzLTI1Ni1nY206cHc@h:1");
}

TEST(ShadowsocksLink, UserinfoHasNoBase64PaddingOrUnsafeCharacters) {
  for (std::string pw : {"a", "ab", "abc", "abcd", "\xff\xfe\xfd"}) {
    const std::string link = ShadowsocksLink("aes-128-gcm", pw, "h", 1, "");
    const std::string userinfo = link.substr(5, link.find('@') - 5);
    EXPECT_EQ(userinfo.find_first_of("=+/"), std::string::npos) << link;
  }
}

}  // namespace
}  // namespace vpnhub::formats
