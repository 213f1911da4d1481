#pragma once
// Renders queued outgoing messages at send time (telegram::MessageRenderer for the Sender):
// stored texts as they are, admin alerts with their prefix, and key messages (key ready, expiry
// notices, expired, failed) from the key as it is when the message goes out, in the person's
// language.
#include <cstddef>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/domain.hpp"
#include "core/ports/clock.hpp"
#include "core/ports/store.hpp"
#include "core/status.hpp"
#include "core/usecases/backends.hpp"
#include "core/usecases/bot_service.hpp"
#include "telegram/sender.hpp"

namespace vpnhub::bot {

// What the renderer may read. Implementations are thread-safe (the Sender renders on several
// threads).
class KeyLookup {
 public:
  virtual ~KeyLookup() = default;
  // The key with its server and location, only when it belongs to the person whose Telegram id
  // is chat_id: a message can only ever show the chat owner's own key. kNotFound otherwise.
  virtual Result<usecases::KeyView> OwnedKey(TgId chat_id, Id key_id) = 0;
  // The language stored for the person with this Telegram id; nullopt for an unknown person.
  virtual Result<std::optional<std::string>> LanguageOf(TgId chat_id) = 0;
  // The user row of the person with this Telegram id (for their subscription link); nullopt for
  // an unknown person. The default knows nobody (no link is shown).
  virtual Result<std::optional<User>> PersonOf(TgId chat_id) {
    (void)chat_id;
    return std::optional<User>();
  }
};

// KeyLookup over the core: BotService::OwnedKey, and the user row for the language.
class BotServiceKeyLookup : public KeyLookup {
 public:
  BotServiceKeyLookup(usecases::BotService& bot, ports::Store& store) : bot_(bot), store_(store) {}
  Result<usecases::KeyView> OwnedKey(TgId chat_id, Id key_id) override;
  Result<std::optional<std::string>> LanguageOf(TgId chat_id) override;
  Result<std::optional<User>> PersonOf(TgId chat_id) override;

 private:
  usecases::BotService& bot_;
  ports::Store& store_;
};

// PNG images of QR codes by text, least recently used out first. Thread-safe.
class QrCache {
 public:
  explicit QrCache(std::size_t capacity = 256) : capacity_(capacity) {}
  // The PNG for `text` (formats::QrPng), from the cache when it is there.
  Result<std::string> Get(const std::string& text);
  std::size_t size() const;
  std::size_t hits() const;

 private:
  using Entry = std::pair<std::string, std::string>;  // text, png
  std::size_t capacity_;
  mutable std::mutex mu_;
  std::list<Entry> entries_;  // most recently used first
  std::unordered_map<std::string, std::list<Entry>::iterator> by_text_;
  std::size_t hits_ = 0;
};

struct RendererOptions {
  std::string default_lang = "en";  // for people without a user row (an admin who never wrote)
  std::size_t qr_cache_entries = 256;
  // The operator's NAME: a key's share link is named "<brand> | <location>" (ShareLinkName).
  std::string brand;
  // Subscription links (issue 18): as RouterOptions::subscription_url. When set, a key-ready
  // message also gives the chat owner's subscription URL (KeyLookup::PersonOf) when that still
  // fits the caption. Empty = off.
  std::function<std::string(Id user_id, std::int64_t sub_version)> subscription_url;
};

// The MessageRenderer of the bot:
//   kText          stored text, keyboard and edit id; a QR photo of photo_qr when it is set
//   kAdminAlert    "⚠️ Alert" + the stored text + "(N similar alerts suppressed)" when
//                  subject_id (the suppressed count) > 0
//   kKeyReady      the key's share link (VpnBackend::Delivery, named ShareLinkName(brand,
//                  location)) in <code> with connect instructions, as the caption of a QR photo
//                  of the delivery's QR text; a stored text (the receipt of the order that
//                  made the key) goes first, and the short how-to when the long one would not
//                  leave the whole within a caption; then the person's subscription URL when
//                  options.subscription_url is set and it fits. A delivery with a configuration
//                  file (formats::HasConfigFile) gets the file's how-to instead of the link, and a
//                  kKeyConfig follow-up (Rendered::follow_up) that the sender queues once this went
//                  out
//   kKeyConfig     the delivery's configuration file as a document named config_name, with a
//                  short caption
//   kExpiryNotice  "expires in ..." (the 3-day text with more than two days left, else 1-day)
//   kKeyExpired    the expired text
//   kKeyFailed     "could not set up your key" (for a trial key: "your trial is yours again";
//                  with a stored receipt: the receipt, then "support sets it up or refunds")
// Errors: kNotFound when the key is gone or not the chat's; kFailedPrecondition when a key-ready
// message's key (key-ready, key-config) is no longer usable (revoking, revoked, failed), a
// key-failed message's key is no longer failed (retried since), no backend serves its server,
// its kind delivers neither a link nor a file, or a key-config message's kind delivers no file;
// the lookup's and the backend's own errors otherwise.
class KeyMessageRenderer : public telegram::MessageRenderer {
 public:
  // `keys`, `backends` and `clock` must outlive the renderer.
  KeyMessageRenderer(KeyLookup& keys, const usecases::Backends& backends, const ports::Clock& clock,
                     RendererOptions options = {});

  Result<telegram::Rendered> Render(const OutgoingMessage& message) override;

  const QrCache& qr_cache() const { return qr_cache_; }

 private:
  std::string LanguageFor(TgId chat_id);
  Result<telegram::Rendered> RenderKeyMessage(const OutgoingMessage& message,
                                              const std::string& lang);
  // kKeyReady and kKeyConfig of the key in `view`.
  Result<telegram::Rendered> RenderDelivery(const OutgoingMessage& message, const std::string& lang,
                                            const usecases::KeyView& view);

  KeyLookup& keys_;
  const usecases::Backends& backends_;
  const ports::Clock& clock_;
  const RendererOptions options_;
  QrCache qr_cache_;
};

// "2025-03-01 14:05 UTC" (core/text_rules.hpp).
using ::vpnhub::FormatUtcMinute;

}  // namespace vpnhub::bot
