// RenewedSession (src/vpn/common/renewed_session.hpp): the login session the amnezia-wg-easy,
// Marzban and 3x-ui clients share: one login for many callers that found the same credential
// refused, one renewal and one retry per call, login errors returned.
#include "vpn/common/renewed_session.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <string>
#include <thread>
#include <vector>

namespace vpnhub::vpn {
namespace {

constexpr int kExpired = 401;

bool IsExpired(int status) { return status == kExpired; }

// A login that answers "c1", "c2", ... and counts its calls.
struct CountingLogin {
  std::atomic<int> calls{0};
  RenewedSession::Login fn() {
    return [this]() -> Result<std::string> { return "c" + std::to_string(++calls); };
  }
};

TEST(RenewedSession, FirstCallLogsInThenSendsWithTheCredential) {
  RenewedSession session;
  CountingLogin login;
  std::string sent_with;
  auto r = session.Call(
      [&](const std::string& credential) -> Result<int> {
        sent_with = credential;
        return 200;
      },
      IsExpired, login.fn());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*r, 200);
  EXPECT_EQ(sent_with, "c1");
  EXPECT_EQ(session.Current(), "c1");
  EXPECT_EQ(session.logins(), 1);
}

TEST(RenewedSession, ManyConcurrentStaleCallersRenewOnce) {
  constexpr int kCallers = 8;
  RenewedSession session;
  CountingLogin login;
  ASSERT_TRUE(session.Renew("", login.fn()).ok());  // "c1"
  ASSERT_EQ(session.Current(), "c1");
  // Every caller sends with "c1" and is refused only after all of them have sent it, so all of
  // them ask for a renewal of the same stale credential.
  std::latch all_sent(kCallers);
  std::vector<int> answers(kCallers, 0);
  std::vector<std::string> retried_with(kCallers);
  std::vector<std::thread> threads;
  for (int i = 0; i < kCallers; ++i) {
    threads.emplace_back([&, i] {
      auto r = session.Call(
          [&](const std::string& credential) -> Result<int> {
            if (credential == "c1") {
              all_sent.arrive_and_wait();
              return kExpired;
            }
            retried_with[i] = credential;
            return 200;
          },
          IsExpired, login.fn());
      answers[i] = r.ok() ? *r : -1;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(login.calls.load(), 2);  // the first login and one renewal for all eight
  EXPECT_EQ(session.logins(), 2);
  for (int i = 0; i < kCallers; ++i) {
    EXPECT_EQ(answers[i], 200) << "caller " << i;
    EXPECT_EQ(retried_with[i], "c2") << "caller " << i;
  }
}

TEST(RenewedSession, RenewKeepsACredentialRenewedMeanwhile) {
  RenewedSession session;
  CountingLogin login;
  ASSERT_TRUE(session.Renew("", login.fn()).ok());    // c1
  ASSERT_TRUE(session.Renew("c1", login.fn()).ok());  // c2
  ASSERT_TRUE(session.Renew("c1", login.fn()).ok());  // c1 is stale: no login
  EXPECT_EQ(session.Current(), "c2");
  EXPECT_EQ(login.calls.load(), 2);
}

TEST(RenewedSession, ASecondExpiredAnswerIsReturnedNotLooped) {
  RenewedSession session;
  CountingLogin login;
  int sends = 0;
  std::vector<std::string> credentials;
  auto r = session.Call(
      [&](const std::string& credential) -> Result<int> {
        ++sends;
        credentials.push_back(credential);
        return kExpired;
      },
      IsExpired, login.fn());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*r, kExpired);
  EXPECT_EQ(sends, 2);
  EXPECT_EQ(credentials, (std::vector<std::string>{"c1", "c2"}));
  EXPECT_EQ(login.calls.load(), 2);
}

TEST(RenewedSession, AFailedLoginIsReturned) {
  RenewedSession session;
  int sends = 0;
  auto refuse = []() -> Result<std::string> { return FailedPrecondition("password refused"); };
  auto r = session.Call(
      [&](const std::string&) -> Result<int> {
        ++sends;
        return 200;
      },
      IsExpired, refuse);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(r.status().message(), "password refused");
  EXPECT_EQ(sends, 0);
  EXPECT_EQ(session.logins(), 0);
  EXPECT_EQ(session.Current(), "");
}

TEST(RenewedSession, AFailedRenewalAfterAnExpiredAnswerIsReturned) {
  RenewedSession session;
  CountingLogin login;
  ASSERT_TRUE(session.Renew("", login.fn()).ok());  // c1
  int sends = 0;
  auto r = session.Call(
      [&](const std::string&) -> Result<int> {
        ++sends;
        return kExpired;
      },
      IsExpired, []() -> Result<std::string> { return Unavailable("panel down"); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(sends, 1);
  EXPECT_EQ(session.Current(), "c1");
}

TEST(RenewedSession, ASendErrorIsReturnedWithoutARenewal) {
  RenewedSession session;
  CountingLogin login;
  auto r = session.Call([](const std::string&) -> Result<int> { return DeadlineExceeded("slow"); },
                        IsExpired, login.fn());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(login.calls.load(), 1);
}

}  // namespace
}  // namespace vpnhub::vpn
