#pragma once
// Checkpoints a WAL database on a background thread, so a commit on the writer connection never
// pays for copying pages back into the database file and syncing it. (SQLite's own
// auto-checkpoint runs inside the COMMIT that crosses the threshold; with an expiry sweep that
// dirties a thousand pages that is most of the transaction's time.)
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/status.hpp"
#include "storage/sqlite/connection.hpp"

namespace vpnhub::storage {

class WalCheckpointer {
 public:
  // Opens a connection of its own to `path` and installs a WAL hook on `writer` (which replaces
  // the writer's auto-checkpoint): after a commit leaves at least `threshold_frames` frames in
  // the WAL, the thread runs a PASSIVE checkpoint, which never blocks readers or the writer.
  // `writer` must outlive the checkpointer and must not be in use while Start runs.
  static Result<std::unique_ptr<WalCheckpointer>> Start(const std::string& path, Connection& writer,
                                                        int threshold_frames);
  // Removes the hook from the writer and stops the thread. The writer must not be in use.
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

 private:
  WalCheckpointer(std::unique_ptr<Connection> conn, Connection& writer, int threshold_frames);
  static int OnCommit(void* self, sqlite3* db, const char* schema, int frames);
  void Loop();

  std::unique_ptr<Connection> conn_;  // used only by the thread
  Connection& writer_;
  const int threshold_frames_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool pending_ = false;  // guarded by mu_
  bool stop_ = false;     // guarded by mu_
  std::thread thread_;
};

}  // namespace vpnhub::storage
