#include "app/component.hpp"

namespace vpnhub::app {

ComponentList::~ComponentList() { StopAll(); }

void ComponentList::Add(std::unique_ptr<Component> component) {
  components_.push_back(std::move(component));
}

Status ComponentList::StartAll(std::string* failed) {
  while (started_ < components_.size()) {
    Component& next = *components_[started_];
    Status st = next.Start();
    if (!st.ok()) {
      if (failed != nullptr) *failed = next.name();
      StopAll();
      return st;
    }
    ++started_;
  }
  return Status::Ok();
}

void ComponentList::StopAll() {
  while (started_ > 0) {
    --started_;
    components_[started_]->Stop();
  }
}

}  // namespace vpnhub::app
