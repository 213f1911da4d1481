#include <gtest/gtest.h>

#include <set>

#include "vpn/wireguard/tunnel.hpp"

namespace vpnhub::vpn::wireguard {
namespace {

Tunnel Parse(const std::string& cidr) {
  auto t = ParseTunnel(cidr);
  EXPECT_TRUE(t.ok()) << cidr << ": " << t.status().message();
  return t.ok() ? *t : Tunnel{};
}

std::string At(const Tunnel& t, int slot) {
  auto a = SlotAddress(t, slot);
  EXPECT_TRUE(a.ok()) << slot << ": " << a.status().message();
  return a.ok() ? *a : "";
}

TEST(WgTunnel, Slash24WithTheInterfaceFirst) {
  Tunnel t = Parse("10.8.0.1/24");
  EXPECT_EQ(FreeAddresses(t), 253);
  EXPECT_EQ(At(t, 0), "10.8.0.2/32");
  EXPECT_EQ(At(t, 1), "10.8.0.3/32");
  EXPECT_EQ(At(t, 252), "10.8.0.254/32");
  EXPECT_FALSE(SlotAddress(t, 253).ok());
  EXPECT_FALSE(SlotAddress(t, -1).ok());
}

TEST(WgTunnel, TheInterfaceAddressIsSkippedWhereverItIs) {
  Tunnel mid = Parse("10.8.0.100/24");
  EXPECT_EQ(At(mid, 0), "10.8.0.1/32");
  EXPECT_EQ(At(mid, 98), "10.8.0.99/32");
  EXPECT_EQ(At(mid, 99), "10.8.0.101/32");
  EXPECT_EQ(At(mid, 252), "10.8.0.254/32");

  Tunnel last = Parse("10.8.0.254/24");
  EXPECT_EQ(At(last, 0), "10.8.0.1/32");
  EXPECT_EQ(At(last, 252), "10.8.0.253/32");
  EXPECT_FALSE(SlotAddress(last, 253).ok());
}

TEST(WgTunnel, EverySlotOfASmallTunnelIsDistinctAndNeverReserved) {
  Tunnel t = Parse("192.168.7.9/28");  // 192.168.7.0 .. .15
  EXPECT_EQ(FreeAddresses(t), 13);
  std::set<std::string> seen;
  for (int s = 0; s < 13; ++s) seen.insert(At(t, s));
  EXPECT_EQ(seen.size(), 13u);
  EXPECT_EQ(seen.count("192.168.7.0/32"), 0u);
  EXPECT_EQ(seen.count("192.168.7.15/32"), 0u);
  EXPECT_EQ(seen.count("192.168.7.9/32"), 0u);
}

TEST(WgTunnel, Slash16CrossesOctets) {
  Tunnel t = Parse("172.16.0.1/16");
  EXPECT_EQ(FreeAddresses(t), 65533);
  EXPECT_EQ(At(t, 0), "172.16.0.2/32");
  EXPECT_EQ(At(t, 253), "172.16.0.255/32");
  EXPECT_EQ(At(t, 254), "172.16.1.0/32");
  EXPECT_EQ(At(t, 65532), "172.16.255.254/32");
  EXPECT_FALSE(SlotAddress(t, 65533).ok());
}

TEST(WgTunnel, TheSmallestTunnelHoldsOneKey) {
  Tunnel t = Parse("10.0.0.1/30");
  EXPECT_EQ(FreeAddresses(t), 1);
  EXPECT_EQ(At(t, 0), "10.0.0.2/32");
  EXPECT_FALSE(SlotAddress(t, 1).ok());
}

TEST(WgTunnel, AHostAddressWithANetworkPrefixBitsSetIsMasked) {
  Tunnel t = Parse("10.8.3.1/22");  // network 10.8.0.0
  EXPECT_EQ(FormatIpv4(t.network), "10.8.0.0");
  EXPECT_EQ(At(t, 0), "10.8.0.1/32");
  EXPECT_EQ(FreeAddresses(t), 1021);
}

TEST(WgTunnel, RefusesWhatIsNotAnIpv4TunnelWithRoomForKeys) {
  for (const char* bad :
       {"", "10.8.0.1", "10.8.0.1/", "10.8.0.1/33", "10.8.0.1/-1", "10.8.0.1/x", "10.8.0.1/31",
        "10.8.0.1/32", "10.8.0.1/0", "10.8.0.0/24", "10.8.0.255/24", "fd00::1/64",
        "vpn.example.com/24", "10.8.0/24", "10.8.0.1/024"}) {
    auto t = ParseTunnel(bad);
    EXPECT_FALSE(t.ok()) << bad;
    if (!t.ok()) {
      EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument) << bad;
    }
  }
  EXPECT_NE(ParseTunnel("fd00::1/64").status().message().find("IPv6"), std::string::npos);
}

}  // namespace
}  // namespace vpnhub::vpn::wireguard
