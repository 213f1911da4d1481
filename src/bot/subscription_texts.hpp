#pragma once
// Internal to the bot: the texts about a person's subscription link (issue 18), shared by
// 🔑 My keys (user/subscription.cpp) and the key-ready message (renderer.cpp).
#include "bot/i18n/i18n.hpp"

namespace vpnhub::bot::sub_texts {

// {url}: the caption of the link's QR photo in 🔑 My keys.
inline constexpr i18n::Phrase kCaption = {
    "🔗 <b>Your subscription link</b>\n<code>{url}</code>\n\n"
    "Add it to your VPN app as a subscription (v2rayN/v2rayNG, Hiddify, Streisand, Shadowrocket, "
    "Clash Meta, sing-box): the app takes all your keys from it and keeps them up to date. Keep it "
    "to yourself: whoever has the link can use your keys.",
    "🔗 <b>Ваша ссылка подписки</b>\n<code>{url}</code>\n\n"
    "Добавьте её в VPN-приложение как подписку (v2rayN/v2rayNG, Hiddify, Streisand, Shadowrocket, "
    "Clash Meta, sing-box): приложение возьмёт из неё все ваши ключи и будет их обновлять. Не "
    "показывайте её никому: по ссылке можно пользоваться вашими ключами."};
// Button (plain).
inline constexpr i18n::Phrase kNewLinkButton = {"🔄 New subscription link",
                                                "🔄 Новая ссылка подписки"};
inline constexpr i18n::Phrase kConfirm = {
    "Make a new subscription link? The current one stops working at once: every app that uses it "
    "will need the new one.",
    "Сделать новую ссылку подписки? Текущая сразу перестанет работать: во всех приложениях, где "
    "она добавлена, понадобится новая."};
// Button (plain).
inline constexpr i18n::Phrase kConfirmButton = {"✅ Yes, a new link", "✅ Да, новая ссылка"};
// {url}: the caption of the new link's QR photo.
inline constexpr i18n::Phrase kRotated = {
    "✅ <b>Your new subscription link</b>\n<code>{url}</code>\n\n"
    "The old link no longer works: add this one to your apps instead.",
    "✅ <b>Ваша новая ссылка подписки</b>\n<code>{url}</code>\n\n"
    "Старая ссылка больше не работает: добавьте в приложения эту."};
// {url}: appended to the key-ready message when it fits the caption.
inline constexpr i18n::Phrase kKeyReadyLine = {
    "🔗 All your keys as one subscription link (also in 🔑 My keys): <code>{url}</code>",
    "🔗 Все ваши ключи одной ссылкой подписки (она же в 🔑 Мои ключи): <code>{url}</code>"};

}  // namespace vpnhub::bot::sub_texts
