// Outline access URLs with the share name as their fragment.
#include "formats/outline_link.hpp"

#include <gtest/gtest.h>

#include "formats/share_name.hpp"

namespace vpnhub::formats {
namespace {

// backends.md §1: chacha20-ietf-poly1305:s3cretPass as Outline's SIP002_URI.stringify writes it.
constexpr const char* kAccessUrl =
    "ss://Y2hhY2hhMjAtaWV0Zi1wb2x5MTMwNTpzM2NyZXRQYXNz@203.0.113.7:41000/?outline=1";

TEST(OutlineAccessLink, KeepsTheUrlAndAddsTheShareNameAsFragment) {
  auto link = OutlineAccessLink(kAccessUrl, ShareLinkName("VPNHub", "Амстердам 1"));
  ASSERT_TRUE(link.ok()) << link.status().ToString();
  EXPECT_EQ(*link,
            std::string(kAccessUrl) +
                "#VPNHub%20%7C%20%D0%90%D0%BC%D1%81%D1%82%D0%B5%D1%80%D0%B4%D0%B0%D0%BC%201");
}

TEST(OutlineAccessLink, ReplacesAFragmentAndLeavesItOutForNoName) {
  auto replaced = OutlineAccessLink(std::string(kAccessUrl) + "#old name", "new");
  ASSERT_TRUE(replaced.ok());
  EXPECT_EQ(*replaced, std::string(kAccessUrl) + "#new");
  auto bare = OutlineAccessLink(std::string(kAccessUrl) + "#old", "");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(*bare, kAccessUrl);
}

TEST(OutlineAccessLink, TakesDynamicKeys) {
  auto link = OutlineAccessLink("ssconf://keys.example.com/abc", "n");
  ASSERT_TRUE(link.ok());
  EXPECT_EQ(*link, "ssconf://keys.example.com/abc#n");
}

TEST(OutlineAccessLink, RefusesWhatIsNotAnAccessUrl) {
  for (const char* bad : {"", "ss://", "ssconf://", "https://x/y", "vless://a@b:1",
                          "ss://abc@h:1/?outline=1\n", "ss://a b@h:1", "ss://\x01@h:1"}) {
    EXPECT_EQ(OutlineAccessLink(bad, "n").status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace vpnhub::formats
