#pragma once
// Helpers for SqliteStore tests: a temporary directory and a store that lives in one.
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <utility>

#include "core/ports/store.hpp"
#include "storage/sqlite/sqlite_store.hpp"

namespace vpnhub::storage {

// A fresh directory under the system temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "vpnhub-storage-XXXXXX");
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  bool ok() const { return !path_.empty(); }
  const std::filesystem::path& path() const { return path_; }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// A SqliteStore on a file in its own temporary directory; the directory goes when the store does.
class TempFileStore final : public ports::Store {
 public:
  static std::unique_ptr<ports::Store> Make() {
    auto dir = std::make_unique<TempDir>();
    if (!dir->ok()) return nullptr;
    auto store = SqliteStore::Open({dir->File("vpnhub.db")});
    if (!store.ok()) return nullptr;
    return std::unique_ptr<ports::Store>(new TempFileStore(std::move(dir), std::move(*store)));
  }

  Status RunWrite(ports::WriteKind kind, const TxFn& fn) override {
    return store_->Write(kind, fn);
  }
  Status Read(const TxFn& fn) override { return store_->Read(fn); }
  Status Ping() override { return store_->Ping(); }

  // The database file, for a second SqliteStore on it.
  std::string path() const { return dir_->File("vpnhub.db"); }

  // A second SqliteStore (its own connection) on the file of `first`, a store Make returned.
  static std::unique_ptr<ports::Store> OpenAgain(ports::Store& first) {
    auto store = SqliteStore::Open({static_cast<TempFileStore&>(first).path()});
    if (!store.ok()) return nullptr;
    return std::move(*store);
  }

 private:
  TempFileStore(std::unique_ptr<TempDir> dir, std::unique_ptr<SqliteStore> store)
      : dir_(std::move(dir)), store_(std::move(store)) {}

  std::unique_ptr<TempDir> dir_;  // declared first: outlives the store
  std::unique_ptr<SqliteStore> store_;
};

}  // namespace vpnhub::storage
