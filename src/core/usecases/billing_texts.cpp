#include "core/usecases/billing_texts.hpp"

#include "core/text_rules.hpp"

namespace vpnhub::usecases::billing_texts {
namespace {

bool Ru(const std::string& lang) { return lang == "ru"; }

}  // namespace

std::string Months(const std::string& lang, int months) {
  const std::string n = std::to_string(months);
  if (!Ru(lang)) return n + (months == 1 ? " month" : " months");
  const int mod10 = months % 10;
  const int mod100 = months % 100;
  if (mod10 == 1 && mod100 != 11) return n + " месяц";
  if (mod10 >= 2 && mod10 <= 4 && (mod100 < 12 || mod100 > 14)) return n + " месяца";
  return n + " месяцев";
}

std::string Amount(std::int64_t amount, const std::string& currency) {
  return std::to_string(amount) + " " + (currency == kStarsCurrency ? "⭐" : currency);
}

std::string Receipt(const std::string& lang, const Order& order, const std::string& location,
                    Time expires) {
  const std::string paid = HtmlText(Amount(order.amount, order.currency));
  const std::string until = FormatUtcMinute(expires);
  const std::string where = HtmlText(location);
  std::string what;
  switch (order.kind) {
    case OrderKind::kNewKey:
      what = Ru(lang) ? "Новый ключ в " + where + " на " + Months(lang, order.months)
                      : "New key in " + where + " for " + Months(lang, order.months);
      break;
    case OrderKind::kExtend:
      what = Ru(lang) ? "Продление ключа на " + Months(lang, order.months)
                      : "Key extended by " + Months(lang, order.months);
      break;
    case OrderKind::kSwitch:
      what = Ru(lang) ? "Смена локации на " + where : "Location switched to " + where;
      break;
  }
  if (order.bonus_days > 0) {
    what += Ru(lang) ? " + " + std::to_string(order.bonus_days) + " дн. по промокоду"
                     : " + " + std::to_string(order.bonus_days) + " days from your promo code";
  }
  if (Ru(lang)) {
    return "🧾 <b>Оплата получена</b>\n" + what + ".\nСумма: " + paid +
           "\nДействует до " + until + ".";
  }
  return "🧾 <b>Payment received</b>\n" + what + ".\nAmount: " + paid + "\nValid until " + until +
         ".";
}

std::string Mismatch(const std::string& lang, const std::string& provider_payment_id) {
  if (Ru(lang)) {
    return "⚠️ Платёж не совпал с заказом и не зачислен. Напишите в "
           "поддержку "
           "и "
           "укажите "
           "номер "
           "платежа: <code>" +
           HtmlText(provider_payment_id) + "</code>";
  }
  return "⚠️ Your payment did not match its order and was not credited. Please contact support "
         "with the payment number: <code>" +
         HtmlText(provider_payment_id) + "</code>";
}

std::string NotFulfilled(const std::string& lang, Id order_id) {
  const std::string id = std::to_string(order_id);
  if (Ru(lang)) {
    return "⚠️ Оплата заказа " + id +
           " получена, но выполнить его сейчас не удалось. Администратор уже знает и свяжется с "
           "вами.";
  }
  return "⚠️ Your payment for order " + id +
         " was received, but the order could not be carried out right now. The admins have been "
         "told and will get back to you.";
}

std::string ReferralReward(const std::string& lang, int days, bool as_credit, Time expires) {
  const std::string d = std::to_string(days);
  if (as_credit) {
    return Ru(lang) ? "🎁 Приглашённый вами человек оплатил заказ: " + d +
                          " дн. будут добавлены к вашему следующему ключу."
                    : "🎁 Someone you invited paid for an order: " + d +
                          " days will be added to your next key.";
  }
  return Ru(lang)
             ? "🎁 Приглашённый вами человек оплатил заказ: +" + d +
                   " дн. к вашему ключу, теперь он действует до " + FormatUtcMinute(expires) + "."
             : "🎁 Someone you invited paid for an order: +" + d +
                   " days on your key, now valid until " + FormatUtcMinute(expires) + ".";
}

std::string Refunded(const std::string& lang, const Payment& payment, bool revoked) {
  const std::string amount = HtmlText(Amount(payment.amount, payment.currency));
  if (Ru(lang)) {
    return "↩️ Платёж на " + amount + " возвращён." +
           (revoked ? " Оплаченное время снято, ключ отключён." : " Оплаченное время снято.");
  }
  return "↩️ Your payment of " + amount + " was refunded." +
         (revoked ? " The time it bought was taken back and the key switched off."
                  : " The time it bought was taken back.");
}

std::string SwitchStarted(const std::string& lang, const std::string& location) {
  return Ru(lang) ? "🔁 Готовим ваш ключ в " + HtmlText(location) +
                        ". Старый ключ отключится, как только новый заработает."
                  : "🔁 Setting up your key in " + HtmlText(location) +
                        ". The old key stops once the new one works.";
}

std::string InvoiceTitle(const std::string& lang, const Order& order) {
  switch (order.kind) {
    case OrderKind::kNewKey:
      return Ru(lang) ? "VPN на " + Months(lang, order.months)
                      : "VPN for " + Months(lang, order.months);
    case OrderKind::kExtend:
      return Ru(lang) ? "Продление на " + Months(lang, order.months)
                      : "Extension: " + Months(lang, order.months);
    case OrderKind::kSwitch:
      return Ru(lang) ? "Смена локации" : "Location switch";
  }
  return "VPN";
}

std::string InvoiceDescription(const std::string& lang, const Order& order,
                               const std::string& location) {
  std::string text = InvoiceTitle(lang, order);
  if (!location.empty()) text += Ru(lang) ? " (" + location + ")" : " (" + location + ")";
  text += Ru(lang) ? ". Заказ " : ". Order ";
  text += std::to_string(order.id);
  if (!order.promo_code.empty()) {
    text += Ru(lang) ? ", промокод " : ", promo code ";
    text += order.promo_code;
  }
  text += ".";
  if (text.size() > 255) text.resize(255);
  return text;
}

std::string RefusalText(const std::string& lang, Refusal refusal) {
  const bool ru = Ru(lang);
  switch (refusal) {
    case Refusal::kNone:
      return "";
    case Refusal::kNotFound:
    case Refusal::kNotYours:
      return ru ? "Заказ не найден. Оформите новый."
                : "This order was not found. Please order again.";
    case Refusal::kNotPayable:
      return ru ? "Этот заказ уже оплачен или отменён."
                : "This order is already paid or cancelled.";
    case Refusal::kExpired:
      return ru ? "Срок оплаты заказа истёк. Оформите новый."
                : "This order has expired. Please order again.";
    case Refusal::kAmountDiffers:
      return ru ? "Сумма не совпадает с заказом. Оформите новый."
                : "The amount does not match the order. Please order again.";
  }
  return "";
}

}  // namespace vpnhub::usecases::billing_texts
