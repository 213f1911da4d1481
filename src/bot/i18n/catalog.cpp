// The catalog: one row per Text with its English and Russian wording.
#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "bot/i18n/i18n.hpp"

namespace vpnhub::bot::i18n {
namespace {

struct Entry {
  Text id;
  const char* name;
  const char* en;
  const char* ru;
};

// Rows follow the order of enum Text (checked below), so a Text indexes its row directly.
constexpr Entry kCatalog[] = {
    {Text::kWelcome, "welcome",
     "👋 Welcome to <b>{name}</b>!\n\n"
     "Here you can get a fast, private VPN key and connect in a couple of minutes with a free "
     "VPN app.\n\n"
     "Choose an action below.",
     "👋 Добро пожаловать в <b>{name}</b>!\n\n"
     "Здесь можно получить ключ для быстрого и приватного VPN и подключиться за пару минут "
     "через бесплатное приложение для VPN.\n\n"
     "Выберите действие в меню ниже."},
    {Text::kMainMenu, "main_menu",  //
     "<b>Main menu</b>\nChoose an action below.", "<b>Главное меню</b>\nВыберите действие ниже."},

    {Text::kButtonBack, "button_back", "⬅️ Back", "⬅️ Назад"},
    {Text::kButtonRecheckSubscription, "button_recheck_subscription", "🔄 Check subscription",
     "🔄 Проверить подписку"},
    {Text::kButtonJoinChannel, "button_join_channel", "📢 Join {channel}",
     "📢 Подписаться на {channel}"},

    {Text::kHelp, "help",
     "<b>{name}</b> gives you a personal VPN key that works well on mobile networks too.\n\n"
     "<b>How to connect</b>\n"
     "1. Get a key: /trial gives you a free trial.\n"
     "2. Install a VPN app: Hiddify or v2rayNG (Android), Streisand or Shadowrocket (iPhone, "
     "iPad), Hiddify (computer); Outline also opens <code>ss://…</code> links, and a key sent as "
     "a .conf file goes into the WireGuard (or AmneziaVPN) app.\n"
     "3. Copy your key's link and add it in the app (or scan the QR code), then connect.\n\n"
     "<b>Commands</b>\n"
     "/start — main menu\n"
     "/trial — get a free trial key\n"
     "/keys — your keys and how long they last\n"
     "/help — this help\n"
     "/lang — change the language",
     "<b>{name}</b> выдаёт личный ключ VPN, который хорошо работает и в мобильных сетях.\n\n"
     "<b>Как подключиться</b>\n"
     "1. Получите ключ: /trial — бесплатный пробный доступ.\n"
     "2. Установите приложение для VPN: Hiddify или v2rayNG (Android), Streisand или "
     "Shadowrocket (iPhone, iPad), Hiddify (компьютер); ссылки <code>ss://…</code> открывает и "
     "Outline, а ключ в виде файла .conf — приложение WireGuard (или AmneziaVPN).\n"
     "3. Скопируйте ссылку ключа и добавьте её в приложение (или отсканируйте QR-код), затем "
     "подключитесь.\n\n"
     "<b>Команды</b>\n"
     "/start — главное меню\n"
     "/trial — получить пробный ключ\n"
     "/keys — ваши ключи и сколько им осталось\n"
     "/help — эта справка\n"
     "/lang — сменить язык"},
    {Text::kChooseLanguage, "choose_language", "🌐 Choose your language:", "🌐 Выберите язык:"},
    {Text::kLanguageName, "language_name", "English", "Русский"},
    {Text::kLanguageSwitched, "language_switched", "✅ Language: English", "✅ Язык: русский"},

    {Text::kTrialsOff, "trials_off",  //
     "Free trials are not available at the moment.",
     "Бесплатные пробные ключи сейчас не выдаются."},
    {Text::kTrialAlreadyUsed, "trial_already_used",
     "You have already used your free trial.\nYour keys: /keys",
     "Вы уже воспользовались бесплатным пробным доступом.\nВаши ключи: /keys"},
    {Text::kChooseLocation, "choose_location", "📍 Choose a location:", "📍 Выберите локацию:"},
    {Text::kNoLocations, "no_locations",
     "😔 All locations are full right now. Please try again later.",
     "😔 Сейчас во всех локациях нет свободных мест. Попробуйте позже."},
    {Text::kLocationFull, "location_full",
     "😔 There are no free places in {location} right now. Please choose another location or "
     "try again later.",
     "😔 В локации {location} сейчас нет свободных мест. Выберите другую или попробуйте позже."},
    {Text::kTrialPreparing, "trial_preparing",
     "⏳ Your trial key in {location} is being set up… It will arrive in this chat in a few "
     "seconds.",
     "⏳ Готовим ваш пробный ключ в локации {location}… Через несколько секунд он придёт в этот "
     "чат."},
    {Text::kKeyReady, "key_ready",
     "✅ <b>Your key in {location} is ready</b>\n"
     "Valid until {expires}.\n\n"
     "<code>{link_html}</code>\n\n"
     "<b>How to connect</b>\n"
     "1. Install a VPN app: Hiddify or v2rayNG (Android), Streisand or Shadowrocket (iPhone), "
     "Hiddify (computer); Outline also opens <code>ss://</code> links.\n"
     "2. Tap the link above to copy it and add it in the app, or scan the QR code.\n"
     "3. Connect.",
     "✅ <b>Ваш ключ в локации {location} готов</b>\n"
     "Действует до {expires}.\n\n"
     "<code>{link_html}</code>\n\n"
     "<b>Как подключиться</b>\n"
     "1. Установите приложение для VPN: Hiddify или v2rayNG (Android), Streisand или "
     "Shadowrocket (iPhone), Hiddify (компьютер); ссылки <code>ss://</code> открывает и Outline.\n"
     "2. Нажмите на ссылку выше, чтобы скопировать её, и добавьте в приложение — или "
     "отсканируйте QR-код.\n"
     "3. Подключитесь."},
    {Text::kKeyReadyShort, "key_ready_short",
     "✅ <b>Your key in {location} is ready</b>\n"
     "Valid until {expires}.\n\n"
     "<code>{link_html}</code>\n\n"
     "Add it in your VPN app (Hiddify, v2rayNG, Streisand, Shadowrocket) or scan the QR code.",
     "✅ <b>Ваш ключ в локации {location} готов</b>\n"
     "Действует до {expires}.\n\n"
     "<code>{link_html}</code>\n\n"
     "Добавьте его в приложение для VPN (Hiddify, v2rayNG, Streisand, Shadowrocket) или "
     "отсканируйте QR-код."},
    {Text::kKeyReadyConfig, "key_ready_config",
     "✅ <b>Your key in {location} is ready</b>\n"
     "Valid until {expires}.\n\n"
     "<b>How to connect</b>\n"
     "1. Install the WireGuard app (for an AmneziaWG key: AmneziaWG or AmneziaVPN).\n"
     "2. Import the file {file} that follows this message into the app, or scan the QR code.\n"
     "3. Connect.",
     "✅ <b>Ваш ключ в локации {location} готов</b>\n"
     "Действует до {expires}.\n\n"
     "<b>Как подключиться</b>\n"
     "1. Установите приложение WireGuard (для ключа AmneziaWG — AmneziaWG или AmneziaVPN).\n"
     "2. Импортируйте в приложение файл {file}, который придёт следующим сообщением, или "
     "отсканируйте QR-код.\n"
     "3. Подключитесь."},
    {Text::kKeyReadyConfigShort, "key_ready_config_short",
     "✅ <b>Your key in {location} is ready</b>\n"
     "Valid until {expires}.\n\n"
     "Import the file {file} into the WireGuard app or scan the QR code.",
     "✅ <b>Ваш ключ в локации {location} готов</b>\n"
     "Действует до {expires}.\n\n"
     "Импортируйте файл {file} в приложение WireGuard или отсканируйте QR-код."},
    {Text::kKeyConfigCaption, "key_config_caption",
     "📄 The configuration of your key in {location}: open it in the WireGuard app.",
     "📄 Конфигурация вашего ключа в локации {location}: откройте её в приложении WireGuard."},
    {Text::kKeyCreateFailed, "key_create_failed",
     "❌ We could not set up your key in {location}. Please try again later.",
     "❌ Не удалось создать ключ в локации {location}. Попробуйте ещё раз позже."},
    {Text::kTrialKeyFailed, "trial_key_failed",
     "❌ We could not set up your trial key in {location}, sorry. Your trial is yours again: try "
     "again later with /trial, or choose another location.",
     "❌ Не удалось создать пробный ключ в локации {location}, извините. Пробный период снова "
     "доступен: попробуйте ещё раз позже командой /trial или выберите другую локацию."},
    {Text::kBoughtKeyFailed, "bought_key_failed",
     "❌ We could not set up your key in {location}, sorry. Your payment is recorded and the admins "
     "have been told: write to support, and they will set up your key or refund your payment.",
     "❌ Не удалось создать ваш ключ в локации {location}, извините. Оплата сохранена, "
     "администратор уже знает: напишите в поддержку — вам создадут ключ или вернут деньги."},
    {Text::kQrCaption, "qr_caption",
     "QR code of your key in {location}. Scan it in your VPN app.",
     "QR-код ключа в локации {location}. Отсканируйте его в приложении для VPN."},

    {Text::kMyKeysHeader, "my_keys_header", "🔑 <b>Your keys</b>", "🔑 <b>Ваши ключи</b>"},
    {Text::kNoKeys, "no_keys",  //
     "You have no keys yet. Get a free trial key with /trial.",
     "У вас пока нет ключей. Получите бесплатный пробный ключ командой /trial."},
    {Text::kKeyLine, "key_line",  //
     "<b>#{id}</b> · {location} — {state}, {left} left",
     "<b>#{id}</b> · {location} — {state}, ещё {left}"},
    {Text::kKeyLineNoTime, "key_line_no_time",  //
     "<b>#{id}</b> · {location} — {state}", "<b>#{id}</b> · {location} — {state}"},
    {Text::kKeyStatePending, "key_state_pending", "being set up", "создаётся"},
    {Text::kKeyStateActive, "key_state_active", "active", "активен"},
    {Text::kKeyStateRevoking, "key_state_revoking", "ending", "отключается"},
    {Text::kKeyStateRevoked, "key_state_revoked", "ended", "отключён"},
    {Text::kKeyStateFailed, "key_state_failed", "could not be created", "не удалось создать"},

    {Text::kExpiresIn3Days, "expires_in_3_days",
     "⏰ Your key in {location} expires in {left}. After that the VPN will stop working.",
     "⏰ Срок действия вашего ключа в локации {location} скоро закончится, после этого VPN "
     "перестанет работать. До окончания: {left}."},
    {Text::kExpiresIn1Day, "expires_in_1_day",
     "⚠️ Your key in {location} expires soon: {left} left.",
     "⚠️ Ключ в локации {location} скоро перестанет "
     "работать. "
     "До окончания: {left}."},
    {Text::kKeyExpired, "key_expired",
     "⌛ Your key in {location} has expired and no longer works.\nYour keys: /keys",
     "⌛ Срок действия ключа в локации {location} истёк, он больше не работает.\n"
     "Ваши ключи: /keys"},

    {Text::kJoinChannel, "join_channel",
     "To use {name}, please join our channel <a href=\"{channel_url}\">{channel}</a> first, "
     "then tap «Check subscription».",
     "Чтобы пользоваться {name}, сначала подпишитесь на наш канал "
     "<a href=\"{channel_url}\">{channel}</a>, а затем нажмите «Проверить подписку»."},
    {Text::kStillNotSubscribed, "still_not_subscribed",
     "You haven't joined {channel} yet. Join the channel and tap the button again.",
     "Вы ещё не подписались на {channel}. Подпишитесь на канал и нажмите кнопку ещё раз."},

    {Text::kAdminTitle, "admin_title", "📊 <b>Summary</b>", "📊 <b>Сводка</b>"},
    {Text::kAdminUsers, "admin_users",  //
     "Users: {total} (new today: {today})", "Пользователи: {total} (новых сегодня: {today})"},
    {Text::kAdminKeys, "admin_keys",
     "Keys: {active} active, {pending} being set up, {revoking} ending, {failed} failed",
     "Ключи: активные — {active}, создаются — {pending}, отключаются — {revoking}, "
     "с ошибкой — {failed}"},
    {Text::kAdminServersHeader, "admin_servers_header", "<b>Servers:</b>", "<b>Серверы:</b>"},
    {Text::kAdminServerLine, "admin_server_line",
     "• {name} ({location}) — {health}, {used}/{capacity}",
     "• {name} ({location}) — {health}, {used}/{capacity}"},
    {Text::kAdminNoServers, "admin_no_servers", "no servers yet", "серверов пока нет"},
    {Text::kAdminTasks, "admin_tasks",  //
     "Tasks: pending {pending}, failed {failed}",
     "Задачи: в очереди — {pending}, с ошибкой — {failed}"},
    {Text::kAdminHealthy, "admin_healthy", "healthy", "работает"},
    {Text::kAdminUnhealthy, "admin_unhealthy", "unhealthy", "недоступен"},
    {Text::kAlertPrefix, "alert_prefix", "⚠️ <b>Alert</b>", "⚠️ <b>Внимание</b>"},
    {Text::kAlertsSuppressed, "alerts_suppressed",  //
     "({count} similar alerts suppressed)", "(скрыто похожих оповещений: {count})"},

    {Text::kNotAllowed, "not_allowed",  //
     "🤔 Unknown command. Send /help to see what I can do.",
     "🤔 Неизвестная команда. "
     "Отправьте /help, чтобы узнать, что я умею."},
    {Text::kUnknownCommand, "unknown_command",  //
     "🤔 Unknown command. Send /help to see what I can do.",
     "🤔 Неизвестная команда. "
     "Отправьте /help, чтобы узнать, что я умею."},
    {Text::kGenericError, "generic_error",  //
     "😕 Something went wrong, please try again.", "😕 Что-то пошло не так. Попробуйте ещё раз."},
    {Text::kSlowDown, "slow_down",
     "⏳ That is a lot of messages at once. Please wait a few seconds: the ones sent meanwhile "
     "are skipped.",
     "⏳ Слишком много сообщений подряд. Подождите несколько секунд: присланные за это время "
     "сообщения пропускаются."},
    {Text::kButtonOutdated, "button_outdated",
     "This button is out of date. Send /start to open the menu again.",
     "Эта кнопка устарела. Отправьте /start, чтобы открыть меню заново."},
};

constexpr std::size_t kTextCount = std::size(kCatalog);

constexpr bool RowsFollowTheEnum() {
  for (std::size_t i = 0; i < kTextCount; ++i) {
    if (static_cast<std::size_t>(kCatalog[i].id) != i) return false;
  }
  return true;
}
static_assert(RowsFollowTheEnum(), "kCatalog rows must follow the order of enum Text");
static_assert(static_cast<std::size_t>(Text::kButtonOutdated) + 1 == kTextCount,
              "every Text needs a row in kCatalog");

const Entry* Find(Text id) {
  const auto index = static_cast<std::size_t>(id);
  return index < kTextCount ? &kCatalog[index] : nullptr;
}

}  // namespace

const std::vector<Text>& AllTexts() {
  static const std::vector<Text> kAll = [] {
    std::vector<Text> all;
    for (const Entry& entry : kCatalog) all.push_back(entry.id);
    return all;
  }();
  return kAll;
}

std::string_view TextName(Text id) {
  const Entry* entry = Find(id);
  return entry != nullptr ? entry->name : "unknown";
}

bool IsSupportedLanguage(std::string_view lang) { return lang == "en" || lang == "ru"; }

std::string T(std::string_view lang, Text id) {
  const Entry* entry = Find(id);
  if (entry == nullptr) return {};
  return T(lang, Phrase{entry->en, entry->ru});
}

std::string T(std::string_view lang, const Phrase& phrase) {
  if (lang == "ru" && phrase.ru[0] != '\0') return phrase.ru;
  return phrase.en;
}

}  // namespace vpnhub::bot::i18n
