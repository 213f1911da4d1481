#include <iostream>

#include "app/cli_support.hpp"

namespace vpnhub::app::cli {
namespace {

using nlohmann::json;

void CmdTaskList(bool failed_only, bool as_json) {
  auto ctx = OpenContext();
  std::vector<Task> tasks;
  ReadTx(*ctx, [&](ports::StoreTx& tx) -> Status {
    auto r = tx.ListTasks(failed_only ? std::optional<TaskState>(TaskState::kFailed) : std::nullopt,
                          1000);
    if (!r.ok()) return r.status();
    tasks = std::move(*r);
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
  Status st = ctx->store->Write(
      [&](ports::StoreTx& tx) { return tx.RetryTask(task_id, ctx->clock.Now()); });
  if (st.code() == StatusCode::kNotFound) Fail("unknown task " + std::to_string(task_id));
  if (st.code() == StatusCode::kFailedPrecondition) {
    Fail("task " + std::to_string(task_id) + " is not failed; only failed tasks can be retried");
  }
  FailOn(st, "cannot retry task");
  std::cout << task_id << "\tpending\n";
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
  auto* task_retry = task->add_subcommand("retry", "Put a failed task back in the queue");
  task_retry->add_option("ID", *retry_id, "Task id")->required();
  task_retry->callback([retry_id] { CmdTaskRetry(*retry_id); });
}

}  // namespace vpnhub::app::cli
