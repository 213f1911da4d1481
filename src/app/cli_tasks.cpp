#include <iostream>

#include "app/cli_support.hpp"
#include "core/usecases/task_service.hpp"

namespace vpnhub::app::cli {
namespace {

using nlohmann::json;

void CmdTaskList(bool failed_only, bool as_json) {
  auto ctx = OpenContext();
  std::vector<Task> tasks;
  ReadTx(*ctx, [&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(
        auto r,
        tx.tasks().ListTasks(
            failed_only ? std::optional<TaskState>(TaskState::kFailed) : std::nullopt, 1000));
    tasks = std::move(r);
    return Status::Ok();
  });
  json out = json::array();
  for (const auto& t : tasks) {
    if (as_json) {
      out.push_back(TaskJson(t));
    } else {
      std::cout << t.id << "\t" << TaskKindName(t.kind) << "\tkey " << t.subject_id << "\t"
                << TaskStateName(t.state) << "\tattempts " << t.attempts << "\t"
                << (t.last_error.empty() ? "-" : t.last_error) << "\n";
    }
  }
  if (as_json) PrintJson(out);
}

void CmdTaskRetry(Id task_id) {
  auto ctx = OpenContext();
  usecases::TaskService tasks(*ctx->store, ctx->clock);
  auto retried = tasks.Retry(task_id);
  FailOn(retried.status(), "cannot retry task " + std::to_string(task_id));
  const Key& key = retried->key;
  std::cout << task_id << "\t" << TaskStateName(retried->task.state) << "\tkey " << key.id << "\t"
            << KeyStateName(key.state) << "\n";
  if (retried->moved_from_slot) {
    std::cerr << "vpnhub: note: slot " << *retried->moved_from_slot << " of key " << key.id
              << " is no longer free; the key moves to slot " << key.slot
              << " of the same server (its link changes)\n";
  }
}

}  // namespace

void AddTaskCommands(CLI::App& app) {
  auto* task = app.add_subcommand("task", "Inspect and retry outbox tasks")->require_subcommand(1);
  struct ListArgs {
    bool failed = false, json = false;
  };
  auto list = std::make_shared<ListArgs>();
  auto* task_list = task->add_subcommand("list", "List recent tasks");
  task_list->add_flag("--failed", list->failed, "Only tasks that failed for good");
  AddJsonFlag(task_list, list->json);
  task_list->callback([list] { CmdTaskList(list->failed, list->json); });
  auto retry_id = std::make_shared<Id>(0);
  auto* task_retry = task->add_subcommand(
      "retry",
      "Put a failed task back in the queue for the running service; a failed key goes back to "
      "pending on a free slot of its server");
  task_retry->add_option("ID", *retry_id, "Task id")->required()->check(PositiveId());
  task_retry->callback([retry_id] { CmdTaskRetry(*retry_id); });
}

}  // namespace vpnhub::app::cli
