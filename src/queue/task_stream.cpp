#include "queue/task_stream.hpp"

#include <nlohmann/json.hpp>

namespace vpnhub::queue {

std::string TaskSubject(TaskKind kind) {
  return std::string(kTaskSubjectPrefix) + TaskKindName(kind);
}

std::string TaskPayload(const Task& task) {
  nlohmann::json j = {{"task_id", task.id},
                      {"kind", TaskKindName(task.kind)},
                      {"subject_id", task.subject_id},
                      {"generation", task.generation}};
  return j.dump();
}

std::optional<Id> ParseTaskPayload(std::string_view payload) {
  auto j = nlohmann::json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return std::nullopt;
  auto it = j.find("task_id");
  if (it == j.end() || !it->is_number_integer()) return std::nullopt;
  const auto id = it->get<std::int64_t>();
  if (id <= 0) return std::nullopt;
  return static_cast<Id>(id);
}

nats::StreamConfig MakeStreamConfig(const TaskStreamSettings& settings) {
  nats::StreamConfig sc;
  sc.name = settings.stream;
  sc.subjects = {std::string(kTaskSubjects)};
  sc.replicas = settings.replicas;
  sc.duplicate_window = settings.duplicate_window;
  sc.work_queue = true;
  return sc;
}

nats::ConsumerConfig MakeConsumerConfig(const TaskStreamSettings& settings) {
  nats::ConsumerConfig cc;
  cc.stream = settings.stream;
  cc.durable = std::string(kWorkerDurable);
  cc.filter_subject = std::string(kTaskSubjects);
  cc.ack_wait = settings.ack_wait;
  cc.max_deliver = settings.max_attempts + 2;
  for (int i = 0; i < 3 && static_cast<int>(cc.backoff.size()) + 1 < cc.max_deliver; ++i) {
    cc.backoff.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(settings.ack_wait) *
                         (1 << i));
  }
  // Messages nakked with a delay (tasks waiting for a retry) count as pending acks: leave room
  // for many of them (a VPN server down for an hour) without stalling delivery of the rest.
  cc.max_ack_pending = 20000;
  return cc;
}

}  // namespace vpnhub::queue
