// What the CLI prints of a key's delivery: `key create`, `key show --conf`, the JSON fields. The
// real binary serves no kind that delivers a file yet, so the formatting is tested here with the
// fake backend's file delivery.
#include "app/key_output.hpp"

#include <gtest/gtest.h>

#include "fakes/fake_backend.hpp"

namespace vpnhub::app {
namespace {

class KeyOutputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server.kind = "fakewg";
    server.public_host = "vpn.example.com";
    key.id = 12;
    key.remote_name = "u42-k12";
    key.secret = "c2VjcmV0";
    key.state = KeyState::kActive;
    link_backend = std::make_unique<fakes::FakeBackend>("fakess");
    file_backend = std::make_unique<fakes::FakeBackend>("fakewg");
    file_backend->DeliverConfigFile("wg-12.conf");
  }

  Result<ports::KeyDelivery> FileDelivery() { return file_backend->Delivery(server, key, "N | L"); }
  Result<ports::KeyDelivery> LinkDelivery() { return link_backend->Delivery(server, key, "N | L"); }

  Server server;
  Key key;
  std::unique_ptr<fakes::FakeBackend> link_backend;
  std::unique_ptr<fakes::FakeBackend> file_backend;
};

TEST_F(KeyOutputTest, KeyCreatePrintsTheFileAfterTheKeyLineOfAFileKind) {
  const std::string conf = fakes::FakeBackend::FakeConfig(server, key, "N | L");
  ASSERT_EQ(conf.back(), '\n');
  EXPECT_EQ(DeliveryText(FileDelivery(), "fakewg"), conf);
  // A file without a final newline still ends the output with one.
  ports::KeyDelivery d;
  d.config_name = "a.conf";
  d.config = "[Interface]";
  EXPECT_EQ(DeliveryText(d, "fakewg"), "[Interface]\n");
  // A kind that gives both: the link, then the file.
  d.link = "vpn://x";
  EXPECT_EQ(DeliveryText(d, "fakewg"), "vpn://x\n[Interface]\n");
}

TEST_F(KeyOutputTest, KeyCreatePrintsTheLinkOfALinkKindAsBefore) {
  EXPECT_EQ(DeliveryText(LinkDelivery(), "fakess"), "fake://u42-k12@vpn.example.com#N | L\n");
  EXPECT_EQ(DeliveryText(ports::KeyDelivery{}, "odd"),
            "(no link: a odd key delivers neither a link nor a file)\n");
  EXPECT_EQ(DeliveryText(Result<ports::KeyDelivery>(InvalidArgument("no public host")), "fakess"),
            "(no link: no public host)\n");
  // A name without content, or content without a name, is no file.
  ports::KeyDelivery half;
  half.config_name = "a.conf";
  half.link = "ss://y";
  EXPECT_EQ(DeliveryText(half, "k"), "ss://y\n");
}

TEST_F(KeyOutputTest, KeyShowConfIsExactlyTheFile) {
  auto file = ConfigFileOf(key, FileDelivery(), "fakewg");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ(*file, fakes::FakeBackend::FakeConfig(server, key, "N | L"));
  // Nothing added, nothing taken: not even a newline.
  ports::KeyDelivery d;
  d.config_name = "a.conf";
  d.config = "no newline";
  EXPECT_EQ(*ConfigFileOf(key, d, "fakewg"), "no newline");
}

TEST_F(KeyOutputTest, KeyShowConfRefusesALinkKindAKeyWithoutItsPlaceAndAFailedDelivery) {
  auto link = ConfigFileOf(key, LinkDelivery(), "fakess");
  EXPECT_EQ(link.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(link.status().message().find("fakess"), std::string::npos) << link.status().message();
  for (KeyState state : {KeyState::kRevoked, KeyState::kFailed}) {
    key.state = state;
    auto gone = ConfigFileOf(key, FileDelivery(), "fakewg");
    EXPECT_EQ(gone.status().code(), StatusCode::kFailedPrecondition) << KeyStateName(state);
  }
  key.state = KeyState::kPending;
  EXPECT_TRUE(ConfigFileOf(key, FileDelivery(), "fakewg").ok());
  EXPECT_EQ(ConfigFileOf(key, Result<ports::KeyDelivery>(NotFound("no kind")), "x").status().code(),
            StatusCode::kNotFound);
}

TEST_F(KeyOutputTest, JsonCarriesTheLinkOrTheFile) {
  auto j = DeliveryJson(key, FileDelivery());
  EXPECT_EQ(j["link"], "");
  EXPECT_EQ(j["config_name"], "wg-12.conf");
  EXPECT_EQ(j["config"], fakes::FakeBackend::FakeConfig(server, key, "N | L"));
  j = DeliveryJson(key, LinkDelivery());
  EXPECT_EQ(j["link"], "fake://u42-k12@vpn.example.com#N | L");
  EXPECT_EQ(j["config_name"], "");
  EXPECT_EQ(j["config"], "");
  // A revoked key shows nothing that would connect.
  key.state = KeyState::kRevoked;
  j = DeliveryJson(key, FileDelivery());
  EXPECT_EQ(j, nlohmann::json({{"link", ""}, {"config_name", ""}, {"config", ""}}));
}

}  // namespace
}  // namespace vpnhub::app
