#include "formats/awg_conf.hpp"

#include <array>

namespace vpnhub::formats {
namespace {

constexpr std::array<std::string_view, 16> kAmneziaWgKeys = {"Jc", "Jmin", "Jmax", "S1", "S2", "S3",
                                                             "S4", "H1",   "H2",   "H3", "H4", "I1",
                                                             "I2", "I3",   "I4",   "I5"};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// The key of a "Key = value" line, trimmed; empty for a section header, comment or blank line.
std::string_view KeyOf(std::string_view line) {
  const std::size_t eq = line.find('=');
  if (eq == std::string_view::npos) return {};
  std::string_view key = Trim(line.substr(0, eq));
  if (key.empty() || key.front() == '#' || key.front() == ';' || key.front() == '[') return {};
  return key;
}

// Calls fn(line) for every line of `text`, without its '\n'.
template <typename Fn>
void ForEachLine(std::string_view text, Fn fn) {
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    fn(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
}

}  // namespace

bool IsAmneziaWgKey(std::string_view key) {
  for (std::string_view k : kAmneziaWgKeys) {
    if (k == key) return true;
  }
  return false;
}

Result<std::string> AmneziaWgConf(std::string_view server_text) {
  // Leading blank lines only (amnezia-wg-easy starts its text with one).
  while (!server_text.empty()) {
    const std::size_t nl = server_text.find('\n');
    if (nl == std::string_view::npos || !Trim(server_text.substr(0, nl)).empty()) break;
    server_text.remove_prefix(nl + 1);
  }
  bool interface = false, peer = false;
  std::string_view private_key;
  bool has_private_key = false;
  ForEachLine(server_text, [&](std::string_view line) {
    const std::string_view t = Trim(line);
    if (t == "[Interface]") interface = true;
    if (t == "[Peer]") peer = true;
    if (KeyOf(line) == "PrivateKey") {
      has_private_key = true;
      private_key = Trim(line.substr(line.find('=') + 1));
    }
  });
  if (!interface || !peer) {
    return InvalidArgument(
        "the server's configuration is not a client configuration (no [Interface] or [Peer])");
  }
  if (!has_private_key || private_key.empty()) {
    return InvalidArgument("the server's configuration has no PrivateKey");
  }
  if (private_key == "REPLACE_ME") {
    return InvalidArgument(
        "the server does not hold this client's private key (its configuration says REPLACE_ME)");
  }
  std::string out(server_text);
  if (out.back() != '\n') out += '\n';
  return out;
}

std::string AmneziaWgLines(std::string_view conf) {
  std::string out;
  ForEachLine(conf, [&](std::string_view line) {
    if (IsAmneziaWgKey(KeyOf(line))) {
      out.append(line);
      out += '\n';
    }
  });
  return out;
}

std::string StripAmneziaWg(std::string_view conf) {
  std::string out;
  ForEachLine(conf, [&](std::string_view line) {
    if (IsAmneziaWgKey(KeyOf(line))) return;
    out.append(line);
    out += '\n';
  });
  return out;
}

}  // namespace vpnhub::formats
