#include "app/key_output.hpp"

#include "formats/delivery.hpp"

namespace vpnhub::app {

using formats::HasConfigFile;

std::string DeliveryText(const Result<ports::KeyDelivery>& delivery, const ServerKind& kind) {
  if (!delivery.ok()) return "(no link: " + delivery.status().message() + ")\n";
  std::string out;
  if (!delivery->link.empty()) out = delivery->link + "\n";
  if (HasConfigFile(*delivery)) {
    out += delivery->config;
    if (out.back() != '\n') out += "\n";
  }
  if (out.empty()) out = "(no link: a " + kind + " key delivers neither a link nor a file)\n";
  return out;
}

Result<std::string> ConfigFileOf(const Key& key, const Result<ports::KeyDelivery>& delivery,
                                 const ServerKind& kind) {
  if (!HoldsSlot(key.state)) {
    return FailedPrecondition("key " + std::to_string(key.id) + " is " + KeyStateName(key.state) +
                              ": its configuration no longer connects");
  }
  if (!delivery.ok()) return delivery.status();
  if (!HasConfigFile(*delivery)) {
    return FailedPrecondition("a " + kind + " key has no configuration file (it comes as a link)");
  }
  return delivery->config;
}

nlohmann::json DeliveryJson(const Key& key, const Result<ports::KeyDelivery>& delivery) {
  nlohmann::json out = {{"link", ""}, {"config_name", ""}, {"config", ""}};
  if (!HoldsSlot(key.state) || !delivery.ok()) return out;
  out["link"] = delivery->link;
  if (HasConfigFile(*delivery)) {
    out["config_name"] = delivery->config_name;
    out["config"] = delivery->config;
  }
  return out;
}

}  // namespace vpnhub::app
