#include "vpn/shadowsocks/ss_manager_client.hpp"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "vpn/fake_ss_manager.hpp"
#include "vpn/ss_test_util.hpp"

namespace vpnhub::vpn::shadowsocks {
namespace {

using std::chrono::milliseconds;
using test::Clock;
using test::FakeSsManager;
using test::kDeadline;
using test::kSlack;
using test::Since;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

// A loopback UDP port nobody listens on (bound, read, released).
int ClosedUdpPort() {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// ---- ParseHostPort and reply parsers ----

TEST(ParseHostPort, AcceptsHostPortAndBracketedIpv6) {
  auto v4 = ParseHostPort("10.0.0.1:6001");
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(v4->host, "10.0.0.1");
  EXPECT_EQ(v4->port, 6001);
  auto name = ParseHostPort("ss.example.com:65535");
  ASSERT_TRUE(name.ok());
  EXPECT_EQ(name->host, "ss.example.com");
  auto v6 = ParseHostPort("[::1]:6001");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 6001);
}

TEST(ParseHostPort, RejectsMalformedAddresses) {
  for (const char* bad : {"", "host", ":6001", "host:", "host:0", "host:65536", "host:60a1",
                          "host:-1", "::1:6001", "[::1]6001", "[::1]:"}) {
    auto r = ParseHostPort(bad);
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(ParseStatReply, ReadsPortsAndBytes) {
  auto r = ParseStatReply("stat: {\"8389\":0,\"8388\":574}");
  ASSERT_TRUE(r.ok());
  EXPECT_THAT(*r, ElementsAre(Pair(8388, 574), Pair(8389, 0)));
  auto empty = ParseStatReply("stat: {}");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(ParseStatReply, ReadsChunksThatLackThePrefix) {
  auto r = ParseStatReply("stat: {\"1\":5,\"2\":6}\"4\":8,\"5\":9}");
  ASSERT_TRUE(r.ok());
  EXPECT_THAT(*r, ElementsAre(Pair(1, 5), Pair(2, 6), Pair(4, 8), Pair(5, 9)));
}

TEST(ParseStatReply, RejectsOtherReplies) {
  EXPECT_EQ(ParseStatReply("err").status().code(), StatusCode::kInternal);
  EXPECT_EQ(ParseStatReply("").status().code(), StatusCode::kInternal);
}

TEST(ParseListReply, ReadsStringPorts) {
  auto r = ParseListReply(
      "[\n\t{\"server_port\":\"8389\",\"password\":\"otherPass\",\"method\":\"aes-256-gcm\"}\n]");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].port, 8389);
  EXPECT_EQ((*r)[0].password, "otherPass");
  EXPECT_EQ((*r)[0].method, "aes-256-gcm");
  auto empty = ParseListReply("[\n]");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(ParseListReply, KeepsTheReadableEntriesOfATruncatedReply) {
  auto r = ParseListReply(
      "[\n\t{\"server_port\":\"1\",\"password\":\"a\",\"method\":\"m\"},\n\t{\"server_port\":2,"
      "\"password\":\"b\"},\n\t{\"server_port\":\"3\",\"pass");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].port, 1);
  EXPECT_EQ((*r)[1].port, 2);
  EXPECT_EQ((*r)[1].method, "");
}

TEST(ParseListReply, DoesNotEchoAnUnexpectedReply) {
  auto r = ParseListReply("secret-looking garbage");
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
  EXPECT_THAT(r.status().message(), ::testing::Not(HasSubstr("secret")));
}

TEST(CheckPassword, AcceptsTokensAndRejectsWhatSsManagerCannotList) {
  EXPECT_TRUE(CheckPassword("s3cretPass").ok());
  EXPECT_TRUE(CheckPassword(std::string(127, 'a')).ok());
  for (const std::string& bad :
       {std::string(), std::string(128, 'a'), std::string("a b"), std::string("a\"b"),
        std::string("a\\b"), std::string("\xd0\x9a")}) {
    Status st = CheckPassword(bad);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
    if (!bad.empty()) {
      EXPECT_THAT(st.message(), ::testing::Not(HasSubstr(bad)));
    }
  }
}

// ---- SsManagerClient against the fake ----

TEST(SsManagerClient, AddListPingRemoveRoundTrip) {
  FakeSsManager fake;
  SsManagerClient client(fake.address(), kDeadline);
  ASSERT_TRUE(client.Add(8388, "s3cretPass", "aes-256-gcm").ok());
  EXPECT_THAT(fake.Requests(), ElementsAre(HasSubstr("\"server_port\":8388")));
  auto listed = client.List();
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].port, 8388);
  EXPECT_EQ((*listed)[0].password, "s3cretPass");
  EXPECT_EQ((*listed)[0].method, "aes-256-gcm");
  auto stats = client.Ping();
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_THAT(*stats, ElementsAre(Pair(8388, 0)));
  ASSERT_TRUE(client.Remove(8388).ok());
  ASSERT_TRUE(client.Remove(9999).ok());  // unknown port: ok, like ss-manager
  auto after = client.List();
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->empty());
}

TEST(SsManagerClient, ReadsTheListExactlyAsSsManagerSendsIt) {
  FakeSsManager fake;
  fake.SetOverride([](const std::string& req) -> std::optional<std::vector<std::string>> {
    if (req != "list") return std::nullopt;
    return std::vector<std::string>{
        "[\n\t{\"server_port\":\"8389\",\"password\":\"otherPass\",\"method\":\"aes-256-gcm\"}\n]"};
  });
  auto listed = SsManagerClient(fake.address(), kDeadline).List();
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].port, 8389);
  EXPECT_EQ((*listed)[0].password, "otherPass");
}

TEST(SsManagerClient, JoinsAListSplitOverSeveralDatagrams) {
  FakeSsManager fake;
  for (int p = 10000; p < 10300; ++p) fake.Put(p, "pw" + std::to_string(p), "aes-128-gcm");
  fake.SetListSplitBytes(2000);
  auto listed = SsManagerClient(fake.address(), kDeadline).List();
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 300u);
  EXPECT_EQ(listed->back().port, 10299);
  EXPECT_EQ(listed->back().password, "pw10299");
}

TEST(SsManagerClient, ReadsAPingReplySplitOverSeveralDatagrams) {
  FakeSsManager fake;
  for (int p = 10000; p < 10400; ++p) fake.Put(p, "pw", "aes-128-gcm", p * 3);
  fake.SetPingSplitBytes(2048);
  const auto start = Clock::now();
  auto stats = SsManagerClient(fake.address(), kDeadline).Ping();
  EXPECT_LT(Since(start), kDeadline) << "it should stop after an idle gap, not at the deadline";
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  const auto dropped = fake.DroppedInLastPing();
  ASSERT_GE(dropped.size(), 2u) << "the reply should have come in at least three datagrams";
  EXPECT_EQ(stats->size(), 400u - dropped.size());
  for (int p = 10000; p < 10400; ++p) {
    if (std::find(dropped.begin(), dropped.end(), p) != dropped.end()) continue;
    ASSERT_EQ(stats->count(p), 1u) << p;
    EXPECT_EQ(stats->at(p), p * 3);
  }
}

TEST(SsManagerClient, SingleDatagramRepliesDoNotWaitForTheIdleGap) {
  FakeSsManager fake;
  fake.Put(8388, "pw", "aes-256-gcm", 574);
  SsManagerClient client(fake.address(), std::chrono::seconds(10), std::chrono::seconds(5));
  const auto start = Clock::now();
  auto stats = client.Ping();
  auto listed = client.List();
  EXPECT_LT(Since(start), std::chrono::seconds(2));
  ASSERT_TRUE(stats.ok());
  EXPECT_THAT(*stats, ElementsAre(Pair(8388, 574)));
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 1u);
}

TEST(SsManagerClient, SilentManagerGivesDeadlineExceededNamingItWithinTheDeadline) {
  FakeSsManager fake;
  fake.SetSilent(true);
  SsManagerClient client(fake.address(), kDeadline);
  for (auto call : {+[](SsManagerClient& c) { return c.Ping().status(); },
                    +[](SsManagerClient& c) { return c.List().status(); },
                    +[](SsManagerClient& c) { return c.Add(8388, "pw", "aes-256-gcm"); },
                    +[](SsManagerClient& c) { return c.Remove(8388); }}) {
    const auto start = Clock::now();
    Status st = call(client);
    const auto took = Since(start);
    EXPECT_EQ(st.code(), StatusCode::kDeadlineExceeded) << st.ToString();
    EXPECT_THAT(st.message(), HasSubstr(fake.address()));
    EXPECT_GE(took, kDeadline - milliseconds(5));
    EXPECT_LT(took, kDeadline + kSlack);
  }
}

TEST(SsManagerClient, NothingListeningGivesUnavailableBeforeTheDeadline) {
  const std::string address = "127.0.0.1:" + std::to_string(ClosedUdpPort());
  SsManagerClient client(address, std::chrono::seconds(5));
  const auto start = Clock::now();
  auto stats = client.Ping();
  EXPECT_EQ(stats.status().code(), StatusCode::kUnavailable) << stats.status().ToString();
  EXPECT_THAT(stats.status().message(), HasSubstr(address));
  EXPECT_LT(Since(start), milliseconds(1000));
}

TEST(SsManagerClient, ResolvesAHostname) {
  FakeSsManager fake;
  HostResolver resolver;
  auto stats = SsManagerClient("localhost:" + std::to_string(fake.port()), kDeadline,
                               milliseconds(50), &resolver)
                   .Ping();
  EXPECT_TRUE(stats.ok()) << stats.status().ToString();
}

TEST(SsManagerClient, AHostNameWithoutAResolverIsRefused) {
  auto stats = SsManagerClient("localhost:8839", kDeadline).Ping();
  EXPECT_EQ(stats.status().code(), StatusCode::kInvalidArgument) << stats.status().ToString();
}

// DNS that never answers: the call ends at its deadline with a retryable error naming the
// manager, and the lookup occupies the resolver's one thread instead of a new one per call.
TEST(SsManagerClient, AHangingLookupEndsTheCallAtItsDeadline) {
  auto released = std::make_shared<std::atomic<bool>>(false);
  HostResolverOptions options;
  options.threads = 1;
  HostResolver resolver(options, [released](const std::string&, int) -> Result<ResolvedAddress> {
    while (!released->load()) std::this_thread::sleep_for(milliseconds(5));
    return Unavailable("released");
  });
  SsManagerClient client("manager.example:8839", kDeadline, milliseconds(50), &resolver);
  for (int i = 0; i < 3; ++i) {
    const auto start = Clock::now();
    auto stats = client.Ping();
    const auto took = Since(start);
    EXPECT_EQ(stats.status().code(), StatusCode::kDeadlineExceeded) << stats.status().ToString();
    EXPECT_THAT(stats.status().message(), HasSubstr("manager.example:8839"));
    EXPECT_GE(took, kDeadline - milliseconds(5));
    EXPECT_LT(took, kDeadline + kSlack);
  }
  EXPECT_EQ(resolver.threads(), 1);
  released->store(true);
}

TEST(SsManagerClient, PortNotAvailableIsRetryableAndCarriesTheReply) {
  FakeSsManager fake;
  fake.MakePortBusy(8388, 1);
  Status st = SsManagerClient(fake.address(), kDeadline).Add(8388, "pw", "aes-256-gcm");
  EXPECT_EQ(st.code(), StatusCode::kUnavailable);
  EXPECT_TRUE(st.retryable());
  EXPECT_TRUE(IsPortNotAvailable(st));
  EXPECT_THAT(st.message(), HasSubstr("port is not available"));
  EXPECT_THAT(st.message(), ::testing::Not(HasSubstr("pw\"")));
}

TEST(SsManagerClient, ErrReplyIsInternal) {
  FakeSsManager fake;
  fake.SetOverride([](const std::string&) -> std::optional<std::vector<std::string>> {
    return std::vector<std::string>{"err"};
  });
  SsManagerClient client(fake.address(), kDeadline);
  EXPECT_EQ(client.Add(8388, "pw", "aes-256-gcm").code(), StatusCode::kInternal);
  EXPECT_EQ(client.Remove(8388).code(), StatusCode::kInternal);
}

TEST(SsManagerClient, GarbageToTheRealProtocolGetsErr) {
  FakeSsManager fake;
  fake.SetOverride([](const std::string& req) -> std::optional<std::vector<std::string>> {
    // Check what the client puts on the wire: one datagram, "verb: {json}".
    auto body = nlohmann::json::parse(req.substr(req.find('{')), nullptr, false);
    if (req.rfind("add: ", 0) == 0 && body.is_object() && body["server_port"] == 8388 &&
        body["password"] == "pw" && body["method"] == "aes-256-gcm") {
      return std::vector<std::string>{"ok"};
    }
    return std::vector<std::string>{"err"};
  });
  EXPECT_TRUE(SsManagerClient(fake.address(), kDeadline).Add(8388, "pw", "aes-256-gcm").ok());
}

}  // namespace
}  // namespace vpnhub::vpn::shadowsocks
