#pragma once
// A throwaway PostgreSQL 15 cluster for tests: initdb into a temporary directory, pg_ctl start on
// a free loopback port, pg_ctl stop and delete on destruction. PostgreSQL refuses to run as root,
// so under root (CI) the directory belongs to the `postgres` system user and the server binaries
// run through runuser.
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/status.hpp"

namespace vpnhub::storage {

class PgConnection;

class PgTestServer {
 public:
  // initdb + start. kUnavailable (with the tail of the server's log) when it cannot.
  static Result<std::unique_ptr<PgTestServer>> Start();
  // One server for the whole test process, started on first use and stopped at exit. Later
  // calls return the first call's error when the start failed.
  static Result<PgTestServer*> Shared();

  ~PgTestServer();  // stops the server (fast) and deletes its directory
  PgTestServer(const PgTestServer&) = delete;
  PgTestServer& operator=(const PgTestServer&) = delete;

  // pg_ctl stop -m fast (the data stays) / start again on the same port.
  Status Stop();
  Status Restart();

  int port() const { return port_; }
  // postgres://vpnhub@127.0.0.1:PORT/DATABASE (trust authentication, no password).
  std::string Url(const std::string& database) const;

  // A new empty database (t_1, t_2, ...) and its removal (connections are terminated first).
  // Thread-safe.
  Result<std::string> CreateDatabase();
  Status DropDatabase(const std::string& name);

 private:
  PgTestServer(std::string dir, int port) : dir_(std::move(dir)), port_(port) {}
  // Runs `program` (as `postgres` under root) with output appended to the log file.
  Status RunAsServerUser(const std::string& program, const std::vector<std::string>& args) const;
  Status RunPgBinary(const std::string& binary, const std::vector<std::string>& args) const;
  // Fills data/ from a cluster initdb'd once per build tree (initdb is most of a start's cost),
  // creating that template first when needed.
  Status CopyTemplate();
  Status StartServer();
  Result<PgConnection*> Maintenance();  // requires mu_

  const std::string dir_;
  int port_;
  bool running_ = false;

  std::mutex mu_;
  std::unique_ptr<PgConnection> maintenance_;  // guarded by mu_
  int next_database_ = 0;                      // guarded by mu_
};

// A fresh database on a server, dropped when this object dies.
class PgTestDatabase {
 public:
  // On the shared server. Fails (with the reason) when the server or the database cannot be made.
  static Result<std::unique_ptr<PgTestDatabase>> Create();
  static Result<std::unique_ptr<PgTestDatabase>> Create(PgTestServer& server);
  ~PgTestDatabase();
  PgTestDatabase(const PgTestDatabase&) = delete;
  PgTestDatabase& operator=(const PgTestDatabase&) = delete;

  const std::string& name() const { return name_; }
  std::string url() const { return server_.Url(name_); }

 private:
  PgTestDatabase(PgTestServer& server, std::string name)
      : server_(server), name_(std::move(name)) {}

  PgTestServer& server_;
  std::string name_;
};

}  // namespace vpnhub::storage
