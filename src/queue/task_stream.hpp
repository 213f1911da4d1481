#pragma once
// The task stream as the relay and the NATS worker see it: which subject and payload a task is
// published under, and the stream/consumer settings VPNHub uses. Pure functions, no I/O.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/domain.hpp"
#include "nats/nats_client.hpp"

namespace vpnhub::queue {

// Subjects are vpnhub.tasks.<kind>, e.g. vpnhub.tasks.revoke_key.
inline constexpr std::string_view kTaskSubjectPrefix = "vpnhub.tasks.";
inline constexpr std::string_view kTaskSubjects = "vpnhub.tasks.>";
inline constexpr std::string_view kWorkerDurable = "vpnhub-worker";

std::string TaskSubject(TaskKind kind);
// {"task_id":1,"kind":"revoke_key","subject_id":2,"generation":0}: the worker needs only the
// id (the row is the truth); the rest is for people reading the stream.
std::string TaskPayload(const Task& task);
// The task id of a payload; nullopt when it is not one of ours.
std::optional<Id> ParseTaskPayload(std::string_view payload);

struct TaskStreamSettings {
  std::string stream = "VPNHUB_TASKS";
  int replicas = 1;
  std::chrono::seconds duplicate_window{120};
  // The worker's claim lease: also the consumer's ack_wait (a worker that died silently gets
  // its messages redelivered after it).
  std::chrono::seconds ack_wait{60};
  // The executor gives up after this many attempts; the consumer delivers a message up to
  // max_attempts + 2 times, so that deliveries which found the task busy do not use up its
  // attempts, and the worker dead-letters on the last one whatever the count.
  int max_attempts = 8;
};

// File storage, work-queue retention (a message is gone once acked), subjects vpnhub.tasks.>.
nats::StreamConfig MakeStreamConfig(const TaskStreamSettings& settings);
// Durable pull consumer, explicit ack, ack_wait, max_deliver = max_attempts + 2, and a backoff
// for redeliveries after silent deaths (ack_wait, x2, x4). Retries of failed tasks do not use
// it: the worker naks them with the retry policy's growing delay.
nats::ConsumerConfig MakeConsumerConfig(const TaskStreamSettings& settings);

}  // namespace vpnhub::queue
