#include "app/context.hpp"

#include <algorithm>

#include "app/logging.hpp"
#include "app/store_factory.hpp"
#include "formats/share_name.hpp"
#include "vpn/kinds.hpp"

namespace vpnhub::app {

Context::~Context() {
  UseCases use_cases = std::move(static_cast<UseCases&>(*this));
}  // they are destroyed here, before the members they refer to

std::string Context::LocationName(Id location_id) const {
  std::lock_guard lock(location_names_mu_);
  if (location_names_.count(location_id) == 0) {
    // A location added since the last read (or the first call): read them all again.
    Status st = store->Read([&](ports::StoreTx& tx) -> Status {
      VPNHUB_ASSIGN_OR_RETURN(auto all, tx.catalog().ListLocations());
      for (const Location& l : all) location_names_[l.id] = l.name;
      return Status::Ok();
    });
    if (!st.ok() || location_names_.count(location_id) == 0) return "";
  }
  return location_names_[location_id];
}

Result<ports::KeyDelivery> Context::DeliveryFor(const Server& server, const Key& key) const {
  VPNHUB_ASSIGN_OR_RETURN(auto backend, backends.For(server.kind));
  return backend->Delivery(server, key,
                           formats::ShareLinkName(config.name, LocationName(server.location_id)));
}

std::string Context::LinkFor(const Server& server, const Key& key) const {
  auto delivery = DeliveryFor(server, key);
  if (!delivery.ok()) return "(no link: " + delivery.status().message() + ")";
  if (delivery->link.empty()) return "(no link: a " + server.kind + " key comes as a file)";
  return delivery->link;
}

Result<std::unique_ptr<Context>> MakeContext(const Config& config, bool quiet_log) {
  auto ctx = std::make_unique<Context>();
  ctx->config = config;
  if (quiet_log) {
    ctx->log = std::make_unique<NullEventLog>();
  } else {
    ctx->log = std::make_unique<SpdlogEventLog>(config.log_level, config.log_format_json);
  }

  // Enough PostgreSQL connections for the worker, the HTTP server, the bot's handlers and
  // senders and the jobs to run at once.
  const int pool = config.worker_concurrency + config.http_threads + 8;
  VPNHUB_ASSIGN_OR_RETURN(auto opened, OpenStore(config.database_url, pool));
  ctx->store = std::move(opened.store);
  ctx->store_kind = opened.kind;

  VPNHUB_ASSIGN_OR_RETURN(auto kinds, vpn::BuiltinKinds());
  ctx->kinds = std::move(kinds);
  vpn::BackendOptions backend_options;
  backend_options.call_deadline = std::chrono::milliseconds(config.vpn_call_timeout_ms);
  // At most half the worker threads per server: a server that stops answering holds the threads
  // of the calls it had when it stopped (until their deadline), and the other half keep serving
  // the other servers (GatedBackend refuses the calls over the limit once it is not answering).
  backend_options.per_server_limit =
      std::min(config.worker_per_server, std::max(1, config.worker_concurrency / 2));
  backend_options.wireguard_dns = config.wg_dns;
  backend_options.limit_ip = config.limit_ip;
  ctx->backend_options = backend_options;
  VPNHUB_ASSIGN_OR_RETURN(auto stacks, ctx->kinds.MakeBackends(backend_options, ctx->registry));
  ctx->backend_stacks = std::move(stacks);
  for (auto& stack : ctx->backend_stacks) ctx->backends.Add(&stack->backend());

  ctx->payment_http = std::make_unique<payments::HttpClient>(&ctx->registry);

  static_cast<UseCases&>(*ctx) =
      MakeUseCases(config, {*ctx->store, ctx->backends, ctx->clock, ctx->secrets, *ctx->log});
  return ctx;
}

}  // namespace vpnhub::app
