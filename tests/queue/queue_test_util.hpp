#pragma once
// Shared by the queue tests: a wall clock, a flood of issued keys, every task row.
#include <gtest/gtest.h>

#include <chrono>
#include <vector>

#include "core/ports/clock.hpp"
#include "core/ports/store.hpp"
#include "core/usecases/key_service.hpp"

namespace vpnhub::queue_test {

// Real time at millisecond precision, as the store keeps it.
class WallClock : public ports::Clock {
 public:
  Time Now() const override {
    return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
  }
};

// Issues `count` day-long keys in location "nl" for people 1..count: each commits a key and its
// provision_key task.
inline ::testing::AssertionResult IssueKeys(usecases::KeyService& keys, int count) {
  for (int i = 1; i <= count; ++i) {
    usecases::IssueKeyRequest req;
    req.tg_id = i;
    req.location_name = "nl";
    req.duration = std::chrono::hours(24);
    auto issued = keys.Issue(req);
    if (!issued.ok()) return ::testing::AssertionFailure() << issued.status().ToString();
  }
  return ::testing::AssertionSuccess();
}

// Every task row, newest first.
inline std::vector<Task> AllTasks(ports::Store& store) {
  std::vector<Task> out;
  EXPECT_TRUE(store
                  .Read([&](ports::StoreTx& tx) -> Status {
                    auto r = tx.tasks().ListTasks(std::nullopt, 100000);
                    if (!r.ok()) return r.status();
                    out = *r;
                    return Status::Ok();
                  })
                  .ok());
  return out;
}

}  // namespace vpnhub::queue_test
