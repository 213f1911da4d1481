#pragma once
// Wiring: builds the object graph every command shares from the configuration.
#include <map>
#include <memory>
#include <mutex>

#include "app/config.hpp"
#include "app/system.hpp"
#include "app/use_cases.hpp"
#include "core/ports/event_log.hpp"
#include "core/ports/store.hpp"
#include "core/usecases/backends.hpp"
#include "metrics/registry.hpp"
#include "payments/common/http_client.hpp"
#include "vpn/backend_stack.hpp"
#include "vpn/kind_registry.hpp"

namespace vpnhub::app {

// The production adapters below and the use cases (catalog, keys, alerts, executor, sweep,
// notices, bot) that MakeUseCases builds on them.
struct Context : UseCases {
  ~Context();  // the use cases go first: they refer to the members below

  Config config;
  std::unique_ptr<ports::EventLog> log;
  metrics::Registry registry;
  SystemClock clock;
  OpenSslSecrets secrets;
  std::unique_ptr<ports::Store> store;
  std::string store_kind;               // "sqlite" or "postgres"
  vpn::BackendOptions backend_options;  // what the backends were made with
  vpn::KindRegistry kinds;              // vpn::BuiltinKinds()
  std::vector<std::unique_ptr<vpn::BackendStack>> backend_stacks;  // one per kind
  usecases::Backends backends;  // the stacks' outer layers, by kind
  // What the payment providers over HTTP call their APIs through (metrics in `registry`).
  std::unique_ptr<payments::HttpClient> payment_http;

  // The key's link, named ShareLinkName(NAME, the server's location), or a note saying why there
  // is none. Reads the location names once per Context (a CLI command), then from memory.
  std::string LinkFor(const Server& server, const Key& key) const;
  // What the key's kind delivers for it (VpnBackend::Delivery, named as LinkFor); kNotFound when
  // this build serves no such kind.
  Result<ports::KeyDelivery> DeliveryFor(const Server& server, const Key& key) const;

 private:
  std::string LocationName(Id location_id) const;
  mutable std::mutex location_names_mu_;
  mutable std::map<Id, std::string> location_names_;
};

// Opens the store (applying migrations) and builds the use cases. kUnavailable or
// kInvalidArgument when the database cannot be opened. `quiet_log`: the context's EventLog drops
// every event (a CLI command whose output is its result).
Result<std::unique_ptr<Context>> MakeContext(const Config& config, bool quiet_log = false);

}  // namespace vpnhub::app
