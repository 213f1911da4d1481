#pragma once
// Store contract: job leases (one instance at a time runs each scheduled job). Part of
// store_contract.hpp.
#include <string>

#include "storage/store_contract_fixture.hpp"

namespace vpnhub::storage {

TEST_P(StoreContract, JobLeaseGoesToOneHolderUntilItExpires) {
  const Duration ttl = std::chrono::seconds(10);
  auto take = [&](const std::string& holder, Time now) {
    return InWrite([&](ports::StoreTx& tx) {
      return tx.coordination().AcquireJobLease("sweep", holder, now, ttl);
    });
  };
  auto none = InRead([&](ports::StoreTx& tx) { return tx.coordination().GetJobLease("sweep"); });
  ASSERT_TRUE(IsOk(none));
  EXPECT_FALSE(none->has_value());

  ASSERT_TRUE(IsOk(take("a", At(0))));
  EXPECT_TRUE(*take("a", At(0)));   // a renewal
  EXPECT_FALSE(*take("b", At(5)));  // a's lease runs until 10 s
  auto held = InRead([&](ports::StoreTx& tx) { return tx.coordination().GetJobLease("sweep"); });
  ASSERT_TRUE(IsOk(held));
  ASSERT_TRUE(held->has_value());
  EXPECT_EQ((*held)->holder, "a");
  EXPECT_EQ((*held)->until, At(10));

  EXPECT_TRUE(*take("a", At(8)));  // renewed to 18 s
  EXPECT_FALSE(*take("b", At(12)));
  EXPECT_TRUE(*take("b", At(18)));  // expired: taken over
  EXPECT_FALSE(*take("a", At(19)));
  // Other jobs are leased separately.
  EXPECT_TRUE(*InWrite([&](ports::StoreTx& tx) {
    return tx.coordination().AcquireJobLease("notices", "a", At(19), ttl);
  }));
}

TEST_P(StoreContract, ReleasedJobLeaseIsFreeAtOnceButOnlyItsHolderCanRelease) {
  const Duration ttl = std::chrono::seconds(60);
  ASSERT_TRUE(*InWrite(
      [&](ports::StoreTx& tx) { return tx.coordination().AcquireJobLease("j", "a", At(0), ttl); }));
  ASSERT_TRUE(IsOk(store_->Write(
      [&](ports::StoreTx& tx) { return tx.coordination().ReleaseJobLease("j", "b"); })));
  EXPECT_FALSE(*InWrite(
      [&](ports::StoreTx& tx) { return tx.coordination().AcquireJobLease("j", "b", At(1), ttl); }));
  ASSERT_TRUE(IsOk(store_->Write(
      [&](ports::StoreTx& tx) { return tx.coordination().ReleaseJobLease("j", "a"); })));
  EXPECT_TRUE(*InWrite(
      [&](ports::StoreTx& tx) { return tx.coordination().AcquireJobLease("j", "b", At(1), ttl); }));
}

TEST_P(StoreContract, JobLeaseRefusesEmptyNamesAndNonPositiveTtl) {
  EXPECT_TRUE(HasCode(store_->Write([&](ports::StoreTx& tx) {
    return tx.coordination().AcquireJobLease("", "a", At(0), std::chrono::seconds(1)).status();
  }),
                      StatusCode::kInvalidArgument));
  EXPECT_TRUE(HasCode(store_->Write([&](ports::StoreTx& tx) {
    return tx.coordination().AcquireJobLease("j", "a", At(0), Duration::zero()).status();
  }),
                      StatusCode::kInvalidArgument));
  EXPECT_TRUE(HasCode(store_->Read([&](ports::StoreTx& tx) {
    return tx.coordination().AcquireJobLease("j", "a", At(0), std::chrono::seconds(1)).status();
  }),
                      StatusCode::kFailedPrecondition));
}

}  // namespace vpnhub::storage
