#include "storage/sqlite/wal_checkpointer.hpp"

#include <utility>

namespace vpnhub::storage {

Result<std::unique_ptr<WalCheckpointer>> WalCheckpointer::Start(const std::string& path,
                                                                Connection& writer,
                                                                int threshold_frames) {
  // The busy timeout does not apply: a PASSIVE checkpoint never waits for a lock.
  VPNHUB_ASSIGN_OR_RETURN(auto conn, Connection::Open(path, SQLITE_OPEN_READWRITE, 0));
  // It reads no rows; a tiny page cache is enough.
  VPNHUB_RETURN_IF_ERROR(conn->Exec("PRAGMA cache_size = -256"));
  std::unique_ptr<WalCheckpointer> checkpointer(
      new WalCheckpointer(std::move(conn), writer, threshold_frames));
  sqlite3_wal_hook(writer.raw(), &WalCheckpointer::OnCommit, checkpointer.get());
  return checkpointer;
}

WalCheckpointer::WalCheckpointer(std::unique_ptr<Connection> conn, Connection& writer,
                                 int threshold_frames)
    : conn_(std::move(conn)), writer_(writer), threshold_frames_(threshold_frames) {
  thread_ = std::thread([this] { Loop(); });
}

WalCheckpointer::~WalCheckpointer() {
  sqlite3_wal_hook(writer_.raw(), nullptr, nullptr);
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

int WalCheckpointer::OnCommit(void* self, sqlite3* /*db*/, const char* /*schema*/, int frames) {
  auto* checkpointer = static_cast<WalCheckpointer*>(self);
  if (frames >= checkpointer->threshold_frames_) {
    {
      std::lock_guard<std::mutex> lock(checkpointer->mu_);
      checkpointer->pending_ = true;
    }
    checkpointer->cv_.notify_one();
  }
  return SQLITE_OK;
}

void WalCheckpointer::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stop_ || pending_; });
    if (stop_) return;
    pending_ = false;
    lock.unlock();
    // A failure (another checkpoint running, I/O) is left for the next commit to retry.
    int wal_frames = 0;
    int checkpointed = 0;
    (void)sqlite3_wal_checkpoint_v2(conn_->raw(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &wal_frames,
                                    &checkpointed);
    lock.lock();
  }
}

}  // namespace vpnhub::storage
