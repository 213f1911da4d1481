#include "core/status.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace vpnhub {
namespace {

Result<int> Number(bool good, int* calls) {
  ++*calls;
  if (!good) return NotFound("no number");
  return 7;
}

Result<std::unique_ptr<std::string>> Owned(bool good) {
  if (!good) return Unavailable("gone");
  return std::make_unique<std::string>("moved");
}

Status CheckBoth(Status a, Status b, int* reached) {
  VPNHUB_RETURN_IF_ERROR(a);
  ++*reached;
  VPNHUB_RETURN_IF_ERROR(b);
  ++*reached;
  return Status::Ok();
}

Result<int> Doubled(bool good, int* calls, int* reached) {
  VPNHUB_ASSIGN_OR_RETURN(int n, Number(good, calls));
  ++*reached;
  return 2 * n;
}

Status Sum(bool first, bool second, int* out) {
  int calls = 0;
  VPNHUB_ASSIGN_OR_RETURN(int a, Number(first, &calls));
  VPNHUB_ASSIGN_OR_RETURN(*out, Number(second, &calls));  // an existing variable
  *out += a;
  return Status::Ok();
}

TEST(StatusMacrosTest, ReturnIfErrorStopsAtTheFirstFailureAndPassesItOn) {
  int reached = 0;
  EXPECT_TRUE(CheckBoth(Status::Ok(), Status::Ok(), &reached).ok());
  EXPECT_EQ(reached, 2);
  reached = 0;
  Status st = CheckBoth(Conflict("lost"), Status::Ok(), &reached);
  EXPECT_EQ(st.code(), StatusCode::kConflict);
  EXPECT_EQ(st.message(), "lost");
  EXPECT_EQ(reached, 0);
  reached = 0;
  EXPECT_EQ(CheckBoth(Status::Ok(), Internal("x"), &reached).code(), StatusCode::kInternal);
  EXPECT_EQ(reached, 1);
}

TEST(StatusMacrosTest, ReturnIfErrorTakesAResultAndReturnsItsStatusFromAResultFunction) {
  auto f = [](bool good) -> Result<std::string> {
    int calls = 0;
    VPNHUB_RETURN_IF_ERROR(Number(good, &calls));
    return std::string("fine");
  };
  EXPECT_EQ(f(true).value(), "fine");
  EXPECT_EQ(f(false).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(f(false).status().message(), "no number");
}

TEST(StatusMacrosTest, AssignOrReturnEvaluatesOnceAndReturnsTheFailure) {
  int calls = 0, reached = 0;
  auto good = Doubled(true, &calls, &reached);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 14);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(reached, 1);
  calls = reached = 0;
  auto bad = Doubled(false, &calls, &reached);
  EXPECT_EQ(bad.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(reached, 0);
}

TEST(StatusMacrosTest, AssignOrReturnWorksTwiceInAScopeIntoAnExistingVariableAndMovesValues) {
  int out = 0;
  ASSERT_TRUE(Sum(true, true, &out).ok());
  EXPECT_EQ(out, 14);
  out = -1;
  EXPECT_EQ(Sum(true, false, &out).code(), StatusCode::kNotFound);
  auto take = [](bool good) -> Result<std::string> {
    VPNHUB_ASSIGN_OR_RETURN(std::unique_ptr<std::string> p, Owned(good));
    return *p;
  };
  EXPECT_EQ(take(true).value(), "moved");
  EXPECT_EQ(take(false).status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace vpnhub
