// The UAPI client against a fake wireguard-go socket: parsing get=1, writing set=1, errors and
// the deadline.
#include "node/uapi_client.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "fakes/fake_uapi.hpp"

namespace vpnhub::node {
namespace {

using namespace std::chrono_literals;
using testing::FakeUapi;

// RFC 7748 §6.1: Alice's X25519 private key and the public key it gives.
constexpr char kPrivHex[] = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
constexpr char kPubHex[] = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
const std::string kPeerA(64, 'a');
const std::string kPeerB(64, 'b');
const std::string kPsk = "0102030405060708091011121314151617181920212223242526272829303132";

std::string SocketPath(const char* name) {
  return (std::filesystem::temp_directory_path() /
          ("vpnhub_uapi_" + std::to_string(::getpid()) + "_" + name + ".sock"))
      .string();
}

TEST(UapiClientTest, GetReadsTheInterfaceAndDerivesItsPublicKey) {
  FakeUapi fake(SocketPath("get"));
  ASSERT_TRUE(fake.ok());
  fake.set_private_key(kPrivHex);
  fake.set_listen_port(51820);
  fake.AddPeer({kPeerA, kPsk, {"10.8.0.2/32"}, 100, 200, 1700000000});
  fake.AddPeer({kPeerB, std::string(64, '0'), {"10.8.0.3/32", "fd00::3/128"}, 0, 0, 0});

  UapiClient client(fake.path(), 2000ms);
  auto wg = client.Get();
  ASSERT_TRUE(wg.ok()) << wg.status().ToString();
  ASSERT_TRUE(wg->public_key);
  EXPECT_EQ(KeyToHex(*wg->public_key), kPubHex);
  EXPECT_EQ(wg->listen_port, 51820);
  ASSERT_EQ(wg->peers.size(), 2u);
  EXPECT_EQ(KeyToHex(wg->peers[0].public_key), kPeerA);
  ASSERT_TRUE(wg->peers[0].preshared_key);
  EXPECT_EQ(KeyToHex(*wg->peers[0].preshared_key), kPsk);
  EXPECT_EQ(wg->peers[0].allowed_ips, std::vector<std::string>{"10.8.0.2/32"});
  EXPECT_EQ(wg->peers[0].rx_bytes, 100u);
  EXPECT_EQ(wg->peers[0].tx_bytes, 200u);
  EXPECT_EQ(wg->peers[0].last_handshake_sec, 1700000000);
  EXPECT_FALSE(wg->peers[1].preshared_key);
  EXPECT_EQ(wg->peers[1].allowed_ips.size(), 2u);
}

TEST(UapiClientTest, AnInterfaceWithoutAPrivateKeyHasNoPublicKey) {
  FakeUapi fake(SocketPath("nokey"));
  UapiClient client(fake.path(), 2000ms);
  auto wg = client.Get();
  ASSERT_TRUE(wg.ok());
  EXPECT_FALSE(wg->public_key);
  EXPECT_TRUE(wg->peers.empty());
}

TEST(UapiClientTest, SetPeerAddsThenReplacesAndRemoveIsIdempotent) {
  FakeUapi fake(SocketPath("set"));
  UapiClient client(fake.path(), 2000ms);
  auto a = KeyFromHex(kPeerA);
  ASSERT_TRUE(a);
  ASSERT_TRUE(client.SetPeer({*a, KeyFromHex(kPsk), {"10.8.0.2/32"}}).ok());
  auto peers = fake.peers();
  ASSERT_EQ(peers.size(), 1u);
  EXPECT_EQ(peers[0].preshared_key, kPsk);
  EXPECT_EQ(peers[0].allowed_ips, std::vector<std::string>{"10.8.0.2/32"});

  ASSERT_TRUE(client.SetPeer({*a, std::nullopt, {"10.8.0.9/32"}}).ok());
  peers = fake.peers();
  ASSERT_EQ(peers.size(), 1u);
  EXPECT_EQ(peers[0].preshared_key, std::string(64, '0'));
  EXPECT_EQ(peers[0].allowed_ips, std::vector<std::string>{"10.8.0.9/32"});

  ASSERT_TRUE(client.RemovePeer(*a).ok());
  EXPECT_TRUE(fake.peers().empty());
  ASSERT_TRUE(client.RemovePeer(*a).ok());
  EXPECT_TRUE(fake.peers().empty());
}

TEST(UapiClientTest, ErrnoRepliesBecomeStatuses) {
  FakeUapi fake(SocketPath("errno"));
  UapiClient client(fake.path(), 2000ms);
  auto a = *KeyFromHex(kPeerA);
  fake.set_set_errno(-22);
  EXPECT_EQ(client.SetPeer({a, std::nullopt, {"10.8.0.2/32"}}).code(),
            StatusCode::kInvalidArgument);
  fake.set_set_errno(-5);
  EXPECT_EQ(client.RemovePeer(a).code(), StatusCode::kInternal);
}

TEST(UapiClientTest, AMissingSocketIsUnavailable) {
  UapiClient client(SocketPath("missing"), 2000ms);
  auto wg = client.Get();
  ASSERT_FALSE(wg.ok());
  EXPECT_EQ(wg.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(wg.status().retryable());
}

TEST(UapiClientTest, ASilentSocketHitsTheDeadline) {
  FakeUapi fake(SocketPath("hang"));
  fake.set_hang(true);
  UapiClient client(fake.path(), 200ms);
  auto start = std::chrono::steady_clock::now();
  auto wg = client.Get();
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(wg.ok());
  EXPECT_EQ(wg.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_GE(took, 190ms);
  EXPECT_LT(took, 2s);
}

TEST(UapiClientTest, KeysConvertBetweenHexAndBase64) {
  auto k = KeyFromHex(kPubHex);
  ASSERT_TRUE(k);
  EXPECT_EQ(KeyToBase64(*k), "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=");
  EXPECT_EQ(KeyFromBase64("hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo="), k);
  EXPECT_EQ(KeyFromHex(std::string(kPubHex).substr(0, 62)), std::nullopt);
  EXPECT_EQ(KeyFromHex(std::string(63, 'a') + "g"), std::nullopt);
  EXPECT_EQ(KeyFromBase64("hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTm=="), std::nullopt);
  EXPECT_EQ(KeyFromBase64("not a key"), std::nullopt);
  EXPECT_TRUE(ValidInterfaceName("wg0"));
  EXPECT_FALSE(ValidInterfaceName("wg0/../x"));
  EXPECT_FALSE(ValidInterfaceName("a-name-too-long-for-linux"));
}

}  // namespace
}  // namespace vpnhub::node
