#pragma once
// BotApi clients for threads that call Telegram now and then (callback and pre-checkout answers,
// membership checks, invoices, refunds). A BotApi serves one thread at a time; the pool hands each
// caller one no other thread uses meanwhile and keeps it (and its open connection) for the next.
//
// Thread-safe.
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "telegram/bot_api.hpp"

namespace vpnhub::telegram {

class BotApiPool {
 public:
  explicit BotApiPool(BotApiOptions options) : options_(std::move(options)) {}
  BotApiPool(const BotApiPool&) = delete;
  BotApiPool& operator=(const BotApiPool&) = delete;

  // Runs fn(BotApi&) with a client no other thread uses meanwhile; returns what fn returns.
  template <typename Fn>
  auto With(Fn&& fn) {
    std::unique_ptr<BotApi> api = Acquire();
    auto result = fn(*api);
    Release(std::move(api));
    return result;
  }

 private:
  std::unique_ptr<BotApi> Acquire();
  void Release(std::unique_ptr<BotApi> api);

  BotApiOptions options_;
  std::mutex mu_;
  std::vector<std::unique_ptr<BotApi>> idle_;
};

}  // namespace vpnhub::telegram
