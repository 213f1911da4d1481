#include "telegram/webhook.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <exception>
#include <utility>

namespace vpnhub::telegram {

bool SecretTokenMatches(std::string_view given, std::string_view expected) {
  // The length of the secret is not the secret: a mismatch may return early.
  if (expected.empty() || given.size() != expected.size()) return false;
  return CRYPTO_memcmp(given.data(), expected.data(), expected.size()) == 0;
}

std::string DefaultWebhookSecret(std::string_view bot_token) {
  static constexpr std::string_view kLabel = "vpnhub-webhook";
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), bot_token.data(), static_cast<int>(bot_token.size()),
       reinterpret_cast<const unsigned char*>(kLabel.data()), kLabel.size(), mac, &mac_len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * mac_len);
  for (unsigned int i = 0; i < mac_len; ++i) {
    out.push_back(kHex[mac[i] >> 4]);
    out.push_back(kHex[mac[i] & 0x0f]);
  }
  return out;
}

WebhookHandler::WebhookHandler(std::string secret_token, std::function<void(Update)> dispatch)
    : secret_token_(std::move(secret_token)), dispatch_(std::move(dispatch)) {}

WebhookReply WebhookHandler::Handle(std::string_view secret, std::string_view body) const {
  if (!SecretTokenMatches(secret, secret_token_)) return {401, "unauthorized\n"};
  auto update = ParseUpdateText(body);
  if (!update.ok()) return {400, update.status().message() + "\n"};
  if (dispatch_) {
    try {
      dispatch_(std::move(*update));
    } catch (const std::exception& e) {
      // The dispatcher could not take it (a full or stopped pool): Telegram retries a non-2xx.
      return {503, std::string("not accepted: ") + e.what() + "\n"};
    }
  }
  return {200, "ok\n"};
}

}  // namespace vpnhub::telegram
