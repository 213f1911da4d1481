// The free trial: choose a location, then the core records the key and the "being set up" reply
// in one transaction. The link itself arrives later as a KeyReady message, once the key is active.
#include <algorithm>

#include "bot/callback_data.hpp"
#include "bot/handlers.hpp"
#include "bot/i18n/i18n.hpp"

namespace vpnhub::bot::user {

using i18n::Text;

namespace {

// Why the person cannot take a trial right now, if they cannot.
std::optional<Text> TrialRefusal(Conversation& c) {
  if (!c.service().TrialsEnabled()) return Text::kTrialsOff;
  if (c.user().trial_used) return Text::kTrialAlreadyUsed;
  return std::nullopt;
}

}  // namespace

Status ShowTrialLocations(Conversation& c) {
  if (auto refusal = TrialRefusal(c)) return c.Say(i18n::T(c.lang(), *refusal));
  VPNHUB_ASSIGN_OR_RETURN(auto options, c.service().LocationsWithCapacity());
  if (options.empty()) return c.Say(i18n::T(c.lang(), Text::kNoLocations));
  InlineKeyboard kb = LocationKeyboard(c.lang(), options, CallbackAction::kTrialLocation);
  return c.Say(i18n::T(c.lang(), Text::kChooseLocation), std::move(kb));
}

Status StartTrialAt(Conversation& c, Id location_id) {
  if (auto refusal = TrialRefusal(c)) return c.Say(i18n::T(c.lang(), *refusal));
  // The name for the reply, which StartTrial enqueues with the key; a location that is not on
  // offer now (unknown, disabled, full) is a stale button. StartTrial checks the id again.
  VPNHUB_ASSIGN_OR_RETURN(auto options, c.service().LocationsWithCapacity());
  auto it = std::find_if(options.begin(), options.end(),
                         [&](const auto& o) { return o.location.id == location_id; });
  if (it == options.end()) return c.Outdated();
  const std::string& name = it->location.name;

  auto issued = c.service().StartTrial(
      c.tg_id(), location_id,
      c.Reply(i18n::Format(c.lang(), Text::kTrialPreparing, {{"location", name}})));
  if (issued.ok()) return Status::Ok();
  switch (issued.status().code()) {
    case StatusCode::kFailedPrecondition:
      // Lost a race: trials were switched off, or a second press of the button got here first.
      return c.Say(i18n::T(
          c.lang(), c.service().TrialsEnabled() ? Text::kTrialAlreadyUsed : Text::kTrialsOff));
    case StatusCode::kNotFound:
      return c.Outdated();
    case StatusCode::kResourceExhausted:
      return c.Say(i18n::Format(c.lang(), Text::kLocationFull, {{"location", name}}));
    default:
      return issued.status();
  }
}

}  // namespace vpnhub::bot::user
