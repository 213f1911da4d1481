#pragma once
// The statements that must stay on an index however large the tables grow, exposed so that each
// store can EXPLAIN them (SqliteStore::ExplainQuery, PostgresStore::ExplainQuery) and its tests
// can check the plan. Each is defined next to the port method that runs it.
#include <cstdint>

#include "storage/sql/session.hpp"

namespace vpnhub::storage {

enum class IndexedQuery {
  kDueForExpiry,       // ListKeysDueForExpiry
  kDueForNotice,       // ListKeysDueForNotice
  kUsersCreatedSince,  // CountUsersCreatedSince
  kClaimableMessages,  // ClaimMessages (the rows it picks for one priority)
  kMessageStats,       // Stats: messages per open state
  kChatQueue,          // DropPendingMessages
  kClaimableTasks,     // ClaimTasks (the rows it picks)
  kTasksByIds,         // ClaimTasksByIds
  kUnrelayedTasks,     // ListUnrelayedTasks (and OldestUnrelayedDue, the same walk)
  kStaleRelayedTasks,  // RequeueStaleRelayedTasks
  kPurgeDoneTasks,     // PurgeDoneTasks
  kPurgeMessages,      // PurgeSettledMessages
  kCountMessages,      // CountMessages
  kSlotKeysByServer,   // CountSlotKeysByServer
};

struct IndexedStatement {
  SqlText sql;
  SqlParams params;
};

// The statement behind `query` with representative parameters (`now_ms`, limits of 64..5000).
Result<IndexedStatement> IndexedQueryStatement(IndexedQuery query, std::int64_t now_ms);

extern const SqlText kDueForExpirySql;            // $1 now, $2 limit
extern const SqlText kDueForNoticeSql;            // $1 now, $2 limit
extern const SqlText kCountUsersCreatedSinceSql;  // $1 since
extern const SqlText kClaimableTasksSql;          // $1 now, $2 limit
extern const SqlText kClaimTasksByIdsSql;         // $1 ids, $2 now, $3 lease end
extern const SqlText kUnrelayedTasksSql;          // $1 now, $2 limit
extern const SqlText kStaleRelayedTasksSql;       // $1 stale_before, $2 limit
extern const SqlText kClaimableMessagesSql;       // $1 now, $2 priority, $3 limit
extern const SqlText kMessageStatsSql;
extern const SqlText kDropPendingMessagesSql;   // $1 chat, $2 error, $3 now
extern const SqlText kPurgeDoneTasksSql;        // $1 settled_before, $2 limit
extern const SqlText kPurgeSettledMessagesSql;  // $1 settled_before, $2 limit
extern const SqlText kCountMessagesSql;         // $1 state
extern const SqlText kSlotKeysByServerSql;

}  // namespace vpnhub::storage
