#include "telegram/bot_api_pool.hpp"

namespace vpnhub::telegram {

std::unique_ptr<BotApi> BotApiPool::Acquire() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      auto api = std::move(idle_.back());
      idle_.pop_back();
      return api;
    }
  }
  return std::make_unique<BotApi>(options_);
}

void BotApiPool::Release(std::unique_ptr<BotApi> api) {
  std::lock_guard lock(mu_);
  idle_.push_back(std::move(api));
}

}  // namespace vpnhub::telegram
