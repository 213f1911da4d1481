// The person's subscription link (issue 18): shown with its QR code under 🔑 My keys, and a new
// one on request (asked first; the old link stops working at once).
#include <string>

#include "bot/callback_data.hpp"
#include "bot/handlers.hpp"
#include "bot/subscription_texts.hpp"

namespace vpnhub::bot::user {

namespace {

std::string UrlOf(const Conversation& c, const User& u) {
  if (!c.options().subscription_url) return "";
  return c.options().subscription_url(u.id, u.sub_version);
}

// The link as the caption of its QR photo, with the "New subscription link" button.
Status SayLink(Conversation& c, const User& u, const i18n::Phrase& caption) {
  const std::string url = UrlOf(c, u);
  if (url.empty()) return Status::Ok();
  InlineKeyboard kb = {
      {InlineButton{i18n::T(c.lang(), sub_texts::kNewLinkButton),
                    FormatCallbackData(WithId(CallbackAction::kSubscriptionAsk, u.id)), ""}}};
  OutgoingMessage m = c.Reply(i18n::Format(c.lang(), caption, {{"url", url}}), std::move(kb));
  m.photo_qr = url;
  return c.service().Send(std::move(m));
}

}  // namespace

bool SubscriptionLinksOn(const Conversation& c) {
  return static_cast<bool>(c.options().subscription_url);
}

bool OwnsSubscription(const Conversation& c, Id user_id) {
  return user_id > 0 && user_id == c.user().id;
}

Status ShowSubscription(Conversation& c) { return SayLink(c, c.user(), sub_texts::kCaption); }

Status AskRotateSubscription(Conversation& c, Id user_id) {
  if (!SubscriptionLinksOn(c) || !OwnsSubscription(c, user_id)) return c.Outdated();
  InlineKeyboard kb = {
      {InlineButton{i18n::T(c.lang(), sub_texts::kConfirmButton),
                    FormatCallbackData(WithId(CallbackAction::kSubscriptionRotate, user_id)), ""}},
      {InlineButton{i18n::T(c.lang(), i18n::Text::kButtonBack),
                    FormatCallbackData(MenuButton("keys")), ""}}};
  return c.Say(i18n::T(c.lang(), sub_texts::kConfirm), std::move(kb));
}

Status RotateSubscription(Conversation& c, Id user_id) {
  if (!SubscriptionLinksOn(c) || !OwnsSubscription(c, user_id)) return c.Outdated();
  VPNHUB_ASSIGN_OR_RETURN(User rotated, c.service().RotateSubscription(user_id));
  return SayLink(c, rotated, sub_texts::kRotated);
}

}  // namespace vpnhub::bot::user
