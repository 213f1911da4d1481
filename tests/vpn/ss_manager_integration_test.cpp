// The shadowsocks backend against a real ss-manager (shadowsocks-libev): keys are created,
// used through a real ss-local + curl, left alone when created again, never taken over by another
// key, and deleted.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/prctl.h>

#include <filesystem>
#include <memory>
#include <random>
#include <set>
#include <string>

#include "vpn/integration_support.hpp"
#include "vpn/shadowsocks/shadowsocks_backend.hpp"
#include "vpn/shadowsocks/ss_manager_client.hpp"

namespace vpnhub::vpn::shadowsocks {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;
using test::ChildProcess;
using test::FetchThroughSocks;

constexpr char kMethod[] = "chacha20-ietf-poly1305";
constexpr int kRangeSize = 4;

std::string RandomToken(std::size_t n) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> pick(0, 61);
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += kAlphabet[pick(rng)];
  return out;
}

std::string Base64UrlDecode(const std::string& in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
  };
  std::string out;
  int bits = 0;
  unsigned acc = 0;
  for (char c : in) {
    const int v = value(c);
    if (v < 0) break;
    acc = (acc << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

// method and password out of "ss://base64url(method:password)@host:port#tag".
std::pair<std::string, std::string> CredentialsFromLink(const std::string& link) {
  const auto at = link.find('@');
  const std::string userinfo = Base64UrlDecode(link.substr(5, at - 5));
  const auto colon = userinfo.find(':');
  return {userinfo.substr(0, colon), userinfo.substr(colon + 1)};
}

class SsManagerIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ss_manager_ = test::FindInPath("ss-manager");
    ss_local_ = test::FindInPath("ss-local");
    curl_ = test::FindInPath("curl");
    if (ss_manager_.empty() || ss_local_.empty() || curl_.empty()) {
      GTEST_SKIP() << "needs ss-manager, ss-local (shadowsocks-libev) and curl";
    }
    // ss-manager starts each ss-server with system() and the server daemonizes; as a subreaper
    // this test inherits those orphans and can reap them instead of leaving zombies behind.
    ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);

    char tmpl[] = "/tmp/vpnhub-ss-it-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    fs::create_directories(dir_ / "ss");  // ss-manager -D must exist
    content_ = "hello-through-ss-" + RandomToken(12) + "\n";
    http_ = std::make_unique<test::TinyHttpServer>(content_);

    manager_address_ = "127.0.0.1:" + std::to_string(test::FreePort(SOCK_DGRAM));
    manager_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{ss_manager_, "--manager-address", manager_address_, "-s",
                                 "127.0.0.1", "-m", kMethod, "-D", (dir_ / "ss").string(), "-u"},
        (dir_ / "ss-manager.log").string());
    SsManagerClient probe(manager_address_, milliseconds(200));
    const bool ready =
        test::WaitFor([&] { return probe.Ping().ok() || !manager_->Running(); }, seconds(10));
    ASSERT_TRUE(ready && manager_->Running()) << "ss-manager did not answer ping; log:\n"
                                              << test::ReadFile(dir_ / "ss-manager.log");

    port_from_ = test::FreePortRange(kRangeSize);
    server_.id = 1;
    server_.name = "it-ss";
    server_.kind = "shadowsocks";
    server_.public_host = "127.0.0.1";
    server_.capacity = kRangeSize;
    server_.settings = {{"manager", manager_address_},
                        {"method", kMethod},
                        {"port_from", std::to_string(port_from_)},
                        {"port_to", std::to_string(port_from_ + kRangeSize - 1)}};
    ASSERT_TRUE(backend_.ValidateSettings(server_).ok());
  }

  void TearDown() override {
    locals_.clear();  // SIGTERM + waitpid each ss-local
    std::set<pid_t> servers;
    if (!dir_.empty() && fs::exists(dir_ / "ss")) {
      for (const auto& entry : fs::directory_iterator(dir_ / "ss")) {
        if (entry.path().extension() == ".pid") {
          const int pid = std::atoi(test::ReadFile(entry.path()).c_str());
          if (pid > 0) servers.insert(pid);
        }
      }
    }
    if (manager_) manager_->Stop();  // ss-manager SIGTERMs its ss-servers on the way out
    for (pid_t pid : servers) {
      // Ours by inheritance (subreaper): waitpid works; kill only if it outlived the grace.
      if (!test::WaitForExit(pid, seconds(3))) test::StopProcess(pid);
    }
    // Reap ss-servers that were removed during the test and have been zombies since.
    while (::waitpid(-1, nullptr, WNOHANG) > 0) {
    }
    http_.reset();
    if (!dir_.empty()) {
      std::error_code ec;
      fs::remove_all(dir_, ec);
    }
  }

  // Starts ss-local for the credentials of `link` (what a user would import) and waits until it
  // accepts; returns its SOCKS port.
  int StartLocal(const std::string& link, int server_port) {
    const auto [method, password] = CredentialsFromLink(link);
    const int local_port = test::FreePort(SOCK_STREAM);
    locals_.push_back(std::make_unique<ChildProcess>(
        std::vector<std::string>{ss_local_, "-s", "127.0.0.1", "-p", std::to_string(server_port),
                                 "-l", std::to_string(local_port), "-b", "127.0.0.1", "-k",
                                 password, "-m", method},
        (dir_ / ("ss-local-" + std::to_string(local_port) + ".log")).string()));
    EXPECT_TRUE(test::WaitFor([&] { return test::TcpConnects(local_port); }, seconds(5)))
        << "ss-local did not listen";
    return local_port;
  }

  Key MakeKey(int slot, const std::string& secret) {
    Key k;
    k.id = 10 + slot;
    k.slot = slot;
    k.secret = secret;
    k.remote_name = "vpnhub-it-" + std::to_string(slot);
    return k;
  }

  bool Listed(int port, const std::string& secret) {
    auto keys = backend_.ListKeys(server_);
    EXPECT_TRUE(keys.ok()) << keys.status().ToString();
    if (!keys.ok()) return false;
    for (const auto& k : *keys) {
      if (k.remote_id == std::to_string(port) && k.secret == secret) return true;
    }
    return false;
  }

  std::string PidOfServer(int port) {
    return test::ReadFile(dir_ / "ss" / (".shadowsocks_" + std::to_string(port) + ".pid"));
  }

  std::string ss_manager_, ss_local_, curl_;
  fs::path dir_;
  std::string content_;
  std::string manager_address_;
  std::unique_ptr<test::TinyHttpServer> http_;
  std::unique_ptr<ChildProcess> manager_;
  std::vector<std::unique_ptr<ChildProcess>> locals_;
  int port_from_ = 0;
  Server server_;
  ShadowsocksBackend backend_{seconds(3)};
};

TEST_F(SsManagerIntegrationTest, KeyWorksEndToEndStaysOnRecreateAndDiesOnDelete) {
  const Key key = MakeKey(1, RandomToken(20));
  const int port = port_from_ + 1;
  ASSERT_FALSE(Listed(port, key.secret));

  ASSERT_TRUE(backend_.CreateKey(server_, key).ok());
  EXPECT_TRUE(Listed(port, key.secret));
  auto delivery = backend_.Delivery(server_, key, "VPNHub | Local");
  ASSERT_TRUE(delivery.ok()) << delivery.status().ToString();
  EXPECT_THAT(delivery->link, ::testing::HasSubstr("@127.0.0.1:" + std::to_string(port) + "#"));
  const int local = StartLocal(delivery->link, port);
  auto fetched = FetchThroughSocks(local, http_->port());
  EXPECT_EQ(fetched.exit_code, 0);
  EXPECT_EQ(fetched.output, content_);

  // Creating it again must not touch the running ss-server (a re-add would restart or kill it).
  const std::string pid_before = PidOfServer(port);
  ASSERT_FALSE(pid_before.empty());
  ASSERT_TRUE(backend_.CreateKey(server_, key).ok());
  EXPECT_EQ(PidOfServer(port), pid_before);
  EXPECT_EQ(::kill(std::atoi(pid_before.c_str()), 0), 0) << "the ss-server should still run";
  fetched = FetchThroughSocks(local, http_->port());
  EXPECT_EQ(fetched.exit_code, 0);
  EXPECT_EQ(fetched.output, content_);

  EXPECT_TRUE(backend_.Ping(server_).ok());
  auto stats = SsManagerClient(manager_address_, seconds(3)).Ping();
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->count(port), 1u);

  ASSERT_TRUE(backend_.DeleteKey(server_, key).ok());
  EXPECT_FALSE(Listed(port, key.secret));
  // ss-manager only signals the ss-server; wait until the port is closed before the last fetch.
  EXPECT_TRUE(test::WaitFor([&] { return !test::TcpConnects(port); }, seconds(5)));
  fetched = FetchThroughSocks(local, http_->port(), 3);
  EXPECT_NE(fetched.exit_code, 0);
  EXPECT_NE(fetched.output, content_);
  EXPECT_TRUE(backend_.DeleteKey(server_, key).ok());  // absent: still Ok
}

TEST_F(SsManagerIntegrationTest, AnotherKeysPortIsNeverTakenOver) {
  // Two servers on one ss-manager with overlapping ranges used to hand out one port twice: the
  // second key's provisioning removed the first key's ss-server and put its own password there.
  const Key first_key = MakeKey(2, RandomToken(20));
  const int port = port_from_ + 2;
  ASSERT_TRUE(backend_.CreateKey(server_, first_key).ok());
  const int first_local = StartLocal(backend_.Delivery(server_, first_key, "first")->link, port);
  ASSERT_EQ(FetchThroughSocks(first_local, http_->port()).output, content_);
  const std::string pid_before = PidOfServer(port);
  ASSERT_FALSE(pid_before.empty());

  Server overlapping = server_;  // another server row on the same manager and ports
  overlapping.id = 2;
  overlapping.name = "it-ss-overlapping";
  const Key second_key = MakeKey(2, RandomToken(20));
  Status st = backend_.CreateKey(overlapping, second_key);
  EXPECT_EQ(st.code(), StatusCode::kAlreadyExists) << st.ToString();
  EXPECT_THAT(st.message(), ::testing::HasSubstr("port " + std::to_string(port)));

  // The first key's ss-server was not touched and still carries its traffic.
  EXPECT_TRUE(Listed(port, first_key.secret));
  EXPECT_FALSE(Listed(port, second_key.secret));
  EXPECT_EQ(PidOfServer(port), pid_before);
  EXPECT_EQ(::kill(std::atoi(pid_before.c_str()), 0), 0) << "the first ss-server should still run";
  auto fetched = FetchThroughSocks(first_local, http_->port());
  EXPECT_EQ(fetched.exit_code, 0);
  EXPECT_EQ(fetched.output, content_);

  // Revoking the refused key must not take the first key's port either.
  ASSERT_TRUE(backend_.DeleteKey(overlapping, second_key).ok());
  EXPECT_TRUE(Listed(port, first_key.secret));
  EXPECT_EQ(FetchThroughSocks(first_local, http_->port()).output, content_);
}

TEST_F(SsManagerIntegrationTest, ManagerThatStoppedIsUnavailableNotAHang) {
  manager_->Stop();
  const auto start = test::Clock::now();
  Status st = backend_.Ping(server_);
  EXPECT_TRUE(st.code() == StatusCode::kUnavailable || st.code() == StatusCode::kDeadlineExceeded)
      << st.ToString();
  EXPECT_LT(test::Clock::now() - start, seconds(3) + milliseconds(700));
}

}  // namespace
}  // namespace vpnhub::vpn::shadowsocks
