#pragma once
// An exclusive advisory lock on a file (flock), held while the object lives. The kernel drops it
// when the process dies, however it dies, so a crash never leaves a stale lock behind.
#include <string>

#include "core/status.hpp"

namespace vpnhub::app {

class FileLock {
 public:
  FileLock() = default;
  ~FileLock();
  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

  // Creates `path` when missing (mode 0600) and locks it without waiting; the file then holds
  // this process's pid. kAlreadyExists when another process holds the lock (the message names
  // its pid when the file tells it), kUnavailable when the file cannot be opened.
  static Result<FileLock> Acquire(const std::string& path);

  bool held() const { return fd_ >= 0; }
  const std::string& path() const { return path_; }

 private:
  int fd_ = -1;
  std::string path_;
};

}  // namespace vpnhub::app
