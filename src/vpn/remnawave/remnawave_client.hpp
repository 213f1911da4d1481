#pragma once
// The HTTP session with a Remnawave panel's REST API (github.com/remnawave/backend, 3.x; 2.x
// where it differs) and the reading of its JSON answers, for RemnawaveBackend.
//
// Every request goes to API_URL/api/<route> with the API token made in the panel
// (Authorization: Bearer) and X-Forwarded-For and X-Forwarded-Proto: https: outside development
// mode the panel's proxy-check middleware drops the connection of a request without them (it
// expects its reverse proxy in front).
//
// Errors: unreachable, no answer, HTTP 5xx, 408 and 429 are retryable (kUnavailable,
// kDeadlineExceeded); a refused token (401, 403) and other refusals are kFailedPrecondition.
// Messages never contain the token or the API URL's path.
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/domain.hpp"
#include "core/status.hpp"
#include "vpn/common/json_fields.hpp"

namespace vpnhub::vpn::remnawave {

// The panel's base URL taken apart.
struct PanelUrl {
  std::string base;       // scheme://authority/prefix without a trailing '/' (nor "/api")
  std::string origin;     // scheme://authority
  std::string host;       // without brackets
  std::string host_port;  // "HOST:PORT" ("[v6]:PORT"), for messages and `server list`
};
// Checks a base URL without I/O: http or https, a host name or IP literal, an optional port,
// an optional path prefix (a trailing "/api" is dropped: routes add it), no query, fragment, user
// or blank. Messages never repeat the URL.
Result<PanelUrl> ParsePanelUrl(const std::string& text);

// Ok when `text` is a UUID (8-4-4-4-12 hex digits).
Status CheckUuid(const std::string& text);

// The server settings RemnawaveBackend reads (its header lists them).
struct RemnawaveSettings {
  PanelUrl api;
  std::string token;
  std::vector<std::string> squads;
};
// Reads the settings without I/O. kInvalidArgument names the setting that is wrong.
Result<RemnawaveSettings> ParseSettings(const ServerSettings& settings);

// A user as the API describes it (ExtendedUser; the fields the hub reads).
struct PanelUser {
  std::int64_t id = 0;  // 3.x addresses users by it
  std::string uuid;     // 2.x addresses users by it; empty on 3.x
  std::string username;
  std::string short_uuid;
  std::string status;
  std::string trojan_password;
  std::string vless_uuid;
  std::string subscription_url;
  std::string expire_at;
  std::int64_t traffic_limit_bytes = 0;
  std::optional<std::int64_t> hwid_device_limit;
  std::optional<std::int64_t> telegram_id;
  std::vector<std::string> squads;  // activeInternalSquads' uuids
  std::uint64_t used_traffic_bytes = 0;
};

// An internal squad (GET /api/internal-squads).
struct Squad {
  std::string uuid;
  std::string name;
};

// A string field of a JSON object: vpn::StringField (vpn/common/json_fields.hpp).
// A number field of a JSON object (nullopt when missing or not a number).
std::optional<std::int64_t> IntField(const nlohmann::json& j, const char* name);
// A user object of an answer; kInternal when it is not one (no username, no id).
Result<PanelUser> ParseUser(const nlohmann::json& j);
// The body's {"response": ...}; kInternal without it.
Result<nlohmann::json> Response(const std::string& what, const std::string& body);
// The errorCode of an error body ("A019", ...), "" when there is none.
std::string ErrorCode(const std::string& body);

// One panel's API with its token; each Send is one curl request (HttpCall). Thread-safe (no
// mutable state).
class RemnawaveClient {
 public:
  struct Reply {
    long status = 0;
    std::string body;
  };

  // `deadline` bounds each request.
  RemnawaveClient(RemnawaveSettings settings, std::chrono::milliseconds deadline);

  const RemnawaveSettings& settings() const { return settings_; }

  // One request to API_URL/api + route with the token and the proxy headers; `what` names the
  // call in messages ("GET /api/users"). An error only when no HTTP answer came.
  Result<Reply> Send(const char* method, const std::string& route, const std::string& body,
                     const std::string& what) const;
  // An answer the call did not expect, as a Status (the classification above).
  Status Unexpected(const std::string& what, const Reply& reply) const;

 private:
  RemnawaveSettings settings_;
  std::chrono::milliseconds deadline_;
};

}  // namespace vpnhub::vpn::remnawave
