#pragma once
// Runs items of work on a fixed set of threads. Post blocks while the queue is full (the bot
// poller's back-pressure); TryPost refuses instead (a route, which runs on an io thread).
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace vpnhub::app {

template <typename T>
class WorkPool {
 public:
  WorkPool(int threads, std::size_t capacity, std::function<void(T)> handle)
      : handle_(std::move(handle)), capacity_(capacity) {
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Run(); });
  }
  ~WorkPool() { Stop(); }
  WorkPool(const WorkPool&) = delete;
  WorkPool& operator=(const WorkPool&) = delete;

  void Post(T item) {
    std::unique_lock lock(mu_);
    not_full_.wait(lock, [this] { return stopping_ || queue_.size() < capacity_; });
    if (stopping_) return;
    queue_.push_back(std::move(item));
    not_empty_.notify_one();
  }
  bool TryPost(T item) {
    std::lock_guard lock(mu_);
    if (stopping_ || queue_.size() >= capacity_) return false;
    queue_.push_back(std::move(item));
    not_empty_.notify_one();
    return true;
  }
  // Finishes the queued items, then joins the threads. Safe to call twice.
  void Stop() {
    {
      std::lock_guard lock(mu_);
      if (stopping_ && threads_.empty()) return;
      stopping_ = true;
    }
    not_empty_.notify_all();
    not_full_.notify_all();
    for (auto& t : threads_) t.join();
    threads_.clear();
  }
  std::size_t depth() const {
    std::lock_guard lock(mu_);
    return queue_.size();
  }

 private:
  void Run() {
    for (;;) {
      T item;
      {
        std::unique_lock lock(mu_);
        not_empty_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping, and everything queued is done
        item = std::move(queue_.front());
        queue_.pop_front();
        not_full_.notify_one();
      }
      handle_(std::move(item));
    }
  }

  std::function<void(T)> handle_;
  const std::size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable not_empty_, not_full_;
  std::deque<T> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace vpnhub::app
