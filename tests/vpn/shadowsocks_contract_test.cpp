// The backend contract suite (backend_contract.hpp) for the shadowsocks kind, against a real
// ss-manager (shadowsocks-libev) on loopback: a fresh manager per test, hung by SIGSTOP and
// answering again on SIGCONT, restarted by SIGTERM and a new process on the same UDP address.
// ss-manager keeps no keys over a restart (it stops its ss-servers and starts none of them again).
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "fakes/fake_secrets.hpp"
#include "vpn/backend_contract.hpp"
#include "vpn/integration_support.hpp"
#include "vpn/shadowsocks/shadowsocks_backend.hpp"
#include "vpn/shadowsocks/ss_manager_client.hpp"

namespace vpnhub::vpn::shadowsocks {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr char kMethod[] = "chacha20-ietf-poly1305";
constexpr int kRangeSize = 4;
// The backend's call deadline: the contract's maximum (an add waits for ss-server to daemonize,
// which a loaded machine may make slow).
constexpr milliseconds kCallDeadline = contract::kMaxCallDeadline;

class SsHarness : public contract::Harness {
 public:
  // Set up by Start() (so that a missing ss-manager can skip the test).
  SsHarness() = default;
  ~SsHarness() override {
    if (hung_) Unhang();
    StopManager();
    if (!dir_.empty()) {
      std::error_code ec;
      fs::remove_all(dir_, ec);
    }
  }

  // False (the test skipped or failed) when ss-manager cannot run here.
  bool Start() {
    ss_manager_ = test::FindInPath("ss-manager");
    if (ss_manager_.empty() || test::FindInPath("ss-server").empty()) {
      SkipWithoutShadowsocks();
      return false;
    }
    // ss-manager starts each ss-server with system() and the server daemonizes; as a subreaper
    // this process inherits those orphans and reaps them.
    if (::prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
      ADD_FAILURE() << "prctl(PR_SET_CHILD_SUBREAPER) failed";
      return false;
    }
    char tmpl[] = "/tmp/vpnhub-ss-contract-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) {
      ADD_FAILURE() << "mkdtemp failed";
      return false;
    }
    dir_ = tmpl;
    fs::create_directories(dir_ / "ss");  // ss-manager -D must exist
    manager_address_ = "127.0.0.1:" + std::to_string(test::FreePort(SOCK_DGRAM));
    if (!StartManager()) return false;

    const int port_from = test::FreePortRange(kRangeSize);
    server_.id = 1;
    server_.location_id = 1;
    server_.name = "contract-ss";
    server_.kind = kKindName;
    server_.public_host = "127.0.0.1";
    server_.capacity = kRangeSize;
    server_.settings = {{"manager", manager_address_},
                        {"method", kMethod},
                        {"port_from", std::to_string(port_from)},
                        {"port_to", std::to_string(port_from + kRangeSize - 1)}};
    return true;
  }

  ports::VpnBackend& backend() override { return backend_; }
  Server server() override { return server_; }
  Key NewKey(int slot) override {
    Key k;
    k.id = 100 + (++keys_made_);
    k.user_id = 42;
    k.server_id = server_.id;
    k.slot = slot;
    k.secret = backend_.NewSecret(secrets_);
    k.remote_name = "vpnhub-contract-" + std::to_string(k.id);
    k.state = KeyState::kPending;
    return k;
  }
  // ss-manager has no credential: anyone who reaches its socket controls it.

  void Hang() override {
    ASSERT_EQ(::kill(manager_->pid(), SIGSTOP), 0);
    hung_ = true;
  }
  void Unhang() override {
    ASSERT_EQ(::kill(manager_->pid(), SIGCONT), 0);
    hung_ = false;
  }
  void RestartRemote() override {
    StopManager();
    ASSERT_TRUE(StartManager());
  }
  bool RestartKeepsKeys() const override { return false; }

 private:
  bool StartManager() {
    manager_ = std::make_unique<test::ChildProcess>(
        std::vector<std::string>{ss_manager_, "--manager-address", manager_address_, "-s",
                                 "127.0.0.1", "-m", kMethod, "-D", (dir_ / "ss").string(), "-u"},
        (dir_ / "ss-manager.log").string());
    SsManagerClient probe(manager_address_, milliseconds(200));
    const bool ready =
        test::WaitFor([&] { return probe.Ping().ok() || !manager_->Running(); }, seconds(10));
    if (!ready || !manager_->Running()) {
      ADD_FAILURE() << "ss-manager did not answer ping; log:\n"
                    << test::ReadFile(dir_ / "ss-manager.log");
      return false;
    }
    return true;
  }

  // Stops ss-manager, which SIGTERMs its ss-servers, and waits until those have exited so that
  // their ports are free again.
  void StopManager() {
    if (!manager_) return;
    std::set<pid_t> servers;
    if (fs::exists(dir_ / "ss")) {
      for (const auto& entry : fs::directory_iterator(dir_ / "ss")) {
        if (entry.path().extension() == ".pid") {
          const int pid = std::atoi(test::ReadFile(entry.path()).c_str());
          if (pid > 0) servers.insert(pid);
        }
      }
    }
    manager_->Stop();  // it finds its ss-servers by their pid files
    manager_.reset();
    for (pid_t pid : servers) {
      // Ours by inheritance (subreaper): waitpid works, and a pid that is not our child is
      // ECHILD, never killed.
      if (!test::WaitForExit(pid, seconds(3))) test::StopProcess(pid);
    }
    // ss-servers removed during the test have been zombies since.
    while (::waitpid(-1, nullptr, WNOHANG) > 0) {
    }
    // A restarted manager writes its own; stale ones would name exited processes.
    for (const auto& entry : fs::directory_iterator(dir_ / "ss")) {
      std::error_code ec;
      if (entry.path().extension() == ".pid") fs::remove(entry.path(), ec);
    }
  }
  static void SkipWithoutShadowsocks() {
    GTEST_SKIP() << "needs ss-manager and ss-server (shadowsocks-libev)";
  }

  std::string ss_manager_;
  fs::path dir_;
  std::string manager_address_;
  std::unique_ptr<test::ChildProcess> manager_;
  bool hung_ = false;
  Server server_;
  int keys_made_ = 0;
  fakes::FakeSecrets secrets_;
  ShadowsocksBackend backend_{kCallDeadline};
};

std::unique_ptr<contract::Harness> MakeSsHarness() {
  auto h = std::make_unique<SsHarness>();
  if (!h->Start()) return nullptr;
  return h;
}

VPNHUB_BACKEND_CONTRACT(ShadowsocksContract, MakeSsHarness);

}  // namespace
}  // namespace vpnhub::vpn::shadowsocks
