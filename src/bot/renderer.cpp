#include "bot/renderer.hpp"

#include <chrono>
#include <cstdio>
#include <map>

#include "bot/i18n/i18n.hpp"
#include "bot/subscription_texts.hpp"
#include "formats/delivery.hpp"
#include "formats/qr.hpp"
#include "formats/share_name.hpp"

namespace vpnhub::bot {
namespace {

using i18n::Text;

// Below this much time left an expiry notice uses the 1-day text (the 3-day notice is due at
// three days left, the 1-day one at one day).
constexpr Duration kThreeDayTextAbove = std::chrono::hours(48);

std::int64_t SecondsBetween(Time from, Time to) {
  return std::chrono::duration_cast<std::chrono::seconds>(to - from).count();
}

}  // namespace

Result<usecases::KeyView> BotServiceKeyLookup::OwnedKey(TgId chat_id, Id key_id) {
  return bot_.OwnedKey(chat_id, key_id);
}

Result<std::optional<std::string>> BotServiceKeyLookup::LanguageOf(TgId chat_id) {
  std::optional<std::string> lang;
  VPNHUB_RETURN_IF_ERROR(store_.Read([&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(auto user, tx.users().FindUserByTgId(chat_id));
    if (user.has_value()) lang = user->lang;
    return Status::Ok();
  }));
  return lang;
}

Result<std::optional<User>> BotServiceKeyLookup::PersonOf(TgId chat_id) {
  std::optional<User> out;
  VPNHUB_RETURN_IF_ERROR(store_.Read([&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(out, tx.users().FindUserByTgId(chat_id));
    return Status::Ok();
  }));
  return out;
}

Result<std::string> QrCache::Get(const std::string& text) {
  {
    std::lock_guard lock(mu_);
    auto it = by_text_.find(text);
    if (it != by_text_.end()) {
      entries_.splice(entries_.begin(), entries_, it->second);
      ++hits_;
      return it->second->second;
    }
  }
  // Encoded outside the lock: two threads may encode the same text once each, which is cheaper
  // than making every other lookup wait for an encode.
  auto png = formats::QrPng(text);
  if (!png.ok() || capacity_ == 0) return png;
  std::lock_guard lock(mu_);
  if (by_text_.find(text) == by_text_.end()) {
    entries_.emplace_front(text, *png);
    by_text_[text] = entries_.begin();
    while (entries_.size() > capacity_) {
      by_text_.erase(entries_.back().first);
      entries_.pop_back();
    }
  }
  return png;
}

std::size_t QrCache::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

std::size_t QrCache::hits() const {
  std::lock_guard lock(mu_);
  return hits_;
}

KeyMessageRenderer::KeyMessageRenderer(KeyLookup& keys, const usecases::Backends& backends,
                                       const ports::Clock& clock, RendererOptions options)
    : keys_(keys),
      backends_(backends),
      clock_(clock),
      options_(std::move(options)),
      qr_cache_(options_.qr_cache_entries) {}

std::string KeyMessageRenderer::LanguageFor(TgId chat_id) {
  auto lang = keys_.LanguageOf(chat_id);
  // A database hiccup costs the person their language, not their message.
  if (lang.ok() && lang->has_value() && i18n::IsSupportedLanguage(**lang)) return **lang;
  return options_.default_lang;
}

Result<telegram::Rendered> KeyMessageRenderer::Render(const OutgoingMessage& message) {
  telegram::Rendered out;
  switch (message.kind) {
    case MessageKind::kText: {
      out.text = message.text;
      out.keyboard = message.keyboard;
      out.edit_message_id = message.edit_message_id;
      if (!message.photo_qr.empty()) {
        // A text that makes no QR code (too long) still goes out, without the photo.
        auto png = qr_cache_.Get(message.photo_qr);
        if (png.ok()) out.png = std::move(*png);
      }
      return out;
    }
    case MessageKind::kAdminAlert: {
      const std::string lang = LanguageFor(message.chat_id);
      out.text = i18n::T(lang, Text::kAlertPrefix) + "\n" + message.text;
      if (message.subject_id > 0) {
        out.text += "\n" + i18n::Format(lang, Text::kAlertsSuppressed,
                                        {{"count", std::to_string(message.subject_id)}});
      }
      out.keyboard = message.keyboard;
      return out;
    }
    case MessageKind::kKeyReady:
    case MessageKind::kExpiryNotice:
    case MessageKind::kKeyExpired:
    case MessageKind::kKeyFailed:
    case MessageKind::kKeyConfig:
      return RenderKeyMessage(message, LanguageFor(message.chat_id));
  }
  return InvalidArgument("unknown message kind");
}

Result<telegram::Rendered> KeyMessageRenderer::RenderKeyMessage(const OutgoingMessage& message,
                                                                const std::string& lang) {
  VPNHUB_ASSIGN_OR_RETURN(auto view, keys_.OwnedKey(message.chat_id, message.subject_id));
  const Key& key = view.key;
  const std::string& location = view.location.name;
  telegram::Rendered out;

  if (message.kind == MessageKind::kKeyExpired) {
    out.text = i18n::Format(lang, Text::kKeyExpired, {{"location", location}});
    return out;
  }
  if (message.kind == MessageKind::kKeyFailed) {
    // An operator's `task retry` may have set the key up since: its key-ready message follows.
    if (key.state != KeyState::kFailed) {
      return FailedPrecondition("key " + std::to_string(key.id) + " is " + KeyStateName(key.state) +
                                " again; it did not stay failed");
    }
    // A bought key (its receipt came with the message): the person paid, support settles it.
    const bool bought = !message.text.empty() && !key.is_trial;
    const Text id = key.is_trial ? Text::kTrialKeyFailed
                    : bought     ? Text::kBoughtKeyFailed
                                 : Text::kKeyCreateFailed;
    out.text = i18n::Format(lang, id, {{"location", location}});
    if (bought) out.text = message.text + "\n\n" + out.text;
    return out;
  }
  const Time now = clock_.Now();
  if (message.kind == MessageKind::kExpiryNotice) {
    const Duration left = key.expires_at - now;
    const Text id = left > kThreeDayTextAbove ? Text::kExpiresIn3Days : Text::kExpiresIn1Day;
    out.text =
        i18n::Format(lang, id,
                     {{"location", location},
                      {"left", i18n::FormatDuration(lang, SecondsBetween(now, key.expires_at))}});
    return out;
  }

  return RenderDelivery(message, lang, view);
}

Result<telegram::Rendered> KeyMessageRenderer::RenderDelivery(const OutgoingMessage& message,
                                                              const std::string& lang,
                                                              const usecases::KeyView& view) {
  // kKeyReady, kKeyConfig
  const Key& key = view.key;
  const std::string& location = view.location.name;
  telegram::Rendered out;
  if (key.state != KeyState::kActive && key.state != KeyState::kPending) {
    return FailedPrecondition("key " + std::to_string(key.id) + " is " + KeyStateName(key.state) +
                              "; its link no longer works");
  }
  VPNHUB_ASSIGN_OR_RETURN(auto backend, backends_.For(view.server.kind));
  VPNHUB_ASSIGN_OR_RETURN(
      auto delivery,
      backend->Delivery(view.server, key, formats::ShareLinkName(options_.brand, location)));
  const bool as_file = formats::HasConfigFile(delivery);
  if (message.kind == MessageKind::kKeyConfig) {
    if (!as_file) {
      return FailedPrecondition("a " + view.server.kind + " key has no configuration file");
    }
    out.text = i18n::Format(lang, Text::kKeyConfigCaption, {{"location", location}});
    out.document = telegram::Rendered::Document{delivery.config_name, delivery.config};
    return out;
  }
  if (!as_file && delivery.link.empty()) {
    return FailedPrecondition("a " + view.server.kind + " key delivers neither a link nor a file");
  }
  std::map<std::string, std::string> args = {{"location", location},
                                             {"expires", FormatUtcMinute(key.expires_at)}};
  if (as_file) {
    args["file"] = delivery.config_name;
  } else {
    args["link_html"] = i18n::EscapeHtml(delivery.link);
  }
  const Text full = as_file ? Text::kKeyReadyConfig : Text::kKeyReady;
  const Text brief = as_file ? Text::kKeyReadyConfigShort : Text::kKeyReadyShort;
  out.text = i18n::Format(lang, full, args);
  if (!message.text.empty()) {
    // The receipt of the order that made the key goes first: one message for the payment. The
    // how-to gives way when both would not fit the photo's caption.
    out.text = message.text + "\n\n" + out.text;
    if (!telegram::FitsCaption(out.text)) {
      out.text = message.text + "\n\n" + i18n::Format(lang, brief, args);
    }
  }
  if (options_.subscription_url) {
    // Best effort: a database hiccup costs the line, not the key.
    auto person = keys_.PersonOf(message.chat_id);
    if (person.ok() && person->has_value()) {
      const std::string url = options_.subscription_url((*person)->id, (*person)->sub_version);
      if (!url.empty()) {
        std::string with =
            out.text + "\n\n" + i18n::Format(lang, sub_texts::kKeyReadyLine, {{"url", url}});
        if (telegram::FitsCaption(with)) out.text = std::move(with);
      }
    }
  }
  if (as_file) {
    // The file itself follows once this message went out (telegram::Sender queues it then).
    OutgoingMessage file;
    file.chat_id = message.chat_id;
    file.kind = MessageKind::kKeyConfig;
    file.priority = message.priority;
    file.subject_id = key.id;
    out.follow_up = std::move(file);
  }
  if (!delivery.qr_text.empty()) {
    auto png = qr_cache_.Get(delivery.qr_text);
    if (png.ok()) out.png = std::move(*png);  // without a QR code the link alone still works
  }
  return out;
}

}  // namespace vpnhub::bot
