// Catalog use cases: operator text is checked whatever the entry point, servers on one endpoint
// never share ports, and edits keep every key that holds a slot working.
#include <gmock/gmock.h>

#include <map>
#include <set>

#include "usecase_fixture.hpp"

namespace vpnhub {
namespace {

using ::testing::HasSubstr;

class CatalogTest : public UseCaseTest {
 protected:
  // A server on ss-manager `manager` with key ports from..to (read by FakeBackend::KeyPorts).
  Result<Server> AddOnManager(const std::string& name, const std::string& manager, int from, int to,
                              int capacity = 5) {
    Server s;
    s.kind = "shadowsocks";
    s.name = name;
    s.public_host = name + ".example.com";
    s.capacity = capacity;
    s.settings = {
        {"manager", manager}, {"port_from", std::to_string(from)}, {"port_to", std::to_string(to)}};
    return catalog->AddServer("nl", s);
  }

  usecases::IssuedKey IssueKey() {
    auto issued = keys->Issue(Request(++tg_));
    EXPECT_TRUE(issued.ok()) << issued.status().ToString();
    return issued.ok() ? *issued : usecases::IssuedKey{};
  }

  Server Stored(Id id) {
    Server s;
    EXPECT_TRUE(store
                    ->Read([&](ports::StoreTx& tx) -> Status {
                      auto r = tx.catalog().GetServer(id);
                      if (!r.ok()) return r.status();
                      s = *r;
                      return Status::Ok();
                    })
                    .ok());
    return s;
  }

  TgId tg_ = 1000;
};

TEST_F(CatalogTest, LocationNamesAreCheckedAsText) {
  auto tab = catalog->AddLocation("Ams\tterdam");
  EXPECT_EQ(tab.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(tab.status().message(), HasSubstr("location name must not contain control"));
  EXPECT_EQ(catalog->AddLocation("Oslo\xff").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(catalog->AddLocation(" Oslo").status().code(), StatusCode::kInvalidArgument);
  std::string long_cyrillic;
  for (int i = 0; i < 64; ++i) long_cyrillic += "ж";
  EXPECT_TRUE(catalog->AddLocation(long_cyrillic).ok());  // 64 characters, 128 bytes
  EXPECT_EQ(catalog->AddLocation(long_cyrillic + "ж").status().code(),
            StatusCode::kInvalidArgument);
  auto locs = catalog->ListLocations();
  ASSERT_TRUE(locs.ok());
  EXPECT_EQ(locs->size(), 2u);  // nl and the cyrillic one
}

TEST_F(CatalogTest, ServerTextsAreCheckedAndNamed) {
  Server s;
  s.kind = "shadowsocks";
  s.capacity = 5;
  s.public_host = "evil.com#frag@x";
  auto bad_host = catalog->AddServer("nl", s);
  EXPECT_EQ(bad_host.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(bad_host.status().message(), HasSubstr("public host \"evil.com#frag@x\""));

  s.public_host = "vpn.example.com";
  s.name = "srv\x1b[2J";
  auto bad_name = catalog->AddServer("nl", s);
  EXPECT_THAT(bad_name.status().message(), HasSubstr("server name must not contain control"));

  s.name = "srv";
  s.settings = {{"method", "aes-256-gcm\n"}};
  auto bad_setting = catalog->AddServer("nl", s);
  EXPECT_EQ(bad_setting.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(bad_setting.status().message(),
              HasSubstr("shadowsocks setting \"method\" must not contain control"));

  s.settings.clear();
  s.public_host = "2001:db8::7";
  EXPECT_TRUE(catalog->AddServer("nl", s).ok());
}

TEST_F(CatalogTest, OverlappingPortsOnOneManagerAreRefusedNamingTheOtherServer) {
  ASSERT_TRUE(AddOnManager("first", "127.0.0.1:6001", 20000, 20009).ok());
  for (const std::string manager : {"127.0.0.1:6001", "localhost:6001", "[::1]:6001"}) {
    auto second = AddOnManager("second", manager, 20005, 20014);
    EXPECT_EQ(second.status().code(), StatusCode::kAlreadyExists) << manager;
    EXPECT_THAT(second.status().message(), HasSubstr("server \"first\"")) << manager;
    EXPECT_THAT(second.status().message(), HasSubstr("20000-20009")) << manager;
  }
  EXPECT_TRUE(AddOnManager("next-range", "localhost:6001", 20010, 20019).ok());
  EXPECT_TRUE(AddOnManager("other-manager", "127.0.0.1:6002", 20000, 20009).ok());
  EXPECT_TRUE(AddOnManager("other-host", "192.0.2.1:6001", 20000, 20009).ok());
  EXPECT_EQ(AddOnManager("edge", "LOCALHOST:6001", 20019, 20030).status().code(),
            StatusCode::kAlreadyExists);
}

TEST_F(CatalogTest, EditRefusesPortsOverlappingAnotherServer) {
  auto a = AddOnManager("a", "127.0.0.1:6001", 20000, 20009);
  auto b = AddOnManager("b", "127.0.0.1:6001", 20010, 20019);
  ASSERT_TRUE(a.ok() && b.ok());
  usecases::ServerEdit edit;
  edit.settings = {{"port_from", "20000"}, {"port_to", "20012"}};
  auto r = catalog->EditServer(a->id, edit);
  EXPECT_EQ(r.status().code(), StatusCode::kAlreadyExists);
  EXPECT_THAT(r.status().message(), HasSubstr("server \"b\""));
  edit.settings = {{"port_from", "20000"}, {"port_to", "20005"}};
  EXPECT_TRUE(catalog->EditServer(a->id, edit).ok());
}

TEST_F(CatalogTest, EditChangesCapacityHostAndNameUnderTheAddRules) {
  auto s = AddOnManager("a", "127.0.0.1:6001", 20000, 20009);
  ASSERT_TRUE(s.ok());
  usecases::ServerEdit edit;
  edit.capacity = 8;
  edit.public_host = "new.example.com";
  edit.name = "renamed";
  auto r = catalog->EditServer(s->id, edit);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  Server stored = Stored(s->id);
  EXPECT_EQ(stored.capacity, 8);
  EXPECT_EQ(stored.public_host, "new.example.com");
  EXPECT_EQ(stored.name, "renamed");
  EXPECT_EQ(stored.settings.at("manager"), "127.0.0.1:6001");

  usecases::ServerEdit bad;
  bad.public_host = "a b";
  EXPECT_EQ(catalog->EditServer(s->id, bad).status().code(), StatusCode::kInvalidArgument);
  bad = {};
  bad.capacity = 0;
  EXPECT_EQ(catalog->EditServer(s->id, bad).status().code(), StatusCode::kInvalidArgument);
  bad = {};
  bad.name = "";
  EXPECT_EQ(catalog->EditServer(s->id, bad).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(catalog->EditServer(999, edit).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(Stored(s->id).name, "renamed");  // refused edits change nothing
}

TEST_F(CatalogTest, EditKeepsEveryKeyThatHoldsASlot) {
  auto s = AddOnManager("a", "127.0.0.1:6001", 20000, 20009, 10);
  ASSERT_TRUE(s.ok());
  for (int i = 0; i < 4; ++i) IssueKey();  // slots 0..3, ports 20000..20003

  usecases::ServerEdit shrink;
  shrink.capacity = 3;
  auto r = catalog->EditServer(s->id, shrink);
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(r.status().message(), HasSubstr("at least 4"));
  shrink.capacity = 4;
  ASSERT_TRUE(catalog->EditServer(s->id, shrink).ok());

  usecases::ServerEdit move;
  move.settings = {{"port_from", "21000"}, {"port_to", "21009"}};
  r = catalog->EditServer(s->id, move);
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(r.status().message(), HasSubstr("keep its first port 20000"));

  usecases::ServerEdit narrow;
  narrow.settings = {{"port_from", "20000"}, {"port_to", "20002"}};
  r = catalog->EditServer(s->id, narrow);
  EXPECT_FALSE(r.ok());  // capacity 4 no longer fits, and port 20003 is in use

  narrow.settings = {{"port_from", "20000"}, {"port_to", "20003"}};
  ASSERT_TRUE(catalog->EditServer(s->id, narrow).ok());

  usecases::ServerEdit grow;
  grow.capacity = 20;
  grow.settings = {{"port_from", "20000"}, {"port_to", "20019"}};
  r = catalog->EditServer(s->id, grow);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->used_slots, 4);
  EXPECT_EQ(Stored(s->id).capacity, 20);
}

TEST_F(CatalogTest, AnEmptyServerMayMoveItsPorts) {
  auto s = AddOnManager("a", "127.0.0.1:6001", 20000, 20009);
  ASSERT_TRUE(s.ok());
  usecases::ServerEdit move;
  move.settings = {{"port_from", "21000"}, {"port_to", "21009"}};
  ASSERT_TRUE(catalog->EditServer(s->id, move).ok());
  EXPECT_EQ(Stored(s->id).settings.at("port_from"), "21000");
}

TEST_F(CatalogTest, DisabledServerGetsNoNewKeysAndItsKeysStay) {
  auto a = AddOnManager("a", "127.0.0.1:6001", 20000, 20009);
  ASSERT_TRUE(a.ok());
  usecases::IssuedKey k = IssueKey();
  auto off = catalog->SetServerEnabled(a->id, false);
  ASSERT_TRUE(off.ok());
  EXPECT_FALSE(off->enabled);
  EXPECT_EQ(keys->Issue(Request(5)).status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(GetKey(k.key.id).state, KeyState::kPending);
  // Its pending key is still provisioned.
  Task t = Claim(k.task_id);
  EXPECT_EQ(executor->RunClaimed(t), usecases::TaskOutcome::kDone);
  EXPECT_EQ(GetKey(k.key.id).state, KeyState::kActive);
  ASSERT_TRUE(catalog->SetServerEnabled(a->id, false).ok());  // idempotent
  ASSERT_TRUE(catalog->SetServerEnabled(a->id, true).ok());
  EXPECT_TRUE(keys->Issue(Request(5)).ok());
  EXPECT_EQ(catalog->SetServerEnabled(77, true).status().code(), StatusCode::kNotFound);
}

TEST_F(CatalogTest, RenameAndDisableLocations) {
  AddServer(5);
  ASSERT_TRUE(catalog->AddLocation("de").ok());
  EXPECT_EQ(catalog->RenameLocation("nl", "de").status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(catalog->RenameLocation("nl", "Neder\tland").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(catalog->RenameLocation("xx", "yy").status().code(), StatusCode::kNotFound);
  auto renamed = catalog->RenameLocation("nl", "Netherlands");
  ASSERT_TRUE(renamed.ok()) << renamed.status().ToString();
  EXPECT_EQ(renamed->name, "Netherlands");

  auto req = Request(7);
  req.location_name = "Netherlands";
  auto key = keys->Issue(req);
  ASSERT_TRUE(key.ok()) << key.status().ToString();  // the servers moved with the name

  auto off = catalog->SetLocationEnabled("Netherlands", false);
  ASSERT_TRUE(off.ok());
  EXPECT_FALSE(off->enabled);
  EXPECT_EQ(keys->Issue(req).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(GetKey(key->key.id).state, KeyState::kPending);
  ASSERT_TRUE(catalog->SetLocationEnabled("Netherlands", true).ok());
  EXPECT_TRUE(keys->Issue(req).ok());
  EXPECT_EQ(catalog->SetLocationEnabled("nl", true).status().code(), StatusCode::kNotFound);
}

TEST_F(CatalogTest, AKeyWhosePortRunsAnotherKeyFailsAtOnceInsteadOfRetrying) {
  // The backend refuses to take over a port that runs another password (kAlreadyExists):
  // retrying the same slot cannot help, so the key fails on the first attempt with the reason.
  AddServer(5);
  usecases::IssuedKey k = IssueKey();
  backend.FailWith(
      AlreadyExists("port 20000 on ss-manager 127.0.0.1:6001 already runs another key"));
  Task t = Claim(k.task_id);
  EXPECT_EQ(executor->RunClaimed(t), usecases::TaskOutcome::kFailed);
  EXPECT_EQ(GetTask(k.task_id).attempts, 1);
  EXPECT_EQ(GetTask(k.task_id).state, TaskState::kFailed);
  Key key = GetKey(k.key.id);
  EXPECT_EQ(key.state, KeyState::kFailed);
  EXPECT_THAT(key.last_error, HasSubstr("already runs another key"));
}

TEST_F(CatalogTest, TwoServersOnOneManagerNeverHandOutTheSamePort) {
  // Slot s of a server listens on its port_from + s (capacity <= the range: the shadowsocks
  // backend's ValidateSettings). Adjacent ranges on one manager, spelled two ways.
  auto a = AddOnManager("a", "localhost:6001", 20000, 20004, 5);
  auto b = AddOnManager("b", "127.0.0.1:6001", 20005, 20009, 5);
  ASSERT_TRUE(a.ok() && b.ok());
  std::map<Id, int> first_port = {{a->id, 20000}, {b->id, 20005}};
  std::set<int> ports;
  for (int i = 0; i < 10; ++i) {
    usecases::IssuedKey k = IssueKey();
    ASSERT_TRUE(ports.insert(first_port.at(k.key.server_id) + k.key.slot).second)
        << "port handed out twice: " << first_port.at(k.key.server_id) + k.key.slot;
  }
  EXPECT_EQ(ports.size(), 10u);
  EXPECT_EQ(keys->Issue(Request(++tg_)).status().code(), StatusCode::kResourceExhausted);
  // Neither range can grow into the other, by `server edit --ports` or a new server.
  usecases::ServerEdit grow;
  grow.settings = {{"port_from", "20000"}, {"port_to", "20005"}};
  EXPECT_EQ(catalog->EditServer(a->id, grow).status().code(), StatusCode::kAlreadyExists);
  grow.settings = {{"port_from", "20004"}, {"port_to", "20009"}};
  EXPECT_EQ(catalog->EditServer(b->id, grow).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(AddOnManager("c", "[::1]:6001", 20009, 20010).status().code(),
            StatusCode::kAlreadyExists);
}

}  // namespace
}  // namespace vpnhub
