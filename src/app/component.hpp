#pragma once
// The parts of a `vpnhub serve` process (the HTTP server, the jobs, the workers, the bot) as
// components in a list: started in order, stopped in reverse, with one way to ask for the end
// (ShutdownSignal). After userver's component list, without its configuration and coroutines.
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/status.hpp"

namespace vpnhub::app {

// One part of the process that runs between Start and Stop.
class Component {
 public:
  virtual ~Component() = default;
  // Names the component in logs: "<name>.start_failed".
  virtual const std::string& name() const = 0;
  // Starts the component's work (threads, timers). An error means nothing of it runs: the list
  // does not Stop a component whose Start failed.
  virtual Status Start() = 0;
  // Stops what Start started and returns when it has stopped (threads joined). Called once after
  // a successful Start.
  virtual void Stop() = 0;
};

// Components started in the order they were added and stopped in reverse, so that a component
// starts after those it uses and stops before them. Thread notes: one controlling thread.
class ComponentList {
 public:
  ComponentList() = default;
  ~ComponentList();  // StopAll()s
  ComponentList(const ComponentList&) = delete;
  ComponentList& operator=(const ComponentList&) = delete;

  // Appends a component; only before StartAll.
  void Add(std::unique_ptr<Component> component);
  // Starts every component in order. When one fails, stops those already started, in reverse,
  // and returns that component's error unchanged; `failed` (optional) receives its name.
  Status StartAll(std::string* failed = nullptr);
  // Stops the started components in reverse order. Safe to call twice and after a failed start.
  void StopAll();
  std::size_t size() const { return components_.size(); }

 private:
  std::vector<std::unique_ptr<Component>> components_;
  std::size_t started_ = 0;  // components_[0, started_) are running
};

// A Component over an object with Start() and Stop() methods (Start returning Status or void);
// `part` must outlive the component.
template <typename Part>
class PartComponent : public Component {
 public:
  PartComponent(std::string name, Part& part) : name_(std::move(name)), part_(part) {}
  const std::string& name() const override { return name_; }
  Status Start() override {
    if constexpr (std::is_void_v<decltype(part_.Start())>) {
      part_.Start();
      return Status::Ok();
    } else {
      return part_.Start();
    }
  }
  void Stop() override { part_.Stop(); }

 private:
  std::string name_;
  Part& part_;
};

template <typename Part>
std::unique_ptr<Component> MakeComponent(std::string name, Part& part) {
  return std::make_unique<PartComponent<Part>>(std::move(name), part);
}

}  // namespace vpnhub::app
