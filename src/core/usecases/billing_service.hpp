#pragma once
// Selling: tariffs, orders, invoices, Telegram's pre-checkout question, crediting a confirmed
// payment exactly once, free location switches, refunds and the figures. Every amount, duration
// and bonus comes from BillingConfig and the stored order, never from a button or a provider;
// every id a person hands in is checked to be theirs. Split over billing_service.cpp (orders,
// invoices, switches, refunds) and billing_credit.cpp (ConfirmPayment).
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/billing.hpp"
#include "core/billing_rules.hpp"
#include "core/domain.hpp"
#include "core/ports/clock.hpp"
#include "core/ports/payment_provider.hpp"
#include "core/ports/store.hpp"
#include "core/status.hpp"
#include "core/usecases/billing_texts.hpp"
#include "core/usecases/key_service.hpp"

namespace vpnhub::usecases {

// What a person asks to buy. The bot fills it from button ids and the typed promo code only.
struct OrderRequest {
  TgId tg_id = 0;
  OrderKind kind = OrderKind::kNewKey;
  Id location_id = 0;  // kNewKey, kSwitch: where the key goes
  Id key_id = 0;       // kExtend, kSwitch: the person's key
  int months = 0;      // kNewKey, kExtend: one of the configured tariffs
  std::string provider;
  std::string promo_code;  // as typed; empty = none
};

// Telegram's pre_checkout_query answer: ok, or why not (refusal_text in the payer's language).
struct PreCheckoutAnswer {
  bool ok = false;
  billing_texts::Refusal refusal = billing_texts::Refusal::kNone;
  std::string refusal_text;
};

struct ConfirmResult {
  enum class Outcome {
    kCredited,         // this call credited the order (key made / extended / switched)
    kAlreadyCredited,  // the payment was recorded before (a replay): nothing changed
    kMismatch,         // amount, currency, order or payer did not match: recorded, not credited
    kNotFulfilled,     // paid, but the order could not be carried out: admins alerted
  };
  Outcome outcome = Outcome::kCredited;
  Id payment_id = 0;
  Id order_id = 0;
  Id key_id = 0;       // the key made or extended (kCredited)
  std::string reason;  // kMismatch, kNotFulfilled: what was wrong
};

// What became of a provider's notice (BillingService::ReceiveNotice).
struct NoticeOutcome {
  enum class Kind {
    kCredited,         // authentic, and this notice credited the order
    kAlreadyCredited,  // authentic, the payment was recorded before (a replay)
    kMismatch,         // authentic, recorded as mismatch (amount, currency, state): admins alerted
    kNotFulfilled,     // authentic and paid, the order could not be carried out: admins alerted
    kIgnored,          // authentic, nothing to credit (another status or event)
    kUnknownOrder,     // authentic, but no order of this provider has that id: nothing recorded
    kBadSignature,     // not proven to come from the provider: nothing changed
    kMalformed,        // not the provider's notice: nothing changed
  };
  Kind kind = Kind::kIgnored;
  Id order_id = 0;
  Id payment_id = 0;
  std::string detail;  // for the log (never a secret)
};
// "credited", "replay", "mismatch", "not_fulfilled", "ignored", "unknown_order",
// "bad_signature", "malformed": the outcome label of the webhook metrics.
const char* NoticeOutcomeName(NoticeOutcome::Kind kind);

// What one run of the reconciliation job did, per order asked about.
struct ReconcileResult {
  struct Asked {
    Id order_id = 0;
    std::string provider;
    // credited, replay, mismatch, not_fulfilled (what crediting did; mismatch also when the
    // provider's confirmation names another order than the one asked), pending, closed (the
    // provider's answer), error (the provider or the store failed: asked again later),
    // not_supported (the provider cannot be asked: asking stops).
    std::string outcome;
    std::string detail;
  };
  std::vector<Asked> asked;
};

struct RefundResult {
  Payment payment;
  Order order;
  bool key_revoked = false;  // nothing was left on the key
  Id revoke_task_id = 0;     // the task that removes it from its server (key_revoked)
};

// Promo codes as the operator writes them: 3..32 characters of A-Z 0-9 _ - once blanks are
// removed and letters upper-cased (billing_internal::NormalizeCode).
inline constexpr std::size_t kPromoCodeMinLength = 3;
inline constexpr std::size_t kPromoCodeMaxLength = 32;
inline constexpr int kPromoMaxBonusDays = 3650;
inline constexpr int kPromoMaxUses = 1'000'000;

// The receipt of the order that made `key` (BillingStore::FindOrderThatMadeKey: a bought new key
// or a paid switch), in `lang`, with the key's location and end; "" for a key no order made. The
// worker puts it first in the key's message when the key becomes active or fails, so a payment
// that makes a key is one message (receipt + key), never a receipt of its own as well.
Result<std::string> ReceiptOfKey(ports::StoreTx& tx, const Key& key, const std::string& lang);

class BillingService {
 public:
  using Providers = std::map<std::string, ports::PaymentProvider*>;

  // `providers` by PaymentProvider::Name(); `admins` hear about every payment and mismatch.
  BillingService(ports::Store& store, KeyService& keys, const ports::Clock& clock,
                 BillingConfig config, Providers providers, std::vector<TgId> admins,
                 std::string default_lang)
      : store_(store),
        keys_(keys),
        clock_(clock),
        config_(std::move(config)),
        providers_(std::move(providers)),
        admins_(std::move(admins)),
        default_lang_(std::move(default_lang)) {}

  // The providers that sell at least one tariff (in their currency), by name.
  std::vector<std::string> OfferedProviders() const;
  // What the person reads on `provider`'s button (PaymentProvider::Label; the name when unknown).
  std::string ProviderLabel(const std::string& provider) const;
  // The tariffs sold through `provider`, in its currency; empty for an unknown provider.
  std::vector<TariffOffer> Tariffs(const std::string& provider) const;
  // The switch price through `provider`; nullopt when paid switches are not sold through it.
  std::optional<std::int64_t> SwitchPrice(const std::string& provider) const;
  // Free switches left on the person's key (FREE_SWITCHES_PER_KEY minus the switches of its
  // chain). kNotFound when the key is not theirs.
  Result<int> FreeSwitchesLeft(TgId tg_id, Id key_id);

  // A promo code as the person typed it, checked for them: kNotFound when there is no such code,
  // kFailedPrecondition when it is disabled, past its end, used up, or (once-per-person) used
  // by them already.
  Result<PromoCode> CheckPromo(TgId tg_id, const std::string& code);

  // The order for the request: an open order for the same choice when there is one (a second
  // tap), else a new one with the amount computed from configuration and the promo. Errors:
  // kInvalidArgument (unknown provider, a tariff or switch not sold through it, fields missing
  // for the kind), kNotFound (unknown person, location or a key that is not theirs — the two
  // cannot be told apart), promo errors as CheckPromo, kFailedPrecondition (a key that cannot be
  // extended or switched, a switch to its own location, a switch that is still free: use
  // SwitchFree), kResourceExhausted (no free capacity in the location).
  Result<Order> CreateOrder(const OrderRequest& request);
  // Asks the person to pay their order through its provider (calls the provider: a worker
  // thread). kNotFound when the order is not theirs, kFailedPrecondition when it can no longer
  // be paid (paid, expired), the provider's errors otherwise.
  Result<ports::InvoiceRequest> Invoice(TgId tg_id, Id order_id);
  // Telegram's pre_checkout_query: ok only when the order exists, is the payer's, is created
  // and unexpired, and `total` `currency` are its amount and currency. Store errors only.
  Result<PreCheckoutAnswer> CheckPreCheckout(TgId payer_tg_id, Id order_id, std::int64_t total,
                                             const std::string& currency);
  // Credits a provider's authenticated confirmation exactly once, in one write transaction:
  // the payment row (unique per provider payment id: a replay reports kAlreadyCredited), the
  // order created -> paid -> fulfilled, its effect (new key with its provisioning task; extension
  // with notices re-planned, or a new key in the location when the key no longer runs; switch:
  // a new key in the other location, the old one revoked once the new one is active), the promo
  // use, the referral reward, the receipt and the admins' notice. A payment whose order, payer,
  // provider, amount or currency differs, or whose promo ran out, is recorded as mismatch
  // (admins alerted, person told to contact support). Idempotent; safe to call from several
  // threads and instances at once. Store errors (kUnavailable): nothing was recorded, call again.
  Result<ConfirmResult> ConfirmPayment(const ports::PaymentConfirmation& confirmation);

  // A notice POSTed to /pay/<provider>: the provider reads and authenticates it (ReadNotice, on
  // this thread: it may call the provider), then a paid notice naming an order of this provider
  // is credited through ConfirmPayment. Never holds a transaction open while the provider is
  // called. kNotFound for a provider not offered; kUnavailable when the provider's API (needed
  // for the verdict) or the store cannot be reached: nothing was recorded, the provider should
  // deliver again.
  Result<NoticeOutcome> ReceiveNotice(const std::string& provider,
                                      const ports::PaymentNotice& notice);
  // The reconciliation job: up to `limit` orders whose next check is due (an invoice over HTTP,
  // unpaid, and no later than payment_check_grace past its expiry) are asked of their provider
  // (CheckOrder, outside any transaction); a paid one is credited through ConfirmPayment (the
  // provider payment id a webhook carries, so a late webhook is a replay), a pending one is
  // asked again after a doubled interval, a closed one or one past the grace is no longer
  // asked. Store errors only (a provider's failure is an `error` entry, asked again later).
  Result<ReconcileResult> ReconcileDue(int limit = 50);

  // Moves the person's key to `location_id` without an order while free switches are left: a
  // new key there (announced when active) with the old key's end, the old key revoked once the
  // new one is active. kNotFound (key not theirs, unknown location), kFailedPrecondition (no free
  // switch left, the key does not run, already switched, same location), kResourceExhausted.
  Result<IssuedKey> SwitchFree(TgId tg_id, Id key_id, Id location_id);

  // Gives a credited payment back through its provider, then RecordRefund. kNotFound,
  // kFailedPrecondition (not credited), the provider's errors (nothing recorded then).
  Result<RefundResult> Refund(Id payment_id);
  // The bookkeeping of a refund the provider made, in one transaction: payment and order
  // refunded, the bought time taken off the key (revoked when nothing is left), the person
  // told. kNotFound, kFailedPrecondition when the payment is not credited (a second refund).
  Result<RefundResult> RecordRefund(Id payment_id);

  // The person's referral figures (zeros for an unknown person).
  Result<ReferralTotals> Referrals(TgId tg_id);
  // Revenue today / 30 days by provider, paid orders, trial -> paid (for /admin).
  Result<BillingFigures> Figures();
  // Created orders past their expiry become expired, `limit` at a time; returns how many.
  Result<int> ExpireOrders(int limit = 500);

  // Promo codes for the operator (billing_admin.cpp). AddPromo stores `promo` (code normalized;
  // id, uses, created_at and enabled set here) and returns it as stored: kInvalidArgument, with
  // nothing stored, for a code outside the rules above, not exactly one of percent (1..100) and
  // bonus_days (1..kPromoMaxBonusDays), max_uses outside 0..kPromoMaxUses or an end that has
  // passed; kAlreadyExists for a code that exists (enabled or not).
  Result<PromoCode> AddPromo(PromoCode promo);
  Result<std::vector<PromoCode>> Promos();  // by code
  // No more orders with the code (orders made with it before keep their price). Idempotent;
  // kNotFound for an unknown code.
  Status DisablePromo(const std::string& code);

  const BillingConfig& config() const { return config_; }

 private:
  struct Credit;  // one confirmation on its way through ConfirmPayment

  Result<ports::PaymentProvider*> ProviderFor(const std::string& name) const;
  // The amount of a request in `currency` before the promo; kInvalidArgument when not sold.
  Result<std::int64_t> BasePrice(const OrderRequest& request, const std::string& currency) const;
  // CreateOrder's checks of the key, location and capacity inside `tx`.
  Status CheckOrderTarget(ports::StoreTx& tx, const User& user, const OrderRequest& request);
  Status CheckPromoIn(ports::StoreTx& tx, const User& user, const PromoCode& promo, Time now);
  // ConfirmPayment's parts (billing_credit.cpp).
  Status CreditIn(ports::StoreTx& tx, Credit& c);
  std::string MismatchReason(ports::StoreTx& tx, Credit& c);
  Status ApplyEffect(ports::StoreTx& tx, Credit& c);
  Status ExtendKey(ports::StoreTx& tx, Credit& c, const Key& key);
  Status IssueBoughtKey(ports::StoreTx& tx, Credit& c, Id location_id, Duration duration,
                        const Key* replaces);
  Status RewardReferrer(ports::StoreTx& tx, Credit& c);
  Status RecordMismatch(ports::StoreTx& tx, Credit& c);
  Status RecordNotFulfilled(ports::StoreTx& tx, Credit& c);
  // Messages in the crediting transaction.
  Status Tell(ports::StoreTx& tx, const User& user, const std::string& text, Time now);
  // billing_notices.cpp: one order of ReconcileDue; when the next check is due after `checks`.
  ReconcileResult::Asked ReconcileOne(const Order& order, Time now);
  std::optional<Time> NextCheck(const Order& order, int checks, Time now) const;
  Status TellAdmins(ports::StoreTx& tx, const std::string& text, Time now);

  ports::Store& store_;
  KeyService& keys_;
  const ports::Clock& clock_;
  BillingConfig config_;
  Providers providers_;
  std::vector<TgId> admins_;
  std::string default_lang_;
};

}  // namespace vpnhub::usecases
