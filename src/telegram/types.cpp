#include "telegram/types.hpp"

namespace vpnhub::telegram {
namespace {

using nlohmann::json;

const json* Field(const json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  const auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

std::optional<std::int64_t> Int64Field(const json& obj, const char* key) {
  const json* f = Field(obj, key);
  if (f == nullptr) return std::nullopt;
  if (f->is_number_integer()) return f->get<std::int64_t>();
  // Telegram never sends ids above 2^53, but an unsigned one still fits int64.
  if (f->is_number_unsigned() && f->get<std::uint64_t>() <= INT64_MAX) {
    return static_cast<std::int64_t>(f->get<std::uint64_t>());
  }
  return std::nullopt;
}

std::string StringField(const json& obj, const char* key) {
  const json* f = Field(obj, key);
  return f != nullptr && f->is_string() ? f->get<std::string>() : std::string();
}

bool BoolField(const json& obj, const char* key) {
  const json* f = Field(obj, key);
  return f != nullptr && f->is_boolean() && f->get<bool>();
}

// A string field the object cannot exist without (an empty string counts as present).
const json* RequiredString(const json& obj, const char* key) {
  const json* f = Field(obj, key);
  return f != nullptr && f->is_string() ? f : nullptr;
}

Result<TgUser> ParseUserImpl(const json& j) {
  const auto id = Int64Field(j, "id");
  if (!id) return InvalidArgument("telegram user without an integer id");
  TgUser u;
  u.id = *id;
  u.is_bot = BoolField(j, "is_bot");
  u.username = StringField(j, "username");
  u.first_name = StringField(j, "first_name");
  u.language_code = StringField(j, "language_code");
  return u;
}

Result<SuccessfulPayment> ParseSuccessfulPaymentImpl(const json& j) {
  const json* currency = RequiredString(j, "currency");
  const auto total = Int64Field(j, "total_amount");
  const json* payload = RequiredString(j, "invoice_payload");
  const json* charge = RequiredString(j, "telegram_payment_charge_id");
  if (currency == nullptr || !total || payload == nullptr || charge == nullptr ||
      charge->get<std::string>().empty()) {
    return InvalidArgument(
        "telegram successful_payment without currency, total_amount, invoice_payload or "
        "telegram_payment_charge_id");
  }
  SuccessfulPayment p;
  p.currency = currency->get<std::string>();
  p.total_amount = *total;
  p.invoice_payload = payload->get<std::string>();
  p.telegram_payment_charge_id = charge->get<std::string>();
  p.provider_payment_charge_id = StringField(j, "provider_payment_charge_id");
  return p;
}

Result<PreCheckoutQuery> ParsePreCheckoutQueryImpl(const json& j) {
  const json* id = RequiredString(j, "id");
  const json* from = Field(j, "from");
  const json* currency = RequiredString(j, "currency");
  const auto total = Int64Field(j, "total_amount");
  const json* payload = RequiredString(j, "invoice_payload");
  if (id == nullptr || id->get<std::string>().empty() || from == nullptr || currency == nullptr ||
      !total || payload == nullptr) {
    return InvalidArgument(
        "telegram pre_checkout_query without id, from, currency, total_amount or "
        "invoice_payload");
  }
  VPNHUB_ASSIGN_OR_RETURN(auto user, ParseUserImpl(*from));
  PreCheckoutQuery q;
  q.id = id->get<std::string>();
  q.from = std::move(user);
  q.currency = currency->get<std::string>();
  q.total_amount = *total;
  q.invoice_payload = payload->get<std::string>();
  return q;
}

Result<Message> ParseMessageImpl(const json& j) {
  const auto message_id = Int64Field(j, "message_id");
  if (!message_id) return InvalidArgument("telegram message without an integer message_id");
  const json* chat = Field(j, "chat");
  const auto chat_id = chat != nullptr ? Int64Field(*chat, "id") : std::nullopt;
  if (!chat_id) return InvalidArgument("telegram message without a chat id");
  Message m;
  m.message_id = *message_id;
  m.chat.id = *chat_id;
  m.chat.type = StringField(*chat, "type");
  if (const json* from = Field(j, "from"); from != nullptr) {
    auto user = ParseUserImpl(*from);
    if (user.ok()) m.from = std::move(user).value();
  }
  m.text = StringField(j, "text");
  if (m.text.empty()) m.text = StringField(j, "caption");
  if (const json* payment = Field(j, "successful_payment"); payment != nullptr) {
    auto p = ParseSuccessfulPaymentImpl(*payment);
    if (p.ok()) m.successful_payment = std::move(p).value();
  }
  return m;
}

Result<CallbackQuery> ParseCallbackQueryImpl(const json& j) {
  const json* id = Field(j, "id");
  if (id == nullptr || !id->is_string()) {
    return InvalidArgument("telegram callback_query without a string id");
  }
  const json* from = Field(j, "from");
  if (from == nullptr) return InvalidArgument("telegram callback_query without from");
  VPNHUB_ASSIGN_OR_RETURN(auto user, ParseUserImpl(*from));
  CallbackQuery q;
  q.id = id->get<std::string>();
  q.from = std::move(user);
  if (const json* message = Field(j, "message"); message != nullptr) {
    auto m = ParseMessageImpl(*message);
    if (m.ok()) q.message = std::move(m).value();
  }
  q.data = StringField(j, "data");
  return q;
}

Result<ChatMember> ParseChatMemberImpl(const json& j) {
  const json* status = Field(j, "status");
  if (status == nullptr || !status->is_string()) {
    return InvalidArgument("telegram chat member without a status");
  }
  ChatMember m;
  m.status = status->get<std::string>();
  m.is_member = m.status == "creator" || m.status == "administrator" || m.status == "member" ||
                (m.status == "restricted" && BoolField(j, "is_member"));
  return m;
}

Result<Update> ParseUpdateImpl(const json& j) {
  const auto update_id = Int64Field(j, "update_id");
  if (!update_id) return InvalidArgument("telegram update without an integer update_id");
  Update u;
  u.update_id = *update_id;
  if (const json* message = Field(j, "message"); message != nullptr) {
    auto m = ParseMessageImpl(*message);
    if (m.ok()) u.message = std::move(m).value();
  }
  if (const json* query = Field(j, "callback_query"); query != nullptr) {
    auto q = ParseCallbackQueryImpl(*query);
    if (q.ok()) u.callback_query = std::move(q).value();
  }
  if (const json* query = Field(j, "pre_checkout_query"); query != nullptr) {
    auto q = ParsePreCheckoutQueryImpl(*query);
    if (q.ok()) u.pre_checkout_query = std::move(q).value();
  }
  return u;
}

// The field helpers check types before every get<>(), so nothing below should throw; the catch is
// a backstop that keeps the no-throw promise if a future edit forgets a check.
template <typename F>
auto NoThrow(F&& f, const char* what) -> decltype(f()) {
  try {
    return f();
  } catch (const std::exception& e) {
    return Internal(std::string("parsing telegram ") + what + ": " + e.what());
  }
}

}  // namespace

const std::vector<std::string>& HandledUpdateKinds() {
  static const auto* const kKinds =
      new std::vector<std::string>{"message", "callback_query", "pre_checkout_query"};
  return *kKinds;
}

bool IsUrgent(const Update& update) { return update.pre_checkout_query.has_value(); }

Result<TgUser> ParseUser(const json& j) {
  return NoThrow([&] { return ParseUserImpl(j); }, "user");
}

Result<Message> ParseMessage(const json& j) {
  return NoThrow([&] { return ParseMessageImpl(j); }, "message");
}

Result<CallbackQuery> ParseCallbackQuery(const json& j) {
  return NoThrow([&] { return ParseCallbackQueryImpl(j); }, "callback_query");
}

Result<PreCheckoutQuery> ParsePreCheckoutQuery(const json& j) {
  return NoThrow([&] { return ParsePreCheckoutQueryImpl(j); }, "pre_checkout_query");
}

Result<SuccessfulPayment> ParseSuccessfulPayment(const json& j) {
  return NoThrow([&] { return ParseSuccessfulPaymentImpl(j); }, "successful_payment");
}

Result<ChatMember> ParseChatMember(const json& j) {
  return NoThrow([&] { return ParseChatMemberImpl(j); }, "chat member");
}

Result<Update> ParseUpdate(const json& j) {
  return NoThrow([&] { return ParseUpdateImpl(j); }, "update");
}

Result<Update> ParseUpdateText(std::string_view text) {
  const json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return InvalidArgument("telegram update is not valid JSON");
  return ParseUpdate(j);
}

}  // namespace vpnhub::telegram
