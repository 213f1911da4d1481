#include <gmock/gmock.h>

#include "usecase_fixture.hpp"

namespace vpnhub {
namespace {

using KeyServiceTest = UseCaseTest;

TEST_F(KeyServiceTest, IssueRecordsUserPendingKeyAndProvisionTaskTogether) {
  Server s = AddServer(10);
  auto issued = keys->Issue(Request(111));
  ASSERT_TRUE(issued.ok()) << issued.status().ToString();
  EXPECT_EQ(issued->key.state, KeyState::kPending);
  EXPECT_EQ(issued->key.server_id, s.id);
  EXPECT_EQ(issued->key.slot, 0);
  EXPECT_EQ(issued->key.expires_at, clock.Now() + std::chrono::hours(24));
  EXPECT_EQ(issued->user.tg_id, 111);
  EXPECT_FALSE(issued->key.secret.empty());
  Task t = GetTask(issued->task_id);
  EXPECT_EQ(t.kind, TaskKind::kProvisionKey);
  EXPECT_EQ(t.subject_id, issued->key.id);
  EXPECT_EQ(t.state, TaskState::kPending);
}

TEST_F(KeyServiceTest, TheSecretIsMadeByTheBackendOfTheServersKind) {
  fakes::FakeBackend other("other_kind");
  other.SetSecretPrefix("other:");
  backends.Add(&other);
  Server s;
  s.kind = "other_kind";
  s.public_host = "other.example.com";
  s.capacity = 5;
  ASSERT_TRUE(catalog->AddServer("nl", s).ok());
  auto issued = keys->Issue(Request(111));
  ASSERT_TRUE(issued.ok()) << issued.status().ToString();
  EXPECT_EQ(issued->server.kind, "other_kind");
  EXPECT_EQ(issued->key.secret.rfind("other:", 0), 0u) << issued->key.secret;
  EXPECT_EQ(issued->key.secret.size(), 6u + 22u);
}

TEST_F(KeyServiceTest, AServerOfAKindWithoutBackendGetsNoKeyAndNothingIsWritten) {
  AddServer(10);
  usecases::Backends none;
  usecases::KeyService bare(*store, none, secrets, clock, "en");
  auto issued = bare.Issue(Request(111));
  ASSERT_FALSE(issued.ok());
  EXPECT_EQ(issued.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(issued.status().message(),
              ::testing::HasSubstr("no backend for server kind \"shadowsocks\""));
  EXPECT_TRUE(TasksIn(TaskState::kPending).empty());
}

TEST_F(KeyServiceTest, SecondKeyTakesTheNextSlotAndTheSameUser) {
  AddServer(10);
  auto a = keys->Issue(Request(111));
  auto b = keys->Issue(Request(111));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->user.id, b->user.id);
  EXPECT_EQ(b->key.slot, 1);
  EXPECT_NE(a->key.remote_name, b->key.remote_name);
}

TEST_F(KeyServiceTest, SpreadsKeysToTheLeastLoadedServer) {
  Server s1 = AddServer(10, "a.example.com");
  Server s2 = AddServer(10, "b.example.com");
  auto k1 = keys->Issue(Request(1));
  auto k2 = keys->Issue(Request(2));
  ASSERT_TRUE(k1.ok() && k2.ok());
  EXPECT_EQ(k1->key.server_id, s1.id);
  EXPECT_EQ(k2->key.server_id, s2.id);
}

TEST_F(KeyServiceTest, FullLocationGivesNoCapacityAndChangesNothing) {
  AddServer(1);
  ASSERT_TRUE(keys->Issue(Request(1)).ok());
  auto r = keys->Issue(Request(2));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(TasksIn(TaskState::kPending).size(), 1u);
  // The rolled back transaction did not keep the new user either.
  auto found = store->Read([&](ports::StoreTx& tx) -> Status {
    auto u = tx.users().FindUserByTgId(2);
    if (!u.ok()) return u.status();
    return u->has_value() ? AlreadyExists("user kept") : Status::Ok();
  });
  EXPECT_TRUE(found.ok()) << found.ToString();
}

TEST_F(KeyServiceTest, RevokedKeyFreesItsSlotForTheNextKey) {
  AddServer(1);
  auto a = keys->Issue(Request(1));
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(keys->Revoke(a->key.id, "admin").ok());
  // Still revoking: the slot is held until the server confirmed the removal.
  EXPECT_EQ(keys->Issue(Request(2)).status().code(), StatusCode::kResourceExhausted);
  Task revoke = Claim(TasksIn(TaskState::kPending).front().id);  // newest first
  EXPECT_EQ(revoke.kind, TaskKind::kRevokeKey);
  EXPECT_EQ(executor->RunClaimed(revoke), usecases::TaskOutcome::kDone);
  auto b = keys->Issue(Request(2));
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->key.slot, 0);
}

TEST_F(KeyServiceTest, UnknownLocationAndBadInputAreClearErrors) {
  AddServer(5);
  auto req = Request(1);
  req.location_name = "mars";
  auto r = keys->Issue(req);
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("mars"), std::string::npos);
  EXPECT_EQ(keys->Issue(Request(0)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(keys->Issue(Request(1, Duration(0))).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(KeyServiceTest, TrialOnlyOncePerPerson) {
  AddServer(5);
  auto req = Request(7);
  req.is_trial = true;
  auto first = keys->Issue(req);
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(first->key.is_trial);
  auto second = keys->Issue(req);
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
  auto list = keys->KeysOf(7);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 1u);
}

TEST_F(KeyServiceTest, RevokeIsIdempotentAndEnqueuesOneTask) {
  AddServer(5);
  auto a = keys->Issue(Request(1));
  ASSERT_TRUE(a.ok());
  auto first = keys->Revoke(a->key.id, "admin");
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(first->has_value());
  auto second = keys->Revoke(a->key.id, "admin");
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->has_value());
  EXPECT_EQ(GetKey(a->key.id).state, KeyState::kRevoking);
  EXPECT_EQ(keys->Revoke(999, "x").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace vpnhub
