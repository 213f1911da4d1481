#include "storage/pg_test_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "storage/postgres/pg_connection.hpp"

#ifndef VPNHUB_PG_BINDIR
#define VPNHUB_PG_BINDIR "/usr/lib/postgresql/15/bin"
#endif

namespace vpnhub::storage {
namespace {

constexpr char kRunuser[] = "/usr/sbin/runuser";
constexpr char kSuperuser[] = "vpnhub";
constexpr int kStartAttempts = 5;  // a free port can be taken before the server binds it

std::string Tail(const std::string& path, std::size_t bytes) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  return s.size() > bytes ? s.substr(s.size() - bytes) : s;
}

// A loopback port nobody listens on right now.
Result<int> FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Unavailable(std::string("socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int rc = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  if (rc == 0) rc = ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  if (rc != 0) return Unavailable(std::string("bind: ") + std::strerror(errno));
  return static_cast<int>(ntohs(addr.sin_port));
}

std::vector<std::string> InitdbArgs(const std::string& data) {
  return {"-D", data, "-U", kSuperuser, "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"};
}

}  // namespace

Result<std::unique_ptr<PgTestServer>> PgTestServer::Start() {
  std::string pattern = "/tmp/vpnhub-pg-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    return Unavailable(std::string("mkdtemp: ") + std::strerror(errno));
  }
  std::unique_ptr<PgTestServer> server(new PgTestServer(pattern, 0));
  if (::geteuid() == 0) {
    // initdb and postgres refuse to run as root: the cluster belongs to the postgres user.
    const passwd* pw = ::getpwnam("postgres");
    if (pw == nullptr) return Unavailable("running as root but there is no 'postgres' user");
    if (::chown(pattern.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      return Unavailable("chown " + pattern + ": " + std::strerror(errno));
    }
  }
  if (!server->CopyTemplate().ok()) {
    // Whatever stopped the template (a build directory the postgres user cannot enter, ...),
    // a cluster of our own still works, only slower.
    std::error_code ec;
    std::filesystem::remove_all(pattern + "/data", ec);
    VPNHUB_RETURN_IF_ERROR(server->RunPgBinary("initdb", InitdbArgs(pattern + "/data")));
  }
  Status st;
  for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
    auto port = FreePort();
    if (!port.ok()) return port.status();
    server->port_ = *port;
    st = server->StartServer();
    if (st.ok()) return server;
  }
  return st;
}

Result<PgTestServer*> PgTestServer::Shared() {
  struct State {
    std::mutex mu;
    bool tried = false;
    Status failure;
    std::unique_ptr<PgTestServer> server;
  };
  static State state;
  std::lock_guard<std::mutex> lock(state.mu);
  if (!state.tried) {
    state.tried = true;
    auto server = Start();
    if (server.ok()) {
      state.server = std::move(*server);
    } else {
      state.failure = server.status();
    }
  }
  if (state.server == nullptr) return state.failure;
  return state.server.get();
}

PgTestServer::~PgTestServer() {
  maintenance_.reset();
  if (running_) (void)Stop();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

Status PgTestServer::RunPgBinary(const std::string& binary,
                                 const std::vector<std::string>& args) const {
  return RunAsServerUser(std::string(VPNHUB_PG_BINDIR) + "/" + binary, args);
}

Status PgTestServer::CopyTemplate() {
#ifdef VPNHUB_PG_TEMPLATE_DIR
  const std::string root = VPNHUB_PG_TEMPLATE_DIR;
  const std::string data = root + "/data";
  {
    // Test processes run in parallel: one makes the template, the others wait for it.
    std::error_code ec;
    std::filesystem::create_directories(root, ec);
    if (ec) return Unavailable("template dir " + root + ": " + ec.message());
    const int lock = ::open((root + "/lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lock < 0) return Unavailable("template lock: " + std::string(std::strerror(errno)));
    Status st;
    if (::flock(lock, LOCK_EX) != 0)
      st = Unavailable("flock: " + std::string(std::strerror(errno)));
    if (st.ok() && !std::filesystem::exists(data + "/PG_VERSION")) {
      const std::string partial = root + "/data.partial";
      std::filesystem::remove_all(partial, ec);
      if (::geteuid() == 0) {
        const passwd* pw = ::getpwnam("postgres");
        if (pw == nullptr || ::chown(root.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
          st = Unavailable("cannot hand " + root + " to the postgres user");
        }
      }
      if (st.ok()) st = RunPgBinary("initdb", InitdbArgs(partial));
      // Renamed only when complete, so a crash half-way never leaves a broken template.
      if (st.ok()) std::filesystem::rename(partial, data, ec);
      if (st.ok() && ec) st = Unavailable("rename " + partial + ": " + ec.message());
    }
    ::close(lock);  // releases the flock
    VPNHUB_RETURN_IF_ERROR(st);
  }
  return RunAsServerUser("/bin/cp", {"-a", data, dir_ + "/data"});
#else
  return Unavailable("no template directory configured");
#endif
}

Status PgTestServer::RunAsServerUser(const std::string& program,
                                     const std::vector<std::string>& args) const {
  std::vector<std::string> argv;
  if (::geteuid() == 0) argv = {kRunuser, "-u", "postgres", "--"};
  argv.push_back(program);
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> pointers;
  for (std::string& a : argv) pointers.push_back(a.data());
  pointers.push_back(nullptr);
  const std::string log = dir_ + "/commands.log";

  const pid_t pid = ::fork();
  if (pid < 0) return Unavailable(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    // Only async-signal-safe calls until exec. Output goes to the log, never to the test's own
    // stdout: the server started by pg_ctl would otherwise hold ctest's pipe open.
    int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    int in = ::open("/dev/null", O_RDONLY);
    if (out < 0 || in < 0) ::_exit(126);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(out, 2);
    // The postgres user may not be allowed into the test's working directory.
    if (::chdir(dir_.c_str()) != 0) ::_exit(126);
    ::execv(pointers[0], pointers.data());
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return Unavailable(std::string("waitpid: ") + std::strerror(errno));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return Status::Ok();
  return Unavailable(program + " failed (status " + std::to_string(status) + "); log:\n" +
                     Tail(log, 2000) + "\nserver log:\n" + Tail(dir_ + "/server.log", 2000));
}

Status PgTestServer::StartServer() {
  const std::string options = "-p " + std::to_string(port_) + " -k " + dir_ +
                              " -c listen_addresses=127.0.0.1 -c fsync=off"
                              " -c synchronous_commit=off -c full_page_writes=off";
  VPNHUB_RETURN_IF_ERROR(RunPgBinary("pg_ctl", {"-D", dir_ + "/data", "-l", dir_ + "/server.log",
                                                "-w", "-t", "60", "-o", options, "start"}));
  running_ = true;
  return Status::Ok();
}

Status PgTestServer::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    maintenance_.reset();
  }
  VPNHUB_RETURN_IF_ERROR(RunPgBinary("pg_ctl", {"-D", dir_ + "/data", "-m", "fast", "-w", "stop"}));
  running_ = false;
  return Status::Ok();
}

Status PgTestServer::Restart() { return StartServer(); }

std::string PgTestServer::Url(const std::string& database) const {
  return std::string("postgres://") + kSuperuser + "@127.0.0.1:" + std::to_string(port_) + "/" +
         database;
}

Result<PgConnection*> PgTestServer::Maintenance() {
  if (maintenance_ == nullptr || !maintenance_->Healthy()) {
    auto conn = PgConnection::Open(Url("postgres"), std::chrono::seconds(10));
    if (!conn.ok()) return conn.status();
    maintenance_ = std::move(*conn);
  }
  return maintenance_.get();
}

Result<std::string> PgTestServer::CreateDatabase() {
  std::lock_guard<std::mutex> lock(mu_);
  auto conn = Maintenance();
  if (!conn.ok()) return conn.status();
  std::string name = "t_" + std::to_string(++next_database_);
  VPNHUB_RETURN_IF_ERROR((*conn)->Exec("CREATE DATABASE " + name));
  return name;
}

Status PgTestServer::DropDatabase(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto conn = Maintenance();
  if (!conn.ok()) return conn.status();
  return (*conn)->Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
}

Result<std::unique_ptr<PgTestDatabase>> PgTestDatabase::Create() {
  auto server = PgTestServer::Shared();
  if (!server.ok()) return server.status();
  return Create(**server);
}

Result<std::unique_ptr<PgTestDatabase>> PgTestDatabase::Create(PgTestServer& server) {
  auto name = server.CreateDatabase();
  if (!name.ok()) return name.status();
  return std::unique_ptr<PgTestDatabase>(new PgTestDatabase(server, std::move(*name)));
}

PgTestDatabase::~PgTestDatabase() { (void)server_.DropDatabase(name_); }

}  // namespace vpnhub::storage
