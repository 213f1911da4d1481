// IndexedQueryStatement: the indexed statements with representative parameters.
#include "storage/sql/indexed_queries.hpp"

#include "core/domain.hpp"

namespace vpnhub::storage {

Result<IndexedStatement> IndexedQueryStatement(IndexedQuery query, std::int64_t now_ms) {
  const std::int64_t now = now_ms;
  switch (query) {
    case IndexedQuery::kDueForExpiry:
      return IndexedStatement{kDueForExpirySql, SqlParams().Int(now).Int(100)};
    case IndexedQuery::kDueForNotice:
      return IndexedStatement{kDueForNoticeSql, SqlParams().Int(now).Int(100)};
    case IndexedQuery::kUsersCreatedSince:
      return IndexedStatement{kCountUsersCreatedSinceSql, SqlParams().Int(now)};
    case IndexedQuery::kClaimableMessages:
      return IndexedStatement{
          kClaimableMessagesSql,
          SqlParams().Int(now).Int(static_cast<std::int64_t>(MessagePriority::kAlert)).Int(100)};
    case IndexedQuery::kMessageStats:
      return IndexedStatement{kMessageStatsSql, SqlParams()};
    case IndexedQuery::kChatQueue:
      return IndexedStatement{kDropPendingMessagesSql, SqlParams().Int(0).Text("").Int(now)};
    case IndexedQuery::kClaimableTasks:
      return IndexedStatement{kClaimableTasksSql, SqlParams().Int(now).Int(64)};
    case IndexedQuery::kTasksByIds:
      return IndexedStatement{kClaimTasksByIdsSql,
                              SqlParams().Ids({1, 2, 3}).Int(now).Int(now + 60'000)};
    case IndexedQuery::kUnrelayedTasks:
      return IndexedStatement{kUnrelayedTasksSql, SqlParams().Int(now).Int(256)};
    case IndexedQuery::kStaleRelayedTasks:
      return IndexedStatement{kStaleRelayedTasksSql, SqlParams().Int(now).Int(256)};
    case IndexedQuery::kPurgeDoneTasks:
      return IndexedStatement{kPurgeDoneTasksSql, SqlParams().Int(now).Int(5000)};
    case IndexedQuery::kPurgeMessages:
      return IndexedStatement{kPurgeSettledMessagesSql, SqlParams().Int(now).Int(5000)};
    case IndexedQuery::kCountMessages:
      return IndexedStatement{kCountMessagesSql, SqlParams().Text("pending")};
    case IndexedQuery::kSlotKeysByServer:
      return IndexedStatement{kSlotKeysByServerSql, SqlParams()};
  }
  return InvalidArgument("unknown indexed query");
}

}  // namespace vpnhub::storage
