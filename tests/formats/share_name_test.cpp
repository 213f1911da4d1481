#include "formats/share_name.hpp"

#include <gtest/gtest.h>

namespace vpnhub::formats {
namespace {

TEST(ShareLinkName, IsTheBrandAndTheLocation) {
  EXPECT_EQ(ShareLinkName("VPNHub", "Amsterdam"), "VPNHub | Amsterdam");
  EXPECT_EQ(ShareLinkName("", "Amsterdam"), "Amsterdam");
  EXPECT_EQ(ShareLinkName("VPNHub", ""), "VPNHub");
}

}  // namespace
}  // namespace vpnhub::formats
