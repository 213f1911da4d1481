// PeriodicJob's cadences: fixed delay (the interval counts from a run's end) and fixed rate (from
// its start; an overrun is followed by the next run at once, never by a burst of missed runs).
#include "jobs/periodic.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace vpnhub::jobs {
namespace {

using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// The start times of a job's runs; each run holds for `work`, or until Release() when `held`.
class Runs {
 public:
  explicit Runs(milliseconds work, bool held_first = false) : work_(work), held_(held_first) {}

  void Run() {
    std::unique_lock lock(mu_);
    starts_.push_back(SteadyClock::now());
    cv_.notify_all();
    if (starts_.size() == 1 && held_) {
      cv_.wait(lock, [&] { return !held_; });
      return;
    }
    lock.unlock();
    std::this_thread::sleep_for(work_);  // the job's own work
  }
  void Release() {
    std::lock_guard lock(mu_);
    held_ = false;
    released_at_ = SteadyClock::now();
    cv_.notify_all();
  }
  // The first `n` start times, once there are that many (fails the test after 10 s).
  std::vector<SteadyClock::time_point> AwaitStarts(std::size_t n) {
    std::unique_lock lock(mu_);
    const bool got =
        cv_.wait_for(lock, std::chrono::seconds(10), [&] { return starts_.size() >= n; });
    EXPECT_TRUE(got) << "only " << starts_.size() << " of " << n << " runs started";
    return {starts_.begin(), starts_.begin() + std::min(n, starts_.size())};
  }
  SteadyClock::time_point released_at() {
    std::lock_guard lock(mu_);
    return released_at_;
  }

 private:
  milliseconds work_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool held_;
  std::vector<SteadyClock::time_point> starts_;
  SteadyClock::time_point released_at_{};
};

milliseconds Ms(SteadyClock::duration d) { return std::chrono::duration_cast<milliseconds>(d); }

TEST(PeriodicJobTest, AShortenedWaitAppliesToTheNextRunOnly) {
  // Interval 400 ms; the first run asks for the next after 50 ms, the others ask nothing.
  Runs runs(milliseconds(0));
  PeriodicJob* self = nullptr;
  int calls = 0;  // on the job's thread only
  PeriodicJob job(
      "t", milliseconds(400),
      [&] {
        if (++calls == 1) {
          self->ShortenNextWait(milliseconds(50));
          self->ShortenNextWait(milliseconds(300));  // a longer one does not undo the shorter
          self->ShortenNextWait(std::chrono::seconds(60));  // longer than the interval: ignored
        }
        runs.Run();
      },
      Cadence::kFixedRate);
  self = &job;
  job.Start();
  auto starts = runs.AwaitStarts(3);
  job.Stop();
  ASSERT_EQ(starts.size(), 3u);
  EXPECT_GE(Ms(starts[1] - starts[0]), milliseconds(50));
  EXPECT_LT(Ms(starts[1] - starts[0]), milliseconds(300));
  EXPECT_GE(Ms(starts[2] - starts[1]), milliseconds(400)) << "the interval again";
}

TEST(PeriodicJobTest, FixedRateStartsEachRunAnIntervalAfterThePreviousStart) {
  // A run of 300 ms every 400 ms: start to start 400 ms (fixed delay would make it 700 ms).
  Runs runs(milliseconds(300));
  PeriodicJob job(
      "t", milliseconds(400), [&] { runs.Run(); }, Cadence::kFixedRate);
  job.Start();
  auto starts = runs.AwaitStarts(4);
  job.Stop();
  ASSERT_EQ(starts.size(), 4u);
  for (std::size_t i = 1; i < starts.size(); ++i) {
    const auto gap = Ms(starts[i] - starts[i - 1]);
    EXPECT_GE(gap, milliseconds(400)) << "run " << i;
    // 250 ms below what fixed delay gives: room for a loaded machine's late wake-ups.
    EXPECT_LT(gap, milliseconds(650)) << "run " << i;
  }
}

TEST(PeriodicJobTest, FixedRateRunsAtOnceAfterAnOverrunAndDoesNotMakeUpMissedRuns) {
  // The first run holds for more than three intervals.
  Runs runs(milliseconds(0), /*held_first=*/true);
  PeriodicJob job(
      "t", milliseconds(300), [&] { runs.Run(); }, Cadence::kFixedRate);
  job.Start();
  runs.AwaitStarts(1);
  std::this_thread::sleep_for(milliseconds(1000));
  runs.Release();
  auto starts = runs.AwaitStarts(3);
  job.Stop();
  ASSERT_EQ(starts.size(), 3u);
  // The next run starts at once (a fixed delay would wait 300 ms) ...
  EXPECT_LT(Ms(starts[1] - runs.released_at()), milliseconds(200));
  // ... and the one after it a whole interval later: the three missed runs are not made up.
  EXPECT_GE(Ms(starts[2] - starts[1]), milliseconds(300));
}

TEST(PeriodicJobTest, FixedDelayCountsTheIntervalFromTheEndOfARun) {
  Runs runs(milliseconds(150));
  PeriodicJob job("t", milliseconds(200), [&] { runs.Run(); });  // the default cadence
  job.Start();
  auto starts = runs.AwaitStarts(3);
  job.Stop();
  ASSERT_EQ(starts.size(), 3u);
  for (std::size_t i = 1; i < starts.size(); ++i) {
    EXPECT_GE(Ms(starts[i] - starts[i - 1]), milliseconds(350)) << "run " << i;
  }
}

TEST(PeriodicJobTest, RunNowStartsARunAtOnceAndStopEndsTheWait) {
  Runs runs(milliseconds(0));
  PeriodicJob job(
      "t", std::chrono::hours(1), [&] { runs.Run(); }, Cadence::kFixedRate);
  job.Start();
  runs.AwaitStarts(1);
  job.RunNow();
  EXPECT_EQ(runs.AwaitStarts(2).size(), 2u);
  const auto before_stop = SteadyClock::now();
  job.Stop();
  EXPECT_LT(Ms(SteadyClock::now() - before_stop), milliseconds(2000));
}

}  // namespace
}  // namespace vpnhub::jobs
