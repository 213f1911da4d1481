// vpnhub promo add / list / disable: the operator's promo codes (BillingService).
#include <ctime>
#include <iostream>

#include "app/cli_support.hpp"
#include "app/format.hpp"

namespace vpnhub::app::cli {
namespace {

using nlohmann::json;

struct PromoAddArgs {
  std::string code;
  int percent = 0, days = 0, max_uses = 0;
  std::string until;
  bool once_per_person = false;
};

// The end of DATE (YYYY-MM-DD, a real calendar day) in UTC: the code works through that day.
std::optional<Time> EndOfDay(const std::string& date) {
  if (date.size() != 10 || date[4] != '-' || date[7] != '-') return std::nullopt;
  for (std::size_t i = 0; i < date.size(); ++i) {
    if (i != 4 && i != 7 && (date[i] < '0' || date[i] > '9')) return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = std::stoi(date.substr(0, 4)) - 1900;
  tm.tm_mon = std::stoi(date.substr(5, 2)) - 1;
  tm.tm_mday = std::stoi(date.substr(8, 2));
  const int year = tm.tm_year, mon = tm.tm_mon, mday = tm.tm_mday;
  const std::time_t t = timegm(&tm);
  // timegm normalizes 2026-02-30 to March 2nd: such a date is not a calendar day.
  if (t == -1 || tm.tm_year != year || tm.tm_mon != mon || tm.tm_mday != mday || year < 70) {
    return std::nullopt;
  }
  return Time(std::chrono::seconds(t + 86400));
}

json PromoJson(const PromoCode& p) {
  return {{"code", p.code},
          {"percent", p.percent},
          {"days", p.bonus_days},
          {"max_uses", p.max_uses},
          {"uses", p.uses},
          {"once_per_person", p.once_per_person},
          {"valid_until", p.valid_until ? json(IsoUtc(*p.valid_until)) : json(nullptr)},
          {"enabled", p.enabled},
          {"created_at", IsoUtc(p.created_at)}};
}

std::string PromoLine(const PromoCode& p) {
  std::string line = p.code + "\t" +
                     (p.percent > 0 ? std::to_string(p.percent) + "% off"
                                    : "+" + std::to_string(p.bonus_days) + " days") +
                     "\tuses " + std::to_string(p.uses) + "/" +
                     (p.max_uses > 0 ? std::to_string(p.max_uses) : "unlimited") + "\t" +
                     (p.once_per_person ? "once per person" : "-") + "\tuntil " +
                     (p.valid_until ? IsoUtc(*p.valid_until) : "-") + "\t" +
                     (p.enabled ? "enabled" : "disabled");
  return line;
}

void CmdPromoAdd(const PromoAddArgs& a) {
  if ((a.percent > 0) == (a.days > 0)) Fail("give exactly one of --percent N or --days N", 2);
  PromoCode promo;
  promo.code = a.code;
  promo.percent = a.percent;
  promo.bonus_days = a.days;
  promo.max_uses = a.max_uses;
  promo.once_per_person = a.once_per_person;
  if (!a.until.empty()) {
    promo.valid_until = EndOfDay(a.until);
    if (!promo.valid_until) {
      Fail("--until: expected a date YYYY-MM-DD, got '" + a.until + "'", 2);
    }
  }
  auto ctx = OpenContext();
  auto added = ctx->billing->AddPromo(promo);
  if (!added.ok() && added.status().code() == StatusCode::kAlreadyExists) {
    Fail("cannot add the promo code: " + added.status().message(), 1);
  }
  FailOn(added.status(), "cannot add the promo code");
  std::cout << PromoLine(*added) << "\n";
}

void CmdPromoList(bool as_json) {
  auto ctx = OpenContext();
  auto promos = ctx->billing->Promos();
  FailOn(promos.status(), "database");
  json out = json::array();
  for (const auto& p : *promos) {
    if (as_json) {
      out.push_back(PromoJson(p));
    } else {
      std::cout << PromoLine(p) << "\n";
    }
  }
  if (as_json) PrintJson(out);
}

void CmdPromoDisable(const std::string& code) {
  auto ctx = OpenContext();
  FailOn(ctx->billing->DisablePromo(code), "cannot disable promo code '" + code + "'");
  std::cout << code << "\tdisabled\n";
}

}  // namespace

void AddPromoCommands(CLI::App& app) {
  auto* promo = app.add_subcommand("promo", "Manage promo codes")->require_subcommand(1);
  auto a = std::make_shared<PromoAddArgs>();
  auto* add = promo->add_subcommand(
      "add",
      "Add a promo code: a percent off the price or days added to what is bought. A code is 3..32 "
      "characters of A-Z, 0-9, '_' and '-' (blanks are dropped, letters upper-cased: people may "
      "type it in any case)");
  add->add_option("CODE", a->code, "The code")->required();
  add->add_option("--percent", a->percent, "Percent off the price, 1..100")->check(IntIn(1, 100));
  add->add_option("--days", a->days, "Days added to what is bought, 1..3650")
      ->check(IntIn(1, usecases::kPromoMaxBonusDays));
  add->add_option("--max-uses", a->max_uses,
                  "Paid orders that may use it, 1..1000000 (default: "
                  "unlimited)")
      ->check(IntIn(1, usecases::kPromoMaxUses));
  add->add_option(
      "--until", a->until,
      "Last day it can be used, YYYY-MM-DD (UTC; the code ends at the end of that day)");
  add->add_flag("--once-per-person", a->once_per_person, "Each person may use it once");
  add->callback([a] { CmdPromoAdd(*a); });

  auto list_json = std::make_shared<bool>(false);
  auto* list = promo->add_subcommand("list", "List promo codes with their uses, by code");
  AddJsonFlag(list, *list_json);
  list->callback([list_json] { CmdPromoList(*list_json); });

  auto code = std::make_shared<std::string>();
  auto* disable = promo->add_subcommand(
      "disable",
      "Stop a promo code: no new order can use it (orders made with it keep their price)");
  disable->add_option("CODE", *code, "The code")->required();
  disable->callback([code] { CmdPromoDisable(*code); });
}

}  // namespace vpnhub::app::cli
