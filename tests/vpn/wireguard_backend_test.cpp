// WireguardBackend and PrepareServer against tests/servers/node/fake_node.py: the node's HTTPS API
// with a pinned self-signed certificate and a bearer token.
#include "vpn/wireguard/wireguard_backend.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>

#include "fakes/fake_secrets.hpp"
#include "vpn/fake_node_process.hpp"
#include "vpn/wireguard/wg_keys.hpp"

namespace vpnhub::vpn::wireguard {
namespace {

using test::FakeNodeProcess;
using Clock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds kDeadline(500);
constexpr std::chrono::milliseconds kSlack(1000);
const std::string kOtherPin(64, 'a');

class WireguardBackendTest : public ::testing::Test {
 protected:
  Key NewKey(int slot) {
    Key k;
    k.id = 100 + slot;
    k.slot = slot;
    k.remote_name = "vpnhub-" + std::to_string(slot);
    k.secret = backend_.NewSecret(secrets_);
    return k;
  }
  static std::string PublicOf(const Key& key) {
    auto c = ParseCredential(key.secret);
    EXPECT_TRUE(c.ok());
    return *PublicKeyOf(c->private_key);
  }
  static std::string HexOf(const Key& key) { return KeyToHex(*KeyFromBase64(PublicOf(key))); }
  // The fake's peer with `public_key` (base64); null when there is none.
  nlohmann::json PeerOf(const std::string& public_key) {
    for (const auto& p : node_.Peers()) {
      if (p["public_key"] == public_key) return p;
    }
    return nullptr;
  }

  FakeNodeProcess node_;
  fakes::FakeSecrets secrets_;
  WireguardBackend backend_{kDeadline, "1.1.1.1"};
};

// A server as `server add` hands it to PrepareServer: the three flags' settings only.
Server AsAdded(const FakeNodeProcess& node, int capacity = 10) {
  Server s;
  s.kind = "wireguard";
  s.name = "wg-1";
  s.capacity = capacity;
  s.settings = {{"node", node.url()}, {"cert_sha256", node.cert_sha256()}, {"token", node.token()}};
  return s;
}

TEST_F(WireguardBackendTest, PrepareServerStoresWhatTheNodeSaysAboutItsInterface) {
  Server s = AsAdded(node_);
  ASSERT_TRUE(PrepareServer(kDeadline, s).ok());
  EXPECT_EQ(s.settings["public_key"], node_.public_key());
  EXPECT_EQ(s.settings["listen_port"], "51820");
  EXPECT_EQ(s.settings["endpoint"], "vpn.example.com:51820");
  EXPECT_EQ(s.settings["tunnel"], "10.8.0.1/24");
  EXPECT_EQ(s.public_host, "vpn.example.com");
  EXPECT_TRUE(backend_.ValidateSettings(s).ok());

  Server given = AsAdded(node_);
  given.public_host = "other.example.com";
  ASSERT_TRUE(PrepareServer(kDeadline, given).ok());
  EXPECT_EQ(given.public_host, "other.example.com");
}

TEST_F(WireguardBackendTest, PrepareServerTakesTheHostOfAnIpv6Endpoint) {
  FakeNodeProcess::Options options;
  options.endpoint = "[2001:db8::7]:443";
  FakeNodeProcess v6(options);
  Server s = AsAdded(v6);
  ASSERT_TRUE(PrepareServer(kDeadline, s).ok());
  EXPECT_EQ(s.public_host, "2001:db8::7");
}

TEST_F(WireguardBackendTest, PrepareServerRefusesANodeThatRefusesTheToken) {
  Server s = AsAdded(node_);
  s.settings["token"] = "not-the-token";
  Status st = PrepareServer(kDeadline, s);
  EXPECT_EQ(st.code(), StatusCode::kPermissionDenied) << st.ToString();
  EXPECT_FALSE(st.retryable());
  EXPECT_EQ(s.settings.count("public_key"), 0u) << "nothing is stored from a refused call";
  EXPECT_EQ(st.message().find("not-the-token"), std::string::npos);
  EXPECT_EQ(st.message().find(node_.token()), std::string::npos);
}

TEST_F(WireguardBackendTest, PrepareServerRefusesACertificateWithAnotherFingerprint) {
  Server s = AsAdded(node_);
  s.settings["cert_sha256"] = kOtherPin;
  const int before = node_.Requests();
  Status st = PrepareServer(kDeadline, s);
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition) << st.ToString();
  EXPECT_FALSE(st.retryable());
  EXPECT_EQ(node_.Requests(), before) << "no request reaches a node with another certificate";
}

TEST_F(WireguardBackendTest, PrepareServerRefusesAnUnreachableNode) {
  Server s = AsAdded(node_);
  node_.Stop();
  Status st = PrepareServer(kDeadline, s);
  EXPECT_EQ(st.code(), StatusCode::kUnavailable) << st.ToString();
  EXPECT_EQ(s.settings.count("tunnel"), 0u);
}

TEST_F(WireguardBackendTest, PrepareServerRefusesACapacityLargerThanTheTunnel) {
  FakeNodeProcess::Options options;
  options.tunnel = "10.7.0.1/29";  // 8 addresses: 5 for keys
  FakeNodeProcess small(options);
  Server fits = AsAdded(small, 5);
  EXPECT_TRUE(PrepareServer(kDeadline, fits).ok());
  Server too_many = AsAdded(small, 6);
  Status st = PrepareServer(kDeadline, too_many);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << st.ToString();
  EXPECT_NE(st.message().find("5 addresses"), std::string::npos) << st.message();
  EXPECT_FALSE(backend_.ValidateSettings(small.MakeServer(6)).ok());
}

TEST_F(WireguardBackendTest, CreateKeyPutsThePeerWithItsPresharedKeyAndSlotAddress) {
  Key key = NewKey(3);
  ASSERT_TRUE(backend_.CreateKey(node_.MakeServer(), key).ok());
  auto peers = node_.Peers();
  ASSERT_EQ(peers.size(), 1u);
  EXPECT_EQ(peers[0]["public_key"], PublicOf(key));
  EXPECT_EQ(peers[0]["address"], "10.8.0.5/32");

  EXPECT_TRUE(backend_.CreateKey(node_.MakeServer(), key).ok()) << "a second create is success";
  EXPECT_EQ(node_.Peers().size(), 1u);
}

TEST_F(WireguardBackendTest, CreateKeyLeavesAnotherPeerOnTheSlotAddressAlone) {
  const std::string foreign(64, 'b');
  ASSERT_EQ(node_.Command("add " + foreign + " " + KeyToBase64(KeyBytes{}) + " 10.8.0.2/32"), "ok");
  Key key = NewKey(0);
  Status st = backend_.CreateKey(node_.MakeServer(), key);
  EXPECT_EQ(st.code(), StatusCode::kAlreadyExists) << st.ToString();
  EXPECT_FALSE(st.retryable());
  EXPECT_TRUE(PeerOf(PublicOf(key)).is_null());
  EXPECT_EQ(node_.Peers().size(), 1u);
}

TEST_F(WireguardBackendTest, DeleteKeyRemovesOnlyItsOwnPeerAndIsIdempotent) {
  Server server = node_.MakeServer();
  Key old_key = NewKey(0);
  ASSERT_TRUE(backend_.CreateKey(server, old_key).ok());
  ASSERT_TRUE(backend_.DeleteKey(server, old_key).ok());
  EXPECT_TRUE(node_.Peers().empty());
  EXPECT_TRUE(backend_.DeleteKey(server, old_key).ok()) << "deleting an absent key is success";

  Key new_key = NewKey(0);  // the same slot, a newer key
  ASSERT_TRUE(backend_.CreateKey(server, new_key).ok());
  EXPECT_TRUE(backend_.DeleteKey(server, old_key).ok());
  EXPECT_FALSE(PeerOf(PublicOf(new_key)).is_null()) << "an old key's delete took the new key";
}

TEST_F(WireguardBackendTest, ListKeysAndTrafficShowThePoolsPeersByPublicKey) {
  Server server = node_.MakeServer();
  Key a = NewKey(0);
  Key b = NewKey(1);
  ASSERT_TRUE(backend_.CreateKey(server, a).ok());
  ASSERT_TRUE(backend_.CreateKey(server, b).ok());
  // The operator's own peer routing a whole network is not one of the hub's keys.
  ASSERT_EQ(node_.Command("add " + std::string(64, 'c') + " " + KeyToBase64(KeyBytes{}) +
                          " 192.168.50.0/24"),
            "ok");
  ASSERT_EQ(node_.Command("traffic " + HexOf(a) + " 1000 234"), "ok");

  auto listed = backend_.ListKeys(server);
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  std::vector<std::string> ids;
  for (const auto& k : *listed) ids.push_back(k.remote_id);
  std::sort(ids.begin(), ids.end());
  std::vector<std::string> want = {PublicOf(a), PublicOf(b)};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(ids, want);

  auto traffic = backend_.Traffic(server);
  ASSERT_TRUE(traffic.ok()) << traffic.status().ToString();
  ASSERT_TRUE(traffic->has_value());
  ASSERT_EQ((*traffic)->size(), 2u);
  for (const auto& t : **traffic) {
    EXPECT_EQ(t.bytes, t.remote_id == PublicOf(a) ? 1234u : 0u) << t.remote_id;
  }
}

TEST_F(WireguardBackendTest, PingAnswersAndNoticesANewInterfaceKey) {
  Server server = node_.MakeServer();
  EXPECT_TRUE(backend_.Ping(server).ok());
  server.settings["public_key"] = KeyToBase64(KeyBytes{});
  Status st = backend_.Ping(server);
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition) << st.ToString();
}

TEST_F(WireguardBackendTest, ARefusedTokenIsPermanentEverywhere) {
  Server server = node_.MakeServer();
  ASSERT_EQ(node_.Command("token another"), "ok");
  Key key = NewKey(0);
  for (const Status& st : {backend_.Ping(server), backend_.CreateKey(server, key),
                           backend_.DeleteKey(server, key), backend_.ListKeys(server).status()}) {
    EXPECT_EQ(st.code(), StatusCode::kPermissionDenied) << st.ToString();
    EXPECT_FALSE(st.retryable());
    EXPECT_EQ(st.message().find(node_.token()), std::string::npos) << "the token leaked";
  }
}

TEST_F(WireguardBackendTest, AnotherCertificateIsPermanentAndNothingIsSent) {
  Server server = node_.MakeServer();
  server.settings["cert_sha256"] = kOtherPin;
  const int before = node_.Requests();
  Key key = NewKey(0);
  for (const Status& st : {backend_.Ping(server), backend_.CreateKey(server, key),
                           backend_.DeleteKey(server, key), backend_.ListKeys(server).status()}) {
    EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition) << st.ToString();
    EXPECT_FALSE(st.retryable());
  }
  EXPECT_EQ(node_.Requests(), before);
  EXPECT_TRUE(node_.Peers().empty());
}

TEST_F(WireguardBackendTest, ServerErrorsAndAnUnreachableNodeAreRetryable) {
  Server server = node_.MakeServer();
  Key key = NewKey(0);
  for (const char* code : {"500", "502", "503"}) {
    ASSERT_EQ(node_.Command(std::string("fail ") + code), "ok");
    Status st = backend_.CreateKey(server, key);
    EXPECT_EQ(st.code(), StatusCode::kUnavailable) << code << ": " << st.ToString();
    EXPECT_TRUE(st.retryable());
  }
  ASSERT_EQ(node_.Command("fail 400"), "ok");
  Status bad = backend_.CreateKey(server, key);
  EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument) << bad.ToString();
  EXPECT_FALSE(bad.retryable());
  ASSERT_EQ(node_.Command("fail 403"), "ok");
  EXPECT_EQ(backend_.Ping(server).code(), StatusCode::kPermissionDenied);
  ASSERT_EQ(node_.Command("fail off"), "ok");
  EXPECT_TRUE(backend_.CreateKey(server, key).ok());

  node_.Stop();
  Status down = backend_.Ping(server);
  EXPECT_EQ(down.code(), StatusCode::kUnavailable) << down.ToString();
  EXPECT_TRUE(down.retryable());
}

TEST_F(WireguardBackendTest, AHungNodeHitsTheDeadline) {
  Server server = node_.MakeServer();
  ASSERT_EQ(node_.Command("hang on"), "ok");
  const auto start = Clock::now();
  Status st = backend_.CreateKey(server, NewKey(0));
  const auto took = Clock::now() - start;
  EXPECT_EQ(st.code(), StatusCode::kDeadlineExceeded) << st.ToString();
  EXPECT_TRUE(st.retryable());
  EXPECT_LE(took, kDeadline + kSlack);
  ASSERT_EQ(node_.Command("hang off"), "ok");
  EXPECT_TRUE(backend_.Ping(server).ok());
}

TEST_F(WireguardBackendTest, AWireguardGoRestartLosesPeersAndCreateKeyPutsThemBack) {
  Server server = node_.MakeServer();
  Key key = NewKey(0);
  ASSERT_TRUE(backend_.CreateKey(server, key).ok());
  node_.Restart();
  EXPECT_TRUE(backend_.Ping(server).ok()) << "same certificate, token and interface key";
  EXPECT_TRUE(node_.Peers().empty());
  ASSERT_TRUE(backend_.CreateKey(server, key).ok());
  EXPECT_FALSE(PeerOf(PublicOf(key)).is_null());
}

TEST_F(WireguardBackendTest, DeliveryIsTheClientConfAndItsQrCode) {
  Server server = node_.MakeServer();
  Key key = NewKey(1);
  auto d = backend_.Delivery(server, key, "VPNHub | Amsterdam");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  auto credential = ParseCredential(key.secret);
  EXPECT_TRUE(d->link.empty());
  EXPECT_EQ(d->config_name, "VPNHub_Amsterda.conf");
  EXPECT_EQ(d->qr_text, d->config);
  EXPECT_EQ(d->config, "[Interface]\nPrivateKey = " + credential->private_key +
                           "\nAddress = 10.8.0.3/32\nDNS = 1.1.1.1\n\n[Peer]\nPublicKey = " +
                           node_.public_key() + "\nPresharedKey = " + credential->preshared_key +
                           "\nEndpoint = vpn.example.com:51820\nAllowedIPs = 0.0.0.0/0, ::/0\n"
                           "PersistentKeepalive = 25\n");

  WireguardBackend no_dns(kDeadline, "");
  auto plain = no_dns.Delivery(server, key, "x");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->config.find("DNS"), std::string::npos);

  Key outside = key;
  outside.slot = 253;
  EXPECT_EQ(backend_.Delivery(server, outside, "x").status().code(), StatusCode::kInvalidArgument);
}

TEST_F(WireguardBackendTest, ASecretThatIsNoCredentialIsRefusedWithoutACall) {
  Server server = node_.MakeServer();
  Key key = NewKey(0);
  key.secret = "a-shadowsocks-password";
  const int before = node_.Requests();
  EXPECT_EQ(backend_.CreateKey(server, key).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(backend_.DeleteKey(server, key).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(node_.Requests(), before);
}

TEST(WireguardSettings, NamesWhatIsMissingOrWrongAndNeverTheToken) {
  ServerSettings good = {
      {"node", "https://127.0.0.1:7443"}, {"cert_sha256", std::string(64, 'A')},
      {"token", "s3cret-token"},          {"public_key", KeyToBase64(KeyBytes{})},
      {"listen_port", "51820"},           {"endpoint", "vpn.example.com:51820"},
      {"tunnel", "10.8.0.1/24"}};
  auto parsed = ParseSettings(good);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->cert_sha256, std::string(64, 'a'));
  EXPECT_EQ(parsed->tunnel.prefix, 24);

  for (const char* name :
       {"node", "cert_sha256", "token", "public_key", "listen_port", "endpoint", "tunnel"}) {
    ServerSettings missing = good;
    missing.erase(name);
    auto st = ParseSettings(missing).status();
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << name;
    EXPECT_NE(st.message().find(name), std::string::npos) << st.message();
  }
  const std::vector<std::pair<std::string, std::string>> wrong = {
      {"node", "http://127.0.0.1:7443"},
      {"node", "https://127.0.0.1:7443/api"},
      {"cert_sha256", "abc"},
      {"public_key", "short"},
      {"listen_port", "70000"},
      {"endpoint", "vpn.example.com"},
      {"tunnel", "10.8.0.1/32"},
      {"token", "has space"}};
  for (const auto& [name, value] : wrong) {
    ServerSettings bad = good;
    bad[name] = value;
    auto st = ParseSettings(bad).status();
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << name << "=" << value;
    EXPECT_NE(st.message().find(name), std::string::npos) << st.message();
    EXPECT_EQ(st.message().find("s3cret-token"), std::string::npos) << st.message();
  }
}

TEST(WireguardSettings, EndpointHost) {
  EXPECT_EQ(*EndpointHost("vpn.example.com:51820"), "vpn.example.com");
  EXPECT_EQ(*EndpointHost("203.0.113.5:51820"), "203.0.113.5");
  EXPECT_EQ(*EndpointHost("[2001:db8::1]:51820"), "2001:db8::1");
  for (const char* bad : {"", "vpn.example.com", ":51820", "2001:db8::1:51820", "[::1]",
                          "vpn.example.com:0", "bad host:1"}) {
    EXPECT_FALSE(EndpointHost(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace vpnhub::vpn::wireguard
