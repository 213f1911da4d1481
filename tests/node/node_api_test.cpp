// The node API's routes over the real HTTP server (plain mode; TLS is http_tls_test's) and a fake
// UAPI socket: the token check, the address rules, idempotent PUT and DELETE.
#include "node/node_api.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "fakes/fake_uapi.hpp"
#include "http/raw_client.hpp"
#include "http/server.hpp"

namespace vpnhub::node {
namespace {

using json = nlohmann::json;
using testing::FakeUapi;
using testing::RawClient;
using testing::RawResponse;

constexpr char kToken[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
constexpr char kPrivHex[] = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
const std::string kPeerA(64, 'a');
const std::string kPeerB(64, 'b');
constexpr char kPskB64[] = "AQIDBAUGBwgJEBESExQVFhcYGSAhIiMkJSYnKCkwMTI=";
constexpr char kPskHex[] = "0102030405060708091011121314151617181920212223242526272829303132";
constexpr char kPsk2B64[] = "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=";

class NodeApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake_ = std::make_unique<FakeUapi>((std::filesystem::temp_directory_path() /
                                        ("vpnhub_node_api_" + std::to_string(::getpid()) + ".sock"))
                                           .string());
    ASSERT_TRUE(fake_->ok());
    fake_->set_private_key(kPrivHex);
    fake_->set_listen_port(51820);
    StartApi(std::chrono::milliseconds(0));
  }
  // (Re)starts the API and its server over the fake interface.
  void StartApi(std::chrono::milliseconds snapshot_max_age) {
    server_.reset();
    api_.reset();
    NodeApiOptions o;
    o.snapshot_max_age = snapshot_max_age;
    o.interface_name = "wg7";
    o.endpoint = "vpn.example.com:51820";
    o.tunnel = "10.8.0.1/24";
    o.token = kToken;
    o.uapi_socket = fake_->path();
    o.uapi_timeout = std::chrono::milliseconds(2000);
    auto api = NodeApi::Create(o);
    ASSERT_TRUE(api.ok()) << api.status().ToString();
    api_ = std::move(*api);
    http::Router router;
    api_->Mount(router);
    http::ServerOptions so;
    so.port = 0;
    so.threads = 1;
    server_ = std::make_unique<http::HttpServer>(so, std::move(router));
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override {
    server_.reset();
    api_.reset();
    fake_.reset();
  }

  RawResponse Call(const std::string& method, const std::string& path, const std::string& body = "",
                   const std::string& auth = std::string("Bearer ") + kToken) {
    RawClient c(server_->port());
    std::string req = method + " " + path + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n";
    if (!auth.empty()) req += "Authorization: " + auth + "\r\n";
    if (!body.empty() || method == "PUT") {
      req += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
             "\r\n";
    }
    req += "\r\n" + body;
    EXPECT_TRUE(c.Send(req));
    auto r = c.Read(method == "HEAD");
    EXPECT_TRUE(r) << method << " " << path << ": no response";
    return r ? *r : RawResponse{};
  }
  RawResponse Put(const std::string& id, const std::string& address,
                  const std::string& psk = kPskB64,
                  const std::string& auth = std::string("Bearer ") + kToken) {
    return Call("PUT", "/v1/peers/" + id, json{{"preshared_key", psk}, {"address", address}}.dump(),
                auth);
  }

  std::unique_ptr<FakeUapi> fake_;
  std::unique_ptr<NodeApi> api_;
  std::unique_ptr<http::HttpServer> server_;
};

TEST_F(NodeApiTest, WithoutTheRightTokenEveryRouteIs401AndNothingChanges) {
  fake_->AddPeer({kPeerB, std::string(64, '0'), {"10.8.0.3/32"}, 0, 0, 0});
  std::string wrong = kToken;
  wrong.back() = wrong.back() == 'f' ? 'e' : 'f';
  const std::vector<std::string> bad_auth = {"", std::string("Bearer ") + wrong,
                                             std::string("Basic ") + kToken,
                                             std::string("Bearer ") + kToken + "0", "Bearer"};
  for (const auto& auth : bad_auth) {
    SCOPED_TRACE("Authorization: " + auth);
    auto put = Put(kPeerA, "10.8.0.5/32", kPskB64, auth);
    EXPECT_EQ(put.status, 401);
    EXPECT_EQ(json::parse(put.body, nullptr, false), json({{"error", "unauthorized"}}));
    EXPECT_EQ(Call("DELETE", "/v1/peers/" + kPeerB, "", auth).status, 401);
    EXPECT_EQ(Call("GET", "/v1/peers", "", auth).status, 401);
    EXPECT_EQ(Call("GET", "/v1/server", "", auth).status, 401);
    EXPECT_EQ(Call("GET", "/v1/nothing", "", auth).status, 401);
  }
  EXPECT_EQ(fake_->sets(), 0);
  EXPECT_EQ(fake_->gets(), 0);
  ASSERT_EQ(fake_->peers().size(), 1u);
  EXPECT_EQ(fake_->peers()[0].public_key, kPeerB);
}

TEST_F(NodeApiTest, ServerReportsTheInterface) {
  fake_->AddPeer({kPeerB, std::string(64, '0'), {"10.8.0.3/32"}, 0, 0, 0});
  auto r = Call("GET", "/v1/server");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("Content-Type"), "application/json");
  EXPECT_EQ(json::parse(r.body),
            json({{"interface", "wg7"},
                  {"public_key", "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo="},
                  {"listen_port", 51820},
                  {"endpoint", "vpn.example.com:51820"},
                  {"tunnel", "10.8.0.1/24"},
                  {"peers", 1}}));
}

TEST_F(NodeApiTest, ServerIs503WhenTheInterfaceCannotBeRead) {
  fake_.reset();  // the socket disappears, as when wireguard-go stops
  auto r = Call("GET", "/v1/server");
  EXPECT_EQ(r.status, 503);
  EXPECT_TRUE(json::parse(r.body).contains("error"));
  EXPECT_EQ(Call("GET", "/v1/peers").status, 503);
  EXPECT_EQ(Put(kPeerA, "10.8.0.5/32").status, 503);
}

TEST_F(NodeApiTest, PutAddsThenIsIdempotentThenUpdates) {
  auto r = Put(kPeerA, "10.8.0.5/32");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(json::parse(r.body), json({{"created", true}}));
  auto peers = fake_->peers();
  ASSERT_EQ(peers.size(), 1u);
  EXPECT_EQ(peers[0].public_key, kPeerA);
  EXPECT_EQ(peers[0].preshared_key, kPskHex);
  EXPECT_EQ(peers[0].allowed_ips, std::vector<std::string>{"10.8.0.5/32"});

  int sets = fake_->sets();
  r = Put(kPeerA, "10.8.0.5/32");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body), json({{"created", false}}));
  EXPECT_EQ(fake_->sets(), sets) << "an unchanged PUT wrote to the interface";

  r = Put(kPeerA, "10.8.0.6/32", kPsk2B64);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body), json({{"created", false}}));
  peers = fake_->peers();
  ASSERT_EQ(peers.size(), 1u);
  EXPECT_EQ(peers[0].allowed_ips, std::vector<std::string>{"10.8.0.6/32"});
  EXPECT_EQ(peers[0].preshared_key,
            "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");

  // Upper-case hex names the same peer.
  std::string upper(64, 'A');
  EXPECT_EQ(Put(upper, "10.8.0.6/32", kPsk2B64).status, 200);
  EXPECT_EQ(fake_->peers().size(), 1u);
}

TEST_F(NodeApiTest, PutOfAnAddressHeldByAnotherPeerIs409AndChangesNothing) {
  fake_->AddPeer({kPeerB, std::string(64, '0'), {"10.8.0.5/32"}, 0, 0, 0});
  auto r = Put(kPeerA, "10.8.0.5/32");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(json::parse(r.body), json({{"error", "address held by another peer"}}));
  EXPECT_EQ(fake_->sets(), 0);
  auto peers = fake_->peers();
  ASSERT_EQ(peers.size(), 1u);
  EXPECT_EQ(peers[0].allowed_ips, std::vector<std::string>{"10.8.0.5/32"});
}

// `vpnhub node run` keeps one read of the interface for a second: at 10,000 peers a read costs
// wireguard-go about 0.1 s, which every PUT would otherwise pay.
TEST_F(NodeApiTest, WithoutAMaxAgeEveryBatchReadsTheInterface) {
  ASSERT_EQ(Put(kPeerA, "10.8.0.5/32").status, 201);
  ASSERT_EQ(Put(kPeerB, "10.8.0.6/32").status, 201);
  EXPECT_EQ(fake_->gets(), 2);
}

TEST_F(NodeApiTest, AYoungReadServesLaterRequestsAndFollowsTheNodesOwnWrites) {
  StartApi(std::chrono::hours(1));
  ASSERT_EQ(Put(kPeerA, "10.8.0.5/32").status, 201);
  ASSERT_EQ(Put(kPeerB, "10.8.0.6/32").status, 201);
  EXPECT_EQ(fake_->gets(), 1);
  // The copy knows A holds .5 without reading again.
  EXPECT_EQ(Put(std::string(64, 'c'), "10.8.0.5/32").status, 409);
  EXPECT_EQ(fake_->gets(), 1);
  EXPECT_EQ(fake_->peers().size(), 2u);
}

TEST_F(NodeApiTest, APeerAddedByHandIsSeenOnceTheReadIsOlderThanTheMaxAge) {
  StartApi(std::chrono::milliseconds(50));
  ASSERT_EQ(Put(kPeerA, "10.8.0.5/32").status, 201);
  fake_->AddPeer({kPeerB, std::string(64, '0'), {"10.8.0.7/32"}, 0, 0, 0});
  std::this_thread::sleep_for(std::chrono::milliseconds(80));
  EXPECT_EQ(Put(std::string(64, 'c'), "10.8.0.7/32").status, 409);
  EXPECT_EQ(fake_->gets(), 2);
}

TEST_F(NodeApiTest, PutRefusesAddressesOutsideTheTunnelOrTheInterfacesOwn) {
  for (const std::string addr : {"10.8.1.5/32", "10.8.0.1/32", "10.8.0.5/24", "10.8.0.5",
                                 "10.8.0.256/32", "fd00::5/128", ""}) {
    SCOPED_TRACE(addr);
    auto r = Put(kPeerA, addr);
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_TRUE(json::parse(r.body, nullptr, false).contains("error"));
  }
  EXPECT_EQ(fake_->sets(), 0);
  EXPECT_TRUE(fake_->peers().empty());
}

TEST_F(NodeApiTest, PutRefusesBadIdsAndBodies) {
  EXPECT_EQ(Put("abc", "10.8.0.5/32").status, 400);
  EXPECT_EQ(Put(std::string(63, 'a') + "z", "10.8.0.5/32").status, 400);
  EXPECT_EQ(Put(kPeerA, "10.8.0.5/32", "short").status, 400);
  EXPECT_EQ(Call("PUT", "/v1/peers/" + kPeerA, "not json").status, 400);
  EXPECT_EQ(Call("PUT", "/v1/peers/" + kPeerA, "[1,2]").status, 400);
  EXPECT_EQ(Call("PUT", "/v1/peers/" + kPeerA, R"({"address":5})").status, 400);
  EXPECT_EQ(fake_->sets(), 0);
  // Without a preshared key the peer gets none.
  EXPECT_EQ(Call("PUT", "/v1/peers/" + kPeerA, R"({"address":"10.8.0.5/32"})").status, 201);
  EXPECT_EQ(fake_->peers().at(0).preshared_key, std::string(64, '0'));
}

TEST_F(NodeApiTest, BodiesOver64KbAre413) {
  std::string big = R"({"address":"10.8.0.5/32","pad":")" + std::string(64 * 1024, 'x') + "\"}";
  EXPECT_EQ(Call("PUT", "/v1/peers/" + kPeerA, big).status, 413);
  EXPECT_TRUE(fake_->peers().empty());
}

TEST_F(NodeApiTest, DeleteIsIdempotent) {
  ASSERT_EQ(Put(kPeerA, "10.8.0.5/32").status, 201);
  auto r = Call("DELETE", "/v1/peers/" + kPeerA);
  EXPECT_EQ(r.status, 204);
  EXPECT_TRUE(fake_->peers().empty());
  EXPECT_EQ(Call("DELETE", "/v1/peers/" + kPeerA).status, 204);
  EXPECT_EQ(Call("DELETE", "/v1/peers/xyz").status, 400);
}

TEST_F(NodeApiTest, PeersListsEveryPeer) {
  fake_->AddPeer({kPeerB, std::string(64, '0'), {"10.8.0.3/32"}, 10, 20, 1700000000});
  ASSERT_EQ(Put(kPeerA, "10.8.0.5/32").status, 201);
  auto r = Call("GET", "/v1/peers");
  ASSERT_EQ(r.status, 200);
  auto j = json::parse(r.body);
  ASSERT_EQ(j["peers"].size(), 2u);
  EXPECT_EQ(j["peers"][0], json({{"public_key", "u7u7u7u7u7u7u7u7u7u7u7u7u7u7u7u7u7u7u7u7u7s="},
                                 {"address", "10.8.0.3/32"},
                                 {"rx_bytes", 10},
                                 {"tx_bytes", 20},
                                 {"latest_handshake", 1700000000}}));
  EXPECT_EQ(j["peers"][1]["address"], "10.8.0.5/32");
}

TEST_F(NodeApiTest, AHungInterfaceBlocksNeitherTheIoThreadNorPastTheDeadline) {
  fake_->set_hang(true);
  auto start = std::chrono::steady_clock::now();
  auto slow = std::async(std::launch::async, [&] { return Call("GET", "/v1/server"); });
  // While the worker waits on the UAPI socket, the io thread still answers.
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(Call("GET", "/v1/server", "", "").status, 401);
    EXPECT_EQ(Call("GET", "/v1/unknown").status, 404);
  }
  EXPECT_EQ(slow.wait_for(std::chrono::seconds(0)), std::future_status::timeout)
      << "the fast answers came only after the UAPI deadline";
  auto r = slow.get();
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1900));
}

// Requests that wait while the worker is busy run as one batch over one read of the interface; the
// batch's own writes count, so two peers asking for one address in a batch get 201 and 409.
TEST_F(NodeApiTest, ConcurrentRequestsShareOneReadAndStillRefuseAHeldAddress) {
  fake_->set_get_delay(std::chrono::milliseconds(300));
  auto first = std::async(std::launch::async, [&] { return Call("GET", "/v1/peers"); });
  while (fake_->gets() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::vector<std::future<RawResponse>> puts;
  for (int i = 0; i < 20; ++i) {
    char id[65];
    std::snprintf(id, sizeof id, "%064x", i + 1);
    puts.push_back(std::async(std::launch::async, [this, i, key = std::string(id)] {
      return Put(key, "10.8.0." + std::to_string(10 + i) + "/32");
    }));
  }
  auto a = std::async(std::launch::async, [&] { return Put(kPeerA, "10.8.0.200/32"); });
  auto b = std::async(std::launch::async, [&] { return Put(kPeerB, "10.8.0.200/32"); });
  EXPECT_EQ(first.get().status, 200);
  for (auto& f : puts) EXPECT_EQ(f.get().status, 201);
  std::multiset<int> codes = {a.get().status, b.get().status};
  EXPECT_EQ(codes, (std::multiset<int>{201, 409}));
  auto peers = fake_->peers();
  EXPECT_EQ(peers.size(), 21u);
  int holders = 0;
  for (const auto& p : peers) {
    if (p.allowed_ips == std::vector<std::string>{"10.8.0.200/32"}) ++holders;
  }
  EXPECT_EQ(holders, 1);
  EXPECT_LT(fake_->gets(), 10) << "22 PUTs waiting together should share reads";
  // What the batches wrote is what a fresh read shows.
  auto listed = json::parse(Call("GET", "/v1/peers").body);
  EXPECT_EQ(listed["peers"].size(), 21u);
}

TEST_F(NodeApiTest, UnknownPathsAreAJson404) {
  auto r = Call("GET", "/v1/unknown");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(json::parse(r.body), json({{"error", "not found"}}));
}

TEST(NodeApiCreateTest, RefusesABadTunnelOrAShortToken) {
  NodeApiOptions o;
  o.interface_name = "wg0";
  o.tunnel = "10.8.0.1";
  o.token = kToken;
  EXPECT_EQ(NodeApi::Create(o).status().code(), StatusCode::kInvalidArgument);
  o.tunnel = "10.8.0.1/24";
  o.token = "short";
  EXPECT_EQ(NodeApi::Create(o).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace vpnhub::node
