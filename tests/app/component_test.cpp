#include "app/component.hpp"

#include <gtest/gtest.h>
#include <pthread.h>
#include <unistd.h>

#include <csignal>
#include <string>
#include <thread>
#include <vector>

#include "app/shutdown_signal.hpp"

namespace vpnhub::app {
namespace {

// Records Start and Stop calls in one journal shared by all parts of a test.
class Recorder {
 public:
  explicit Recorder(std::string name, std::vector<std::string>& journal, Status start = {})
      : name_(std::move(name)), journal_(journal), start_(std::move(start)) {}
  Status Start() {
    journal_.push_back("start " + name_);
    return start_;
  }
  void Stop() { journal_.push_back("stop " + name_); }

 private:
  std::string name_;
  std::vector<std::string>& journal_;
  Status start_;
};

// A part whose Start returns nothing, as most roles' do.
struct VoidPart {
  int starts = 0, stops = 0;
  void Start() { ++starts; }
  void Stop() { ++stops; }
};

TEST(ComponentListTest, StartsInOrderAndStopsInReverse) {
  std::vector<std::string> journal;
  Recorder a("a", journal), b("b", journal), c("c", journal);
  ComponentList list;
  list.Add(MakeComponent("a", a));
  list.Add(MakeComponent("b", b));
  list.Add(MakeComponent("c", c));
  ASSERT_TRUE(list.StartAll().ok());
  list.StopAll();
  list.StopAll();  // twice: nothing more
  EXPECT_EQ(journal, (std::vector<std::string>{"start a", "start b", "start c", "stop c", "stop b",
                                               "stop a"}));
}

TEST(ComponentListTest, AFailedStartStopsTheStartedOnesInReverseAndReturnsItsError) {
  std::vector<std::string> journal;
  Recorder a("a", journal), b("b", journal);
  Recorder bad("bad", journal, FailedPrecondition("TG_TOKEN rejected"));
  Recorder never("never", journal);
  ComponentList list;
  list.Add(MakeComponent("a", a));
  list.Add(MakeComponent("b", b));
  list.Add(MakeComponent("bad", bad));
  list.Add(MakeComponent("never", never));
  std::string failed;
  Status st = list.StartAll(&failed);
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(st.message(), "TG_TOKEN rejected");
  EXPECT_EQ(failed, "bad");
  // The failed one is not stopped (its Start left nothing running); the rest never started.
  EXPECT_EQ(journal,
            (std::vector<std::string>{"start a", "start b", "start bad", "stop b", "stop a"}));
  journal.clear();
  list.StopAll();
  EXPECT_TRUE(journal.empty());
}

TEST(ComponentListTest, TheDestructorStopsWhatRuns) {
  VoidPart part;
  {
    ComponentList list;
    list.Add(MakeComponent("void", part));
    ASSERT_TRUE(list.StartAll().ok());
    EXPECT_EQ(part.starts, 1);
    EXPECT_EQ(part.stops, 0);
  }
  EXPECT_EQ(part.stops, 1);
}

TEST(ComponentListTest, ComponentsKeepTheirNames) {
  VoidPart part;
  auto component = MakeComponent("jobs", part);
  EXPECT_EQ(component->name(), "jobs");
}

// A component that gives up from its own thread, as the NATS pipeline does when the server
// refuses the credentials: the main thread's Wait returns, the list stops everything, and the
// process exits with the requested code.
class GivesUp {
 public:
  explicit GivesUp(ShutdownSignal& shutdown) : shutdown_(shutdown) {}
  void Start() {
    thread_ = std::thread([this] { shutdown_.Request(1, "nats.closed"); });
  }
  void Stop() {
    if (thread_.joinable()) thread_.join();
    stopped = true;
  }
  bool stopped = false;

 private:
  ShutdownSignal& shutdown_;
  std::thread thread_;
};

TEST(ShutdownSignalTest, AComponentsRequestEndsTheWaitWithItsExitCode) {
  auto shutdown = ShutdownSignal::Create();
  ASSERT_TRUE(shutdown.ok()) << shutdown.status().ToString();
  VoidPart first;
  GivesUp fatal(**shutdown);
  ComponentList list;
  list.Add(MakeComponent("first", first));
  list.Add(MakeComponent("nats", fatal));
  ASSERT_TRUE(list.StartAll().ok());
  const ShutdownSignal::Cause cause = (*shutdown)->Wait();
  EXPECT_EQ(cause.signal, 0);
  EXPECT_EQ(cause.reason, "nats.closed");
  list.StopAll();
  EXPECT_TRUE(fatal.stopped);
  EXPECT_EQ(first.stops, 1);
  EXPECT_EQ((*shutdown)->exit_code(), 1);
}

TEST(ShutdownSignalTest, TheFirstRequestCounts) {
  auto shutdown = ShutdownSignal::Create();
  ASSERT_TRUE(shutdown.ok());
  (*shutdown)->Request(3, "first");
  (*shutdown)->Request(1, "second");
  EXPECT_EQ((*shutdown)->Wait().reason, "first");
  EXPECT_EQ((*shutdown)->exit_code(), 3);
}

TEST(ShutdownSignalTest, SigtermEndsTheWaitWithExitCodeZero) {
  auto shutdown = ShutdownSignal::Create();  // blocks SIGTERM in this thread
  ASSERT_TRUE(shutdown.ok());
  ASSERT_EQ(pthread_kill(pthread_self(), SIGTERM), 0);  // stays pending: the test lives on
  const ShutdownSignal::Cause cause = (*shutdown)->Wait();
  EXPECT_EQ(cause.signal, SIGTERM);
  EXPECT_TRUE(cause.reason.empty());
  EXPECT_EQ((*shutdown)->exit_code(), 0);
}

TEST(ShutdownSignalTest, SigintFromAnotherThreadEndsTheWait) {
  auto shutdown = ShutdownSignal::Create();
  ASSERT_TRUE(shutdown.ok());
  // Threads started after Create inherit the mask, so the process-directed signal waits for the
  // signalfd instead of killing the test.
  std::thread sender([] { kill(getpid(), SIGINT); });
  const ShutdownSignal::Cause cause = (*shutdown)->Wait();
  sender.join();
  EXPECT_EQ(cause.signal, SIGINT);
}

}  // namespace
}  // namespace vpnhub::app
