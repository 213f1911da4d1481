#include "core/usecases/expiry_sweep.hpp"

#include <unordered_map>

#include "core/rules.hpp"

namespace vpnhub::usecases {
namespace {

// An expired key needs no more warnings: every notice counts as given once it is revoking.
constexpr int kAllNotices = kNotice3Days | kNotice1Day | kNoticeExpired;

// The "key expired" message for each moved key whose owner has not had it yet and still talks to
// the bot, enqueued in the sweep's transaction. A constant number of statements per batch.
Status NotifyExpired(ports::StoreTx& tx, const std::vector<Key>& moved, Time now) {
  std::vector<Id> owners;
  for (const Key& key : moved) {
    if ((key.notified_flags & kNoticeExpired) == 0) owners.push_back(key.user_id);
  }
  if (owners.empty()) return Status::Ok();
  VPNHUB_ASSIGN_OR_RETURN(auto users, tx.users().GetUsers(owners));
  std::unordered_map<Id, const User*> by_id;
  for (const User& u : users) by_id.emplace(u.id, &u);
  std::vector<OutgoingMessage> messages;
  for (const Key& key : moved) {
    if ((key.notified_flags & kNoticeExpired) != 0) continue;
    auto it = by_id.find(key.user_id);
    if (it == by_id.end() || it->second->blocked_bot) continue;
    messages.push_back(KeyMessage(it->second->tg_id, MessageKind::kKeyExpired,
                                  MessagePriority::kBulk, key.id, now));
  }
  return tx.messages().EnqueueMessages(messages);
}

}  // namespace

Result<SweepResult> ExpirySweep::Run() {
  const Time now = clock_.Now();
  SweepResult result;
  for (;;) {
    int batch = 0;
    VPNHUB_RETURN_IF_ERROR(
        store_.Write(ports::WriteKind::kQueue, [&](ports::StoreTx& tx) -> Status {
          VPNHUB_ASSIGN_OR_RETURN(auto moved,
                                  tx.keys().ExpireDueKeys(now, batch_size_, kAllNotices));
          batch = static_cast<int>(moved.size());
          return notify_ ? NotifyExpired(tx, moved, now) : Status::Ok();
        }));
    result.keys_expired += batch;
    if (batch < batch_size_) break;
  }
  return result;
}

}  // namespace vpnhub::usecases
