#pragma once
// Internal to the bot: the flows, one function per thing a person can ask for. Each replies
// through the Conversation and returns a non-Ok Status only when it could not do its job (the
// database is down, ...): the router then counts the error and says "something went wrong".
// Authorisation is the router's: admin:: handlers assume the caller was checked.
#include <string>
#include <string_view>
#include <vector>

#include "bot/callback_data.hpp"
#include "bot/conversation.hpp"
#include "core/billing.hpp"
#include "core/domain.hpp"
#include "core/status.hpp"
#include "core/usecases/bot_service.hpp"

namespace vpnhub::bot::user {

// The main menu: the buttons of the command table (commands.cpp), admin-only ones when
// `with_admin`.
InlineKeyboard MainMenuKeyboard(std::string_view lang, bool with_admin);
// One "Back" button to the main menu.
InlineKeyboard BackKeyboard(std::string_view lang);
// One button per location (`action`:<location id>), then "Back".
InlineKeyboard LocationKeyboard(std::string_view lang,
                                const std::vector<usecases::LocationOption>& options,
                                CallbackAction action);

Status ShowWelcome(Conversation& c);
Status ShowMainMenu(Conversation& c);
Status ShowHelp(Conversation& c);
Status ShowUnknown(Conversation& c);

Status ShowLanguagePicker(Conversation& c);
Status ToggleLanguage(Conversation& c);
Status SwitchLanguage(Conversation& c, const std::string& lang);

Status ShowTrialLocations(Conversation& c);
Status StartTrialAt(Conversation& c, Id location_id);

Status ShowKeys(Conversation& c);
Status ShowKeyLink(Conversation& c, Id key_id);

// Buying a new key (buy.cpp): location -> tariff -> provider when several -> invoice.
Status ShowBuyLocations(Conversation& c);
Status ShowBuyTariffs(Conversation& c, Id location_id);
Status BuyTariff(Conversation& c, Id location_id, std::int64_t months);
Status BuyThrough(Conversation& c, Id location_id, std::int64_t months, std::int64_t provider);

// The referral screen (referral.cpp): the person's invite link, how many they invited, how many
// of those paid, the days earned, and what inviter and invitee get.
Status ShowReferral(Conversation& c);

// The CHECK_FOLLOW gate's "join the channel" message with its join and re-check buttons.
Status ShowJoinChannel(Conversation& c);

}  // namespace vpnhub::bot::user

namespace vpnhub::bot::admin {

// The summary as Telegram HTML (servers beyond the first 40 are summed up in one line).
std::string RenderSummary(std::string_view lang, const usecases::AdminSummary& summary);
// The sales part of the summary (BillingService::Figures): revenue today and over 30 days by
// provider and currency, paid orders, and trial -> paid.
std::string RenderSales(std::string_view lang, const BillingFigures& figures);
Status ShowSummary(Conversation& c);

}  // namespace vpnhub::bot::admin
