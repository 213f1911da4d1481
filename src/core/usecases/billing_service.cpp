// BillingService: tariffs, orders, invoices, pre-checkout, free switches, refunds, figures.
// Crediting a payment lives in billing_credit.cpp.
#include "core/usecases/billing_service.hpp"

#include <algorithm>
#include <cctype>

#include "core/rules.hpp"
#include "core/usecases/billing_internal.hpp"

namespace vpnhub::usecases {

using billing_internal::FindLocation;
using billing_internal::KeyRuns;
using billing_internal::NormalizeCode;
using billing_internal::OwnedKeyIn;
using billing_internal::UserOf;

std::vector<std::string> BillingService::OfferedProviders() const {
  std::vector<std::string> out;
  for (const auto& [name, provider] : providers_) {
    if (!TariffOffers(config_, provider->Currency()).empty()) out.push_back(name);
  }
  return out;
}

std::string BillingService::ProviderLabel(const std::string& provider) const {
  const auto it = providers_.find(provider);
  return it == providers_.end() || it->second == nullptr ? provider : it->second->Label();
}

std::vector<TariffOffer> BillingService::Tariffs(const std::string& provider) const {
  auto p = ProviderFor(provider);
  if (!p.ok()) return {};
  return TariffOffers(config_, (*p)->Currency());
}

std::optional<std::int64_t> BillingService::SwitchPrice(const std::string& provider) const {
  auto p = ProviderFor(provider);
  if (!p.ok()) return std::nullopt;
  return config_.SwitchPrice((*p)->Currency());
}

Result<ports::PaymentProvider*> BillingService::ProviderFor(const std::string& name) const {
  auto it = providers_.find(name);
  if (it == providers_.end() || it->second == nullptr) {
    return InvalidArgument("unknown payment provider '" + name + "'");
  }
  return it->second;
}

Result<int> BillingService::FreeSwitchesLeft(TgId tg_id, Id key_id) {
  int left = 0;
  VPNHUB_RETURN_IF_ERROR(store_.Read([&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(User user, UserOf(tx, tg_id));
    VPNHUB_ASSIGN_OR_RETURN(Key key, OwnedKeyIn(tx, user, key_id));
    VPNHUB_ASSIGN_OR_RETURN(auto made_by, tx.billing().GetKeySwitch(key.id));
    const int used = made_by ? made_by->number : 0;
    left = std::max(0, config_.free_switches_per_key - used);
    return Status::Ok();
  }));
  return left;
}

Status BillingService::CheckPromoIn(ports::StoreTx& tx, const User& user, const PromoCode& promo,
                                    Time now) {
  if (!promo.enabled) return FailedPrecondition("promo code " + promo.code + " is disabled");
  if (promo.valid_until && now >= *promo.valid_until) {
    return FailedPrecondition("promo code " + promo.code + " has ended");
  }
  if (promo.max_uses > 0 && promo.uses >= promo.max_uses) {
    return FailedPrecondition("promo code " + promo.code + " is used up");
  }
  if (promo.once_per_person) {
    VPNHUB_ASSIGN_OR_RETURN(bool used, tx.billing().PromoUsedBy(promo.id, user.id));
    if (used) return FailedPrecondition("promo code " + promo.code + " was used by you already");
  }
  return Status::Ok();
}

Result<PromoCode> BillingService::CheckPromo(TgId tg_id, const std::string& code) {
  const Time now = clock_.Now();
  PromoCode out;
  VPNHUB_RETURN_IF_ERROR(store_.Read([&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(User user, UserOf(tx, tg_id));
    VPNHUB_ASSIGN_OR_RETURN(auto promo, tx.billing().FindPromo(NormalizeCode(code)));
    if (!promo) return NotFound("no promo code '" + NormalizeCode(code) + "'");
    VPNHUB_RETURN_IF_ERROR(CheckPromoIn(tx, user, *promo, now));
    out = *promo;
    return Status::Ok();
  }));
  return out;
}

Result<std::int64_t> BillingService::BasePrice(const OrderRequest& req,
                                               const std::string& currency) const {
  std::optional<std::int64_t> price;
  if (req.kind == OrderKind::kSwitch) {
    price = config_.SwitchPrice(currency);
    if (!price) return InvalidArgument("paid location switches are not sold in " + currency);
  } else {
    price = config_.TariffPrice(req.months, currency);
    if (!price) {
      return InvalidArgument("no tariff of " + std::to_string(req.months) + " months in " +
                             currency);
    }
  }
  return *price;
}

Status BillingService::CheckOrderTarget(ports::StoreTx& tx, const User& user,
                                        const OrderRequest& req) {
  std::optional<Key> key;
  if (req.kind != OrderKind::kNewKey) {
    VPNHUB_ASSIGN_OR_RETURN(key, OwnedKeyIn(tx, user, req.key_id));
  }
  if (req.kind == OrderKind::kExtend) {
    // A key that no longer runs is bought anew in its location on payment.
    return Status::Ok();
  }
  if (req.kind == OrderKind::kSwitch) {
    if (!KeyRuns(*key)) return FailedPrecondition("key " + std::to_string(key->id) + " has ended");
    VPNHUB_ASSIGN_OR_RETURN(auto made_by, tx.billing().GetKeySwitch(key->id));
    if ((made_by ? made_by->number : 0) < config_.free_switches_per_key) {
      return FailedPrecondition("this switch is free: no order needed");
    }
    VPNHUB_ASSIGN_OR_RETURN(auto server, tx.catalog().GetServer(key->server_id));
    if (server.location_id == req.location_id) {
      return FailedPrecondition("the key is in that location already");
    }
  }
  VPNHUB_ASSIGN_OR_RETURN(Location location, FindLocation(tx, req.location_id));
  VPNHUB_ASSIGN_OR_RETURN(auto servers, tx.catalog().ListServers(location.id));
  return ChooseServer(servers, location.name).status();
}

Result<Order> BillingService::CreateOrder(const OrderRequest& req) {
  VPNHUB_ASSIGN_OR_RETURN(ports::PaymentProvider * provider, ProviderFor(req.provider));
  if ((req.kind != OrderKind::kNewKey && req.key_id <= 0) ||
      (req.kind != OrderKind::kExtend && req.location_id <= 0)) {
    return InvalidArgument(std::string("a ") + OrderKindName(req.kind) +
                           " order needs its key and/or location");
  }
  const std::string currency = provider->Currency();
  VPNHUB_ASSIGN_OR_RETURN(std::int64_t price, BasePrice(req, currency));
  const Time now = clock_.Now();
  Order out;
  VPNHUB_RETURN_IF_ERROR(store_.Write([&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(User user, UserOf(tx, req.tg_id));
    VPNHUB_RETURN_IF_ERROR(CheckOrderTarget(tx, user, req));
    Order o;
    o.user_id = user.id;
    o.kind = req.kind;
    o.location_id = req.kind == OrderKind::kExtend ? 0 : req.location_id;
    o.key_id = req.kind == OrderKind::kNewKey ? 0 : req.key_id;
    o.months = req.kind == OrderKind::kSwitch ? 0 : req.months;
    o.provider = req.provider;
    o.currency = currency;
    o.amount = price;
    if (!req.promo_code.empty()) {
      VPNHUB_ASSIGN_OR_RETURN(auto promo, tx.billing().FindPromo(NormalizeCode(req.promo_code)));
      if (!promo) return NotFound("no promo code '" + NormalizeCode(req.promo_code) + "'");
      VPNHUB_RETURN_IF_ERROR(CheckPromoIn(tx, user, *promo, now));
      o.promo_code = promo->code;
      o.amount = PriceAfterPercent(price, promo->percent);
      o.bonus_days = promo->bonus_days;
    }
    VPNHUB_ASSIGN_OR_RETURN(auto open, tx.billing().FindOpenOrder(o, now));
    // A second tap for the same choice pays the same order, at the price it was made with.
    if (open) {
      out = *open;
      return Status::Ok();
    }
    o.state = OrderState::kCreated;
    o.created_at = o.updated_at = now;
    o.expires_at = now + config_.order_ttl;
    VPNHUB_ASSIGN_OR_RETURN(o.id, tx.billing().InsertOrder(o));
    out = o;
    return Status::Ok();
  }));
  return out;
}

Result<ports::InvoiceRequest> BillingService::Invoice(TgId tg_id, Id order_id) {
  const Time now = clock_.Now();
  Order order;
  std::string lang = default_lang_;
  std::string location;
  VPNHUB_RETURN_IF_ERROR(store_.Read([&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(User user, UserOf(tx, tg_id));
    auto o = tx.billing().GetOrder(order_id);
    if (!o.ok() && o.status().code() != StatusCode::kNotFound) return o.status();
    if (!o.ok() || o->user_id != user.id) return NotFound("no such order");
    if (o->state != OrderState::kCreated || now >= o->expires_at) {
      return FailedPrecondition("order " + std::to_string(order_id) + " can no longer be paid");
    }
    order = *o;
    lang = user.lang;
    // A link made before (a second tap) is shown again without asking the provider.
    if (!order.invoice_url.empty()) return Status::Ok();
    if (order.location_id != 0) {
      auto l = FindLocation(tx, order.location_id);
      if (l.ok()) location = l->name;
    }
    return Status::Ok();
  }));
  if (!order.invoice_url.empty()) {
    return ports::InvoiceRequest{ports::InvoiceRequest::Via::kPaymentLink, order.invoice_url,
                                 order.invoice_ref};
  }
  VPNHUB_ASSIGN_OR_RETURN(ports::PaymentProvider * provider, ProviderFor(order.provider));
  ports::InvoiceTexts texts;
  texts.chat_id = tg_id;
  texts.title = billing_texts::InvoiceTitle(lang, order);
  texts.description = billing_texts::InvoiceDescription(lang, order, location);
  texts.label = texts.title;
  VPNHUB_ASSIGN_OR_RETURN(auto invoice, provider->CreateInvoice(order, texts));
  if (invoice.via != ports::InvoiceRequest::Via::kPaymentLink) return invoice;
  // Recorded after the provider answered (no transaction is open while it is called). A payment
  // confirmed meanwhile leaves the order paid: the invoice is not recorded, the link still shown.
  const Time recorded = clock_.Now();
  Status st = store_.Write([&](ports::StoreTx& tx) {
    return tx.invoices().SetOrderInvoice(order.id, invoice.invoice_ref, invoice.url,
                                        recorded + config_.payment_check_first, recorded);
  });
  if (!st.ok() && st.code() != StatusCode::kConflict) return st;
  return invoice;
}

Result<PreCheckoutAnswer> BillingService::CheckPreCheckout(TgId payer_tg_id, Id order_id,
                                                           std::int64_t total,
                                                           const std::string& currency) {
  using billing_texts::Refusal;
  const Time now = clock_.Now();
  Refusal refusal = Refusal::kNone;
  std::string lang = default_lang_;
  VPNHUB_RETURN_IF_ERROR(store_.Read([&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(auto user, tx.users().FindUserByTgId(payer_tg_id));
    if (user) lang = user->lang;
    auto order = tx.billing().GetOrder(order_id);
    if (!order.ok() && order.status().code() != StatusCode::kNotFound) return order.status();
    if (!order.ok()) {
      refusal = Refusal::kNotFound;
    } else if (!user || order->user_id != user->id) {
      refusal = Refusal::kNotYours;
    } else if (order->state != OrderState::kCreated) {
      refusal = Refusal::kNotPayable;
    } else if (now >= order->expires_at) {
      refusal = Refusal::kExpired;
    } else if (total != order->amount || currency != order->currency) {
      refusal = Refusal::kAmountDiffers;
    }
    return Status::Ok();
  }));
  PreCheckoutAnswer answer;
  answer.ok = refusal == Refusal::kNone;
  answer.refusal = refusal;
  answer.refusal_text = billing_texts::RefusalText(lang, refusal);
  return answer;
}

Result<IssuedKey> BillingService::SwitchFree(TgId tg_id, Id key_id, Id location_id) {
  const Time now = clock_.Now();
  IssuedKey out;
  VPNHUB_RETURN_IF_ERROR(store_.Write([&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(User user, UserOf(tx, tg_id));
    VPNHUB_ASSIGN_OR_RETURN(Key key, OwnedKeyIn(tx, user, key_id));
    if (!KeyRuns(key) || key.expires_at <= now) {
      return FailedPrecondition("key " + std::to_string(key_id) + " has ended");
    }
    VPNHUB_ASSIGN_OR_RETURN(auto made_by, tx.billing().GetKeySwitch(key.id));
    const int number = (made_by ? made_by->number : 0) + 1;
    if (number > config_.free_switches_per_key) {
      return FailedPrecondition("no free location switch left on this key");
    }
    VPNHUB_ASSIGN_OR_RETURN(auto server, tx.catalog().GetServer(key.server_id));
    if (server.location_id == location_id) {
      return FailedPrecondition("the key is in that location already");
    }
    IssueKeyRequest req;
    req.tg_id = tg_id;
    req.location_id = location_id;
    req.duration = key.expires_at - now;
    req.traffic_limit_bytes = key.traffic_limit_bytes;
    req.announce_when_ready = true;
    VPNHUB_ASSIGN_OR_RETURN(out, keys_.IssueIn(tx, req, now));
    KeySwitch ks{out.key.id, key.id, 0, number, false, now};
    Status inserted = tx.billing().InsertKeySwitch(ks);
    if (inserted.code() == StatusCode::kAlreadyExists) {
      return FailedPrecondition("key " + std::to_string(key_id) + " was switched already");
    }
    VPNHUB_RETURN_IF_ERROR(inserted);
    return Tell(tx, user, billing_texts::SwitchStarted(user.lang, out.location.name), now);
  }));
  return out;
}

Result<RefundResult> BillingService::Refund(Id payment_id) {
  Payment payment;
  TgId payer = 0;
  VPNHUB_RETURN_IF_ERROR(store_.Read([&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(payment, tx.billing().GetPayment(payment_id));
    if (payment.state != PaymentState::kCredited) {
      return FailedPrecondition("payment " + std::to_string(payment_id) + " is " +
                                PaymentStateName(payment.state) + ", not credited");
    }
    VPNHUB_ASSIGN_OR_RETURN(auto user, tx.users().GetUser(payment.user_id));
    payer = user.tg_id;
    return Status::Ok();
  }));
  VPNHUB_ASSIGN_OR_RETURN(ports::PaymentProvider * provider, ProviderFor(payment.provider));
  VPNHUB_RETURN_IF_ERROR(provider->Refund(payment, payer));
  return RecordRefund(payment_id);
}

Result<ReferralTotals> BillingService::Referrals(TgId tg_id) {
  ReferralTotals out;
  VPNHUB_RETURN_IF_ERROR(store_.Read([&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(auto user, tx.users().FindUserByTgId(tg_id));
    if (!user) return Status::Ok();
    VPNHUB_ASSIGN_OR_RETURN(out, tx.billing().ReferralTotalsOf(user->id));
    return Status::Ok();
  }));
  return out;
}

Result<BillingFigures> BillingService::Figures() {
  const Time now = clock_.Now();
  BillingFigures out;
  VPNHUB_RETURN_IF_ERROR(store_.Read([&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(out, tx.billing().Figures(std::chrono::floor<std::chrono::days>(now),
                                                      now - std::chrono::hours(24 * 30)));
    return Status::Ok();
  }));
  return out;
}

Result<int> BillingService::ExpireOrders(int limit) {
  int n = 0;
  VPNHUB_RETURN_IF_ERROR(store_.Write(ports::WriteKind::kQueue, [&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(n, tx.billing().ExpireOrders(clock_.Now(), limit));
    return Status::Ok();
  }));
  return n;
}

Status BillingService::Tell(ports::StoreTx& tx, const User& user, const std::string& text,
                            Time now) {
  if (user.blocked_bot || user.tg_id <= 0) return Status::Ok();
  OutgoingMessage m;
  m.chat_id = user.tg_id;
  m.kind = MessageKind::kText;
  m.priority = MessagePriority::kReply;
  m.text = text;
  m.next_attempt_at = now;
  m.created_at = now;
  return tx.messages().EnqueueMessage(m).status();
}

Status BillingService::TellAdmins(ports::StoreTx& tx, const std::string& text, Time now) {
  for (TgId admin : admins_) {
    OutgoingMessage m;
    m.chat_id = admin;
    m.kind = MessageKind::kAdminAlert;
    m.priority = MessagePriority::kAlert;
    m.text = text;
    m.next_attempt_at = now;
    m.created_at = now;
    VPNHUB_RETURN_IF_ERROR(tx.messages().EnqueueMessage(m).status());
  }
  return Status::Ok();
}

}  // namespace vpnhub::usecases
