// vpnhub order list, payment list / refund and user show: what was sold, for the operator.
#include <iostream>

#include "app/cli_support.hpp"
#include "app/format.hpp"
#include "app/payment_providers.hpp"
#include "subscription/token.hpp"
#include "telegram/bot_api_pool.hpp"

namespace vpnhub::app::cli {
namespace {

using nlohmann::json;

// Telegram ids by user id, for rows that name a person by user id.
class Owners {
 public:
  Status Load(ports::StoreTx& tx, Id user_id) {
    if (user_id == 0 || tg_.count(user_id)) return Status::Ok();
    VPNHUB_ASSIGN_OR_RETURN(auto u, tx.users().GetUser(user_id));
    tg_[user_id] = u.tg_id;
    return Status::Ok();
  }
  TgId operator[](Id user_id) const {
    auto it = tg_.find(user_id);
    return it == tg_.end() ? 0 : it->second;
  }

 private:
  std::map<Id, TgId> tg_;
};

// The user id of a Telegram id given with --user; kNotFound for an unknown person.
Result<Id> UserIdOf(ports::StoreTx& tx, TgId tg_id) {
  VPNHUB_ASSIGN_OR_RETURN(auto u, tx.users().FindUserByTgId(tg_id));
  if (!u) return NotFound("unknown user " + std::to_string(tg_id));
  return u->id;
}

json OrderJson(const Order& o, TgId owner, const Names& names) {
  auto loc = names.locations.find(o.location_id);
  return {{"id", o.id},
          {"user_tg_id", owner},
          {"kind", OrderKindName(o.kind)},
          {"location", loc == names.locations.end() ? "" : loc->second},
          {"key_id", o.key_id},
          {"months", o.months},
          {"provider", o.provider},
          {"amount", o.amount},
          {"currency", o.currency},
          {"promo_code", o.promo_code},
          {"bonus_days", o.bonus_days},
          {"state", OrderStateName(o.state)},
          {"result_key_id", o.result_key_id},
          {"created_at", IsoUtc(o.created_at)},
          {"expires_at", IsoUtc(o.expires_at)}};
}

// ID  user TG  KIND  WHAT  AMOUNT CURRENCY  STATE  PROVIDER  promo CODE|-  created ISO
std::string OrderLine(const Order& o, TgId owner, const Names& names) {
  std::string what;
  if (o.kind == OrderKind::kExtend) {
    what = "key " + std::to_string(o.key_id) + " +" + std::to_string(o.months) + " months";
  } else {
    auto loc = names.locations.find(o.location_id);
    what = (o.kind == OrderKind::kSwitch ? "key " + std::to_string(o.key_id) + " to " : "") +
           (loc == names.locations.end() ? "-" : loc->second) +
           (o.kind == OrderKind::kNewKey ? " " + std::to_string(o.months) + " months" : "");
  }
  return std::to_string(o.id) + "\tuser " + std::to_string(owner) + "\t" + OrderKindName(o.kind) +
         "\t" + what + "\t" + std::to_string(o.amount) + " " + o.currency + "\t" +
         OrderStateName(o.state) + "\t" + o.provider + "\tpromo " +
         (o.promo_code.empty() ? "-" : o.promo_code) + "\tcreated " + IsoUtc(o.created_at);
}

json PaymentJson(const Payment& p, TgId owner) {
  return {{"id", p.id},
          {"user_tg_id", owner},
          {"provider", p.provider},
          {"provider_payment_id", p.provider_payment_id},
          {"order_id", p.order_id},
          {"amount", p.amount},
          {"currency", p.currency},
          {"state", PaymentStateName(p.state)},
          {"created_at", IsoUtc(p.created_at)}};
}

// ID  user TG  PROVIDER  AMOUNT CURRENCY  STATE  order ID  PROVIDER_PAYMENT_ID  at ISO
std::string PaymentLine(const Payment& p, TgId owner) {
  return std::to_string(p.id) + "\tuser " + std::to_string(owner) + "\t" + p.provider + "\t" +
         std::to_string(p.amount) + " " + p.currency + "\t" + PaymentStateName(p.state) +
         "\torder " + std::to_string(p.order_id) + "\t" + p.provider_payment_id + "\tat " +
         IsoUtc(p.created_at);
}

void CmdOrderList(std::optional<TgId> user, const std::string& state, bool as_json) {
  ports::OrderFilter filter;
  filter.limit = 100000;
  if (!state.empty()) {
    filter.state = ParseOrderState(state);
    if (!filter.state) {
      Fail("unknown state '" + state + "' (created, paid, fulfilled, expired, cancelled, refunded)",
           2);
    }
  }
  auto ctx = OpenContext();
  std::vector<Order> orders;
  Owners owners;
  ReadTx(*ctx, [&](ports::StoreTx& tx) -> Status {
    if (user) {
      VPNHUB_ASSIGN_OR_RETURN(filter.user_id, UserIdOf(tx, *user));
    }
    VPNHUB_ASSIGN_OR_RETURN(orders, tx.billing().ListOrders(filter));
    for (const auto& o : orders) VPNHUB_RETURN_IF_ERROR(owners.Load(tx, o.user_id));
    return Status::Ok();
  });
  const Names names = LoadNames(*ctx);
  json out = json::array();
  for (const auto& o : orders) {
    if (as_json) {
      out.push_back(OrderJson(o, owners[o.user_id], names));
    } else {
      std::cout << OrderLine(o, owners[o.user_id], names) << "\n";
    }
  }
  if (as_json) PrintJson(out);
}

void CmdPaymentList(std::optional<TgId> user, const std::string& provider, bool as_json) {
  auto ctx = OpenContext();
  ports::PaymentFilter filter;
  filter.limit = 100000;
  filter.provider = provider;
  std::vector<Payment> payments;
  Owners owners;
  ReadTx(*ctx, [&](ports::StoreTx& tx) -> Status {
    if (user) {
      VPNHUB_ASSIGN_OR_RETURN(filter.user_id, UserIdOf(tx, *user));
    }
    VPNHUB_ASSIGN_OR_RETURN(payments, tx.billing().ListPayments(filter));
    for (const auto& p : payments) VPNHUB_RETURN_IF_ERROR(owners.Load(tx, p.user_id));
    return Status::Ok();
  });
  json out = json::array();
  for (const auto& p : payments) {
    if (as_json) {
      out.push_back(PaymentJson(p, owners[p.user_id]));
    } else {
      std::cout << PaymentLine(p, owners[p.user_id]) << "\n";
    }
  }
  if (as_json) PrintJson(out);
}

// The payment providers as serve builds them from this configuration, over `pool`.
payments::PaymentProviders ProvidersOrExit(const Context& ctx, telegram::BotApiPool& pool) {
  auto built = ConfiguredProviders(ctx.config, &pool, ctx.payment_http.get());
  FailOn(built.status(), "payment providers");
  return std::move(*built);
}

void CmdPaymentRefund(Id payment_id, bool no_wait) {
  auto ctx = OpenContext();
  const std::string what = "cannot refund payment " + std::to_string(payment_id);
  Payment payment;
  FailOn(ctx->store->Read([&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(payment, tx.billing().GetPayment(payment_id));
    return Status::Ok();
  }),
         what);
  telegram::BotApiPool pool(
      telegram::BotApiOptions{ctx->config.telegram_api_url, ctx->config.tg_token});
  const payments::PaymentProviders built = ProvidersOrExit(*ctx, pool);
  ports::PaymentProvider* provider = built.Find(payment.provider);
  if (provider == nullptr && payment.state == PaymentState::kCredited) {
    std::string why = "unknown provider";
    for (const auto& [name, reason] : built.not_offered()) {
      if (name == payment.provider) why = reason;
    }
    Fail(what + ": provider '" + payment.provider + "' is not configured here (" + why + ")");
  }
  UseCasePorts ports{*ctx->store, ctx->backends, ctx->clock, ctx->secrets, *ctx->log};
  ports.providers = ProviderMap(built);
  auto refunded = MakeBilling(ctx->config, ports, *ctx->keys)->Refund(payment_id);
  if (!refunded.ok()) Fail(what + ": " + refunded.status().message());
  std::string note;
  const Order& order = refunded->order;
  if (refunded->revoke_task_id != 0 && !no_wait) {
    note = RunTaskNow(*ctx, refunded->revoke_task_id, order.result_key_id, KeyState::kRevoked);
  }
  std::cout << payment_id << "\trefunded\torder " << order.id << "\t"
            << OrderStateName(order.state);
  if (order.result_key_id != 0 && order.kind != OrderKind::kSwitch) {
    Key key;
    ReadTx(*ctx, [&](ports::StoreTx& tx) -> Status {
      VPNHUB_ASSIGN_OR_RETURN(key, tx.keys().GetKey(order.result_key_id));
      return Status::Ok();
    });
    std::cout << "\tkey " << key.id << "\t" << KeyStateName(key.state) << "\t"
              << (HoldsSlot(key.state) && !refunded->key_revoked
                      ? "expires " + IsoUtc(key.expires_at)
                      : std::string("revoked: nothing left"));
  }
  std::cout << "\n";
  if (!note.empty()) std::cerr << "vpnhub: note: " << note << "\n";
}

struct UserView {
  User user;
  std::vector<Key> keys;
  std::vector<Order> orders;
  std::vector<Payment> payments;
  ReferralTotals referrals;
};

void PrintUserText(const UserView& v, const Names& names, Time now, const std::string& sub_url) {
  const User& u = v.user;
  std::cout << u.id << "\ttg " << u.tg_id << "\t" << (u.username.empty() ? "-" : u.username) << "\t"
            << u.lang << "\ttrial " << (u.trial_used ? "used" : "unused") << "\tsince "
            << IsoUtc(u.created_at) << "\n";
  if (!sub_url.empty()) std::cout << "subscription: " << sub_url << "\n";
  std::cout << "keys: " << v.keys.size() << "\n";
  for (const auto& k : v.keys) {
    auto s = names.servers.find(k.server_id);
    const Server server = s == names.servers.end() ? Server{} : s->second;
    auto loc = names.locations.find(server.location_id);
    std::cout << "  "
              << KeyLine(k, u.tg_id, loc == names.locations.end() ? "-" : loc->second, server.name,
                         now)
              << "\n";
  }
  std::cout << "orders: " << v.orders.size() << "\n";
  for (const auto& o : v.orders) std::cout << "  " << OrderLine(o, u.tg_id, names) << "\n";
  std::cout << "payments: " << v.payments.size() << "\n";
  for (const auto& p : v.payments) std::cout << "  " << PaymentLine(p, u.tg_id) << "\n";
  std::cout << "referrals: invited " << v.referrals.invited << "\trewards " << v.referrals.rewards
            << "\tdays earned " << v.referrals.days_earned << "\tdays pending "
            << v.referrals.days_pending << "\n";
}

void CmdUserShow(TgId tg_id, bool as_json) {
  auto ctx = OpenContext();
  UserView v;
  FailOn(ctx->store->Read([&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(auto u, tx.users().FindUserByTgId(tg_id));
    if (!u) return NotFound("unknown user " + std::to_string(tg_id));
    v.user = *u;
    ports::KeyFilter kf;
    kf.user_id = u->id;
    kf.limit = 100000;
    VPNHUB_ASSIGN_OR_RETURN(v.keys, tx.keys().ListKeys(kf));
    ports::OrderFilter of;
    of.user_id = u->id;
    of.limit = 100000;
    VPNHUB_ASSIGN_OR_RETURN(v.orders, tx.billing().ListOrders(of));
    ports::PaymentFilter pf;
    pf.user_id = u->id;
    pf.limit = 100000;
    VPNHUB_ASSIGN_OR_RETURN(v.payments, tx.billing().ListPayments(pf));
    VPNHUB_ASSIGN_OR_RETURN(v.referrals, tx.billing().ReferralTotalsOf(u->id));
    return Status::Ok();
  }),
         "cannot show user " + std::to_string(tg_id));
  const Names names = LoadNames(*ctx);
  const std::string sub_url = subscription::SubscriptionUrl(ctx->config.subscription_base_url,
                                                            ctx->config.subscription_signing_key,
                                                            v.user.id, v.user.sub_version);
  if (!as_json) return PrintUserText(v, names, ctx->clock.Now(), sub_url);
  json out = UserJson(v.user);
  if (!sub_url.empty()) out["subscription_url"] = sub_url;
  out["keys"] = json::array();
  for (const auto& k : v.keys) {
    const Server& s = names.servers.at(k.server_id);
    const std::string loc =
        names.locations.count(s.location_id) ? names.locations.at(s.location_id) : "";
    out["keys"].push_back(KeyJson(k, tg_id, loc, s.name, ctx->DeliveryFor(s, k)));
  }
  out["orders"] = json::array();
  for (const auto& o : v.orders) out["orders"].push_back(OrderJson(o, tg_id, names));
  out["payments"] = json::array();
  for (const auto& p : v.payments) out["payments"].push_back(PaymentJson(p, tg_id));
  out["referrals"] = {{"invited", v.referrals.invited},
                      {"rewards", v.referrals.rewards},
                      {"days_earned", v.referrals.days_earned},
                      {"days_pending", v.referrals.days_pending}};
  PrintJson(out);
}

void CmdUserRotateSub(TgId tg_id) {
  auto ctx = OpenContext();
  User user;
  FailOn(ctx->store->Write([&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(auto u, tx.users().FindUserByTgId(tg_id));
    if (!u) return NotFound("unknown user " + std::to_string(tg_id));
    VPNHUB_RETURN_IF_ERROR(tx.users().RotateSubscription(u->id));
    VPNHUB_ASSIGN_OR_RETURN(user, tx.users().GetUser(u->id));
    return Status::Ok();
  }),
         "cannot rotate the subscription of user " + std::to_string(tg_id));
  const std::string url = subscription::SubscriptionUrl(ctx->config.subscription_base_url,
                                                        ctx->config.subscription_signing_key,
                                                        user.id, user.sub_version);
  std::cout << "subscription of tg " << tg_id << " rotated (version " << user.sub_version << ")";
  if (!url.empty()) std::cout << ": " << url;
  std::cout << "\n";
}

struct ListArgs {
  std::optional<TgId> user;
  std::string filter;  // --state (orders) or --provider (payments)
  bool json = false;
};

}  // namespace

void AddBillingCommands(CLI::App& app) {
  auto* order = app.add_subcommand("order", "Inspect orders")->require_subcommand(1);
  auto ol = std::make_shared<ListArgs>();
  auto* order_list = order->add_subcommand("list", "List orders, newest first");
  order_list->add_option("--user", ol->user, "Only this Telegram id's orders")->check(TgIdCheck());
  order_list->add_option("--state", ol->filter,
                         "Only orders in this state: created, paid, fulfilled, expired, "
                         "cancelled, refunded");
  AddJsonFlag(order_list, ol->json);
  order_list->callback([ol] { CmdOrderList(ol->user, ol->filter, ol->json); });

  auto* payment =
      app.add_subcommand("payment", "Inspect and refund payments")->require_subcommand(1);
  auto pl = std::make_shared<ListArgs>();
  auto* payment_list = payment->add_subcommand("list", "List payments, newest first");
  payment_list->add_option("--user", pl->user, "Only this Telegram id's payments")
      ->check(TgIdCheck());
  payment_list->add_option("--provider", pl->filter, "Only this provider's payments (stars)");
  AddJsonFlag(payment_list, pl->json);
  payment_list->callback([pl] { CmdPaymentList(pl->user, pl->filter, pl->json); });

  struct RefundArgs {
    Id id = 0;
    bool no_wait = false;
  };
  auto ra = std::make_shared<RefundArgs>();
  auto* refund = payment->add_subcommand(
      "refund",
      "Give a credited payment back through its provider (Stars: refundStarPayment, so TG_TOKEN "
      "and the Stars settings must be those of the bot that took it), then take the bought time "
      "off the key (revoked when nothing is left). Nothing changes when the provider refuses");
  refund->add_option("ID", ra->id, "Payment id (see payment list)")
      ->required()
      ->check(PositiveId());
  refund->add_flag("--no-wait", ra->no_wait, "Leave removing a revoked key to the service");
  refund->callback([ra] { CmdPaymentRefund(ra->id, ra->no_wait); });

  struct ShowArgs {
    TgId tg = 0;
    bool json = false;
  };
  auto sa = std::make_shared<ShowArgs>();
  auto* show = app.get_subcommand("user")->add_subcommand(
      "show", "Show one person: keys, orders, payments and referrals");
  show->add_option("TG", sa->tg, "The person's Telegram id")->required()->check(TgIdCheck());
  AddJsonFlag(show, sa->json);
  show->callback([sa] { CmdUserShow(sa->tg, sa->json); });

  auto rotate_tg = std::make_shared<TgId>(0);
  auto* rotate = app.get_subcommand("user")->add_subcommand(
      "rotate-sub",
      "Give the person a new subscription URL: the old one answers 404 from now on (every "
      "instance within about a second)");
  rotate->add_option("TG", *rotate_tg, "The person's Telegram id")->required()->check(TgIdCheck());
  rotate->callback([rotate_tg] { CmdUserRotateSub(*rotate_tg); });
}

}  // namespace vpnhub::app::cli
