// The referral screen: the person's invite link and what their invitations brought. The figures
// and the terms come from BillingService (the store and REFERRAL_* configuration); the link is
// made from the bot's username and the payload BotService::Touch reads back.
#include <string>

#include "bot/handlers.hpp"
#include "bot/i18n/i18n.hpp"

namespace vpnhub::bot::user {

namespace {

constexpr i18n::Phrase kTitle = {"👥 <b>Invite friends</b>", "👥 <b>Пригласите друзей</b>"};
constexpr i18n::Phrase kLink = {"Your invite link:\n{link_html}",
                                "Ваша ссылка-приглашение:\n{link_html}"};
// Before the bot knows its username: the code a friend sends as "/start <code>".
constexpr i18n::Phrase kCode = {
    "Your invite code: <code>{code}</code> (a friend sends <code>/start {code}</code> to the bot)",
    "Ваш код приглашения: <code>{code}</code> (друг отправляет боту <code>/start {code}</code>)"};
constexpr i18n::Phrase kInviteeGets = {
    "A friend who starts the bot with your link gets {days} more on their free trial.",
    "Друг, открывший бота по вашей ссылке, получит ещё {days} к пробному доступу."};
constexpr i18n::Phrase kReferrerGets = {
    "For every payment of a friend you invited you get {days} on your longest-running key (or "
    "on your next key when you have none).",
    "За каждую оплату приглашённого друга вы получаете {days} к самому долгому из ваших ключей "
    "(или к следующему ключу, если ключей нет)."};
constexpr i18n::Phrase kFigures = {
    "Invited: <b>{invited}</b>\nOf them paid: <b>{paid}</b>\nDays earned: <b>{days}</b>",
    "Приглашено: <b>{invited}</b>\nИз них оплатили: <b>{paid}</b>\nПолучено дней: <b>{days}</b>"};
constexpr i18n::Phrase kPending = {"({days} of them wait for your next key)",
                                   "({days} из них ждут вашего следующего ключа)"};

std::string Days(const std::string& lang, std::int64_t days) {
  return i18n::FormatDuration(lang, days * 24 * 3600);
}

}  // namespace

Status ShowReferral(Conversation& c) {
  const std::string& lang = c.lang();
  ReferralTotals totals;
  int bonus_days = 0;
  int invitee_days = 0;
  if (usecases::BillingService* billing = c.billing(); billing != nullptr) {
    VPNHUB_ASSIGN_OR_RETURN(totals, billing->Referrals(c.tg_id()));
    bonus_days = billing->config().referral_bonus_days;
    // The invitee's days go on a trial: nothing to promise when trials are off.
    if (c.service().TrialsEnabled()) invitee_days = billing->config().referral_invitee_days;
  }
  const std::string code = usecases::BotService::ReferralPayload(c.tg_id());
  const std::string username = c.options().bot_username ? c.options().bot_username() : "";
  std::string out = i18n::T(lang, kTitle) + "\n\n";
  if (username.empty()) {
    out += i18n::Format(lang, kCode, {{"code", code}});
  } else {
    const std::string link = "https://t.me/" + username + "?start=" + code;
    out +=
        i18n::Format(lang, kLink, {{"link_html", "<code>" + i18n::EscapeHtml(link) + "</code>"}});
  }
  out += "\n\n";
  if (invitee_days > 0)
    out += i18n::Format(lang, kInviteeGets, {{"days", Days(lang, invitee_days)}}) + "\n";
  if (bonus_days > 0)
    out += i18n::Format(lang, kReferrerGets, {{"days", Days(lang, bonus_days)}}) + "\n";
  if (invitee_days > 0 || bonus_days > 0) out += "\n";
  out += i18n::Format(lang, kFigures,
                      {{"invited", std::to_string(totals.invited)},
                       {"paid", std::to_string(totals.paid)},
                       {"days", std::to_string(totals.days_earned)}});
  if (totals.days_pending > 0) {
    out += "\n" + i18n::Format(lang, kPending, {{"days", std::to_string(totals.days_pending)}});
  }
  return c.Say(std::move(out), BackKeyboard(lang));
}

}  // namespace vpnhub::bot::user
