#include "vpn/shadowsocks/shadowsocks_backend.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "formats/ss_link.hpp"
#include "vpn/fake_ss_manager.hpp"
#include "vpn/ss_test_util.hpp"

namespace vpnhub::vpn::shadowsocks {
namespace {

using test::Clock;
using test::FakeSsManager;
using test::kDeadline;
using test::kSlack;
using test::MakeKey;
using test::MakeServer;
using test::Since;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class ShadowsocksBackendTest : public ::testing::Test {
 protected:
  FakeSsManager fake_;
  ShadowsocksBackend backend_{kDeadline};
  Server server_ = MakeServer(fake_.address());
};

TEST_F(ShadowsocksBackendTest, CreateKeyAddsThePortOfTheSlotWithTheSecret) {
  ASSERT_TRUE(backend_.CreateKey(server_, MakeKey(3, "Secret1")).ok());
  auto ports = fake_.Ports();
  ASSERT_EQ(ports.count(20003), 1u);
  EXPECT_EQ(ports[20003].password, "Secret1");
  EXPECT_EQ(ports[20003].method, "chacha20-ietf-poly1305");
  EXPECT_THAT(fake_.Requests(), ElementsAre("list", HasSubstr("add: ")));
}

TEST_F(ShadowsocksBackendTest, CreateKeyAgainLeavesTheLivePortAlone) {
  ASSERT_TRUE(backend_.CreateKey(server_, MakeKey(3, "Secret1")).ok());
  ASSERT_TRUE(backend_.CreateKey(server_, MakeKey(3, "Secret1")).ok());
  ASSERT_TRUE(backend_.CreateKey(server_, MakeKey(3, "Secret1")).ok());
  EXPECT_EQ(fake_.Count("add"), 1);
  EXPECT_EQ(fake_.Count("remove"), 0);
  EXPECT_EQ(fake_.LiveReadds(), 0);
}

TEST_F(ShadowsocksBackendTest, CreateKeyNeverReplacesAPortRunningAnotherPassword) {
  // Another key's port (a server sharing this manager, a port added by hand): it keeps running
  // and the new key is refused there, for good.
  fake_.Put(20003, "OtherKeysSecret", "chacha20-ietf-poly1305");
  Status st = backend_.CreateKey(server_, MakeKey(3, "Secret1"));
  EXPECT_EQ(st.code(), StatusCode::kAlreadyExists) << st.ToString();
  EXPECT_FALSE(st.retryable());
  EXPECT_THAT(st.message(), HasSubstr("port 20003"));
  EXPECT_THAT(st.message(), ::testing::Not(HasSubstr("OtherKeysSecret")));
  EXPECT_THAT(st.message(), ::testing::Not(HasSubstr("Secret1")));
  EXPECT_THAT(fake_.Requests(), ElementsAre("list"));
  EXPECT_EQ(fake_.Ports()[20003].password, "OtherKeysSecret");
  // Whatever the method the other key runs with.
  fake_.Put(20004, "OtherKeysSecret", "aes-256-gcm");
  EXPECT_EQ(backend_.CreateKey(server_, MakeKey(4, "Secret2")).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(fake_.Count("remove"), 0);
  EXPECT_EQ(fake_.Count("add"), 0);
}

TEST_F(ShadowsocksBackendTest, CreateKeyReplacesAPortRunningAnotherMethod) {
  fake_.Put(20003, "Secret1", "aes-256-gcm");
  ASSERT_TRUE(backend_.CreateKey(server_, MakeKey(3, "Secret1")).ok());
  EXPECT_EQ(fake_.Count("remove"), 1);
  EXPECT_EQ(fake_.Ports()[20003].method, "chacha20-ietf-poly1305");
}

TEST_F(ShadowsocksBackendTest, CreateKeyRetriesWhileTheOldServerStillHoldsThePort) {
  fake_.Put(20003, "Secret1", "aes-256-gcm");  // the same key with the old cipher: restarted
  fake_.MakePortBusy(20003, 2);
  ASSERT_TRUE(backend_.CreateKey(server_, MakeKey(3, "Secret1")).ok());
  EXPECT_EQ(fake_.Count("add"), 3);
  EXPECT_EQ(fake_.Ports()[20003].password, "Secret1");
  EXPECT_EQ(fake_.Ports()[20003].method, "chacha20-ietf-poly1305");
}

TEST_F(ShadowsocksBackendTest, CreateKeyOnABusyPortIsUnavailableWithTheReplyByTheDeadline) {
  fake_.MakePortBusy(20003, 1000);
  const auto start = Clock::now();
  Status st = backend_.CreateKey(server_, MakeKey(3, "Secret1"));
  EXPECT_EQ(st.code(), StatusCode::kUnavailable);
  EXPECT_TRUE(st.retryable());
  EXPECT_THAT(st.message(), HasSubstr("port is not available"));
  EXPECT_THAT(st.message(), ::testing::Not(HasSubstr("Secret1")));
  EXPECT_LT(Since(start), kDeadline * 2 + kSlack);
}

TEST_F(ShadowsocksBackendTest, CreateKeyOnASilentManagerIsDeadlineExceeded) {
  fake_.SetSilent(true);
  const auto start = Clock::now();
  Status st = backend_.CreateKey(server_, MakeKey(3, "Secret1"));
  EXPECT_EQ(st.code(), StatusCode::kDeadlineExceeded);
  EXPECT_LT(Since(start), kDeadline + kSlack);
}

TEST_F(ShadowsocksBackendTest, CreateKeyRejectsBadInputWithoutTalkingToTheManager) {
  EXPECT_EQ(backend_.CreateKey(server_, MakeKey(10, "Secret1")).code(),
            StatusCode::kInvalidArgument);  // port 20010 is past port_to
  EXPECT_EQ(backend_.CreateKey(server_, MakeKey(-1, "Secret1")).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(backend_.CreateKey(server_, MakeKey(0, "has space")).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(backend_.CreateKey(server_, MakeKey(0, "")).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(fake_.Requests().empty());
}

TEST_F(ShadowsocksBackendTest, DeleteKeyRemovesTheKeysPort) {
  ASSERT_TRUE(backend_.CreateKey(server_, MakeKey(3, "Secret1")).ok());
  ASSERT_TRUE(backend_.DeleteKey(server_, MakeKey(3, "Secret1")).ok());
  EXPECT_EQ(fake_.Ports().count(20003), 0u);
  ASSERT_TRUE(backend_.DeleteKey(server_, MakeKey(3, "Secret1")).ok());  // absent: still ok
}

TEST_F(ShadowsocksBackendTest, DeleteKeySparesANewerKeyOnTheSameSlot) {
  fake_.Put(20003, "NewerKeysSecret", "chacha20-ietf-poly1305");
  ASSERT_TRUE(backend_.DeleteKey(server_, MakeKey(3, "Secret1")).ok());
  EXPECT_EQ(fake_.Count("remove"), 0);
  EXPECT_EQ(fake_.Ports().count(20003), 1u);
}

TEST_F(ShadowsocksBackendTest, ListKeysReportsThePortsOfTheRange) {
  fake_.Put(20000, "A", "chacha20-ietf-poly1305");
  fake_.Put(20009, "B", "chacha20-ietf-poly1305");
  fake_.Put(30000, "NotOurs", "aes-256-gcm");
  auto keys = backend_.ListKeys(server_);
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].remote_id, "20000");
  EXPECT_EQ((*keys)[0].secret, "A");
  EXPECT_EQ((*keys)[1].remote_id, "20009");
}

// Reconciliation: a key's remote id is its port; every port of the range is the hub's; a listed
// key is removed only while it still runs the listed password.
TEST_F(ShadowsocksBackendTest, ReconciliationNamesKeysByPortAndOwnsOnlyTheRange) {
  EXPECT_EQ(backend_.RemoteIdOf(server_, MakeKey(3, "Secret1")),
            std::optional<std::string>("20003"));
  EXPECT_EQ(backend_.RemoteIdOf(server_, MakeKey(5000, "Secret1")), std::nullopt);  // off range
  EXPECT_TRUE(backend_.IsOurRemoteKey(server_, {"20009", "x"}));
  EXPECT_FALSE(backend_.IsOurRemoteKey(server_, {"20010", "x"}));
  EXPECT_FALSE(backend_.IsOurRemoteKey(server_, {"19999", "x"}));
  EXPECT_FALSE(backend_.IsOurRemoteKey(server_, {"port", "x"}));
  EXPECT_TRUE(backend_.SameCredential(MakeKey(3, "Secret1"), {"20003", "Secret1"}));
  EXPECT_FALSE(backend_.SameCredential(MakeKey(3, "Secret1"), {"20003", "Other"}));
}

TEST_F(ShadowsocksBackendTest, DeleteRemoteKeyRemovesOnlyTheListedPassword) {
  fake_.Put(20004, "Stray", "chacha20-ietf-poly1305");
  fake_.Put(20005, "NewKeysSecret", "chacha20-ietf-poly1305");
  ASSERT_TRUE(backend_.DeleteRemoteKey(server_, {"20004", "Stray"}).ok());
  EXPECT_EQ(fake_.Ports().count(20004), 0u);
  // Listed with "Stray", runs another password now: a key created there since stays.
  ASSERT_TRUE(backend_.DeleteRemoteKey(server_, {"20005", "Stray"}).ok());
  EXPECT_EQ(fake_.Ports().count(20005), 1u);
  EXPECT_EQ(fake_.Count("remove"), 1);
  ASSERT_TRUE(backend_.DeleteRemoteKey(server_, {"20004", "Stray"}).ok());  // absent: ok
  EXPECT_EQ(backend_.DeleteRemoteKey(server_, {"30000", "x"}).code(),
            StatusCode::kInvalidArgument);  // not of the range: never removed
  EXPECT_EQ(fake_.Count("remove"), 1);
}

TEST_F(ShadowsocksBackendTest, PingFollowsTheManager) {
  EXPECT_TRUE(backend_.Ping(server_).ok());
  fake_.SetSilent(true);
  EXPECT_EQ(backend_.Ping(server_).code(), StatusCode::kDeadlineExceeded);
}

TEST_F(ShadowsocksBackendTest, TrafficIsTheManagersCounterOfEachPortOfTheRange) {
  fake_.Put(20000, "A", "chacha20-ietf-poly1305", 1234);
  fake_.Put(20009, "B", "chacha20-ietf-poly1305", 0);
  fake_.Put(30000, "NotOurs", "aes-256-gcm", 999);
  auto traffic = backend_.Traffic(server_);
  ASSERT_TRUE(traffic.ok()) << traffic.status().ToString();
  ASSERT_TRUE(traffic->has_value());
  ASSERT_EQ((*traffic)->size(), 2u);
  EXPECT_EQ((**traffic)[0].remote_id, "20000");
  EXPECT_EQ((**traffic)[0].bytes, 1234u);
  EXPECT_EQ((**traffic)[1].remote_id, "20009");
  fake_.SetSilent(true);
  EXPECT_EQ(backend_.Traffic(server_).status().code(), StatusCode::kDeadlineExceeded);
}

TEST_F(ShadowsocksBackendTest, DeliveryIsTheSip002LinkOfTheKeysPortAndItsQrCode) {
  server_.settings["method"] = "aes-256-gcm";
  auto delivery = backend_.Delivery(server_, MakeKey(3, "Secret1"), "VPNHub | Amsterdam");
  ASSERT_TRUE(delivery.ok()) << delivery.status().ToString();
  const std::string& link = delivery->link;
  EXPECT_EQ(delivery->qr_text, link);
  EXPECT_TRUE(delivery->config_name.empty());
  EXPECT_TRUE(delivery->config.empty());
  EXPECT_EQ(link, formats::ShadowsocksLink("aes-256-gcm", "Secret1", "vpn.example.com", 20003,
                                           "VPNHub | Amsterdam"));
  EXPECT_EQ(link, "ss://YWVzLTI1Ni1nY206U2VjcmV0MQ@vpn.example.com:20003#VPNHub%20%7C%20Amsterdam");
  // The name is the one given: nothing of the key's owner (remote_name carries the Telegram id).
  EXPECT_THAT(link, ::testing::Not(HasSubstr("42")));
  server_.public_host.clear();
  EXPECT_EQ(backend_.Delivery(server_, MakeKey(3, "Secret1"), "x").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(fake_.Requests().empty());
}

struct BadSettingsCase {
  const char* what;
  std::map<std::string, std::string> changes;  // value "" erases the setting
  int capacity;
  const char* named;  // must appear in the message
};

TEST(ShadowsocksBackendSettings, ValidateSettingsNamesTheBadSetting) {
  const std::vector<BadSettingsCase> cases = {
      {"no manager", {{"manager", ""}}, 10, "manager"},
      {"manager without port", {{"manager", "10.0.0.1"}}, 10, "manager"},
      {"manager port 0", {{"manager", "10.0.0.1:0"}}, 10, "manager"},
      {"manager host with a #", {{"manager", "evil.com#x:6001"}}, 10, "manager"},
      {"manager host not an address", {{"manager", "256.1.1.1:6001"}}, 10, "manager"},
      {"stream cipher", {{"method", "rc4-md5"}}, 10, "method"},
      {"2022 cipher", {{"method", "2022-blake3-aes-128-gcm"}}, 10, "method"},
      {"no port_from", {{"port_from", ""}}, 10, "port_from"},
      {"port_from text", {{"port_from", "abc"}}, 10, "port_from"},
      {"port_from 0", {{"port_from", "0"}}, 10, "port_from"},
      {"port_to too big", {{"port_to", "65536"}}, 10, "port_to"},
      {"port_to negative", {{"port_to", "-5"}}, 10, "port_to"},
      {"no port_to", {{"port_to", ""}}, 10, "port_to"},
      {"to below from", {{"port_from", "20010"}, {"port_to", "20000"}}, 1, "port_to"},
      {"capacity over range", {}, 11, "capacity"},
      {"negative capacity", {}, -1, "capacity"},
  };
  ShadowsocksBackend backend(kDeadline);
  for (const auto& c : cases) {
    Server s = MakeServer("127.0.0.1:6001");
    s.capacity = c.capacity;
    for (const auto& [k, v] : c.changes) {
      if (v.empty()) {
        s.settings.erase(k);
      } else {
        s.settings[k] = v;
      }
    }
    Status st = backend.ValidateSettings(s);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << c.what;
    EXPECT_THAT(st.message(), HasSubstr(c.named)) << c.what << ": " << st.message();
  }
}

TEST(ShadowsocksBackendSettings, ValidateSettingsAcceptsGoodSettings) {
  ShadowsocksBackend backend(kDeadline);
  Server s = MakeServer("ss-manager.internal:6001");
  EXPECT_TRUE(backend.ValidateSettings(s).ok());  // no I/O: the name is not resolved
  for (const char* m : {"aes-128-gcm", "aes-192-gcm", "aes-256-gcm", "chacha20-ietf-poly1305",
                        "xchacha20-ietf-poly1305"}) {
    s.settings["method"] = m;
    EXPECT_TRUE(backend.ValidateSettings(s).ok()) << m;
  }
  s.settings["port_from"] = s.settings["port_to"] = "65535";
  s.capacity = 1;
  EXPECT_TRUE(backend.ValidateSettings(s).ok());
  s.capacity = 0;
  EXPECT_TRUE(backend.ValidateSettings(s).ok());
  EXPECT_EQ(backend.kind(), "shadowsocks");
  s.settings["manager"] = "[::1]:6001";
  EXPECT_TRUE(backend.ValidateSettings(s).ok());
}

TEST(ShadowsocksBackendSettings, KeyPortsAreTheRangeOnTheManager) {
  ShadowsocksBackend backend(kDeadline);
  auto ports = backend.KeyPorts(MakeServer("[::1]:6001"));
  ASSERT_TRUE(ports.ok()) << ports.status().ToString();
  ASSERT_TRUE(ports->has_value());
  EXPECT_EQ((*ports)->endpoint_host, "::1");
  EXPECT_EQ((*ports)->endpoint_port, 6001);
  EXPECT_EQ((*ports)->first, 20000);
  EXPECT_EQ((*ports)->last, 20009);
  EXPECT_EQ(backend.KeyPorts(MakeServer("nope")).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace vpnhub::vpn::shadowsocks
