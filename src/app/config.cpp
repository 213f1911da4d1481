#include "app/config.hpp"

#include <algorithm>
#include <charconv>

#include "app/config_reader.hpp"

namespace vpnhub::app {

bool Config::IsAdmin(TgId id) const {
  return std::find(admin_tg_ids.begin(), admin_tg_ids.end(), id) != admin_tg_ids.end();
}

std::variant<Config, std::vector<ConfigError>> ParseConfig(const EnvMap& env) {
  ConfigReader reader(env);
  Config config;
  for (const auto& var : ConfigVariables()) {
    if (var.parse) var.parse(reader, config);
  }
  auto errors = reader.TakeErrors();
  if (!errors.empty()) return errors;
  return config;
}

std::optional<std::int64_t> ParseStrictInt(std::string_view s) {
  if (!s.empty() && s[0] == '+') {
    s.remove_prefix(1);
    if (!s.empty() && s[0] == '-') return std::nullopt;
  }
  if (s.empty()) return std::nullopt;
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

std::vector<std::string> SplitCommaList(std::string_view s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    auto comma = s.find(',', start);
    if (comma == std::string_view::npos) comma = s.size();
    const std::string_view item = config_text::Trim(s.substr(start, comma - start));
    if (!item.empty()) out.emplace_back(item);
    start = comma + 1;
  }
  return out;
}

std::string WebhookUrlPath(std::string_view url) {
  const auto scheme = url.find("://");
  const std::string_view rest = scheme == std::string_view::npos ? url : url.substr(scheme + 3);
  const auto start = rest.find_first_of("/?#");
  if (start == std::string_view::npos || rest[start] != '/') return "";
  const std::string_view path = rest.substr(start);
  return std::string(path.substr(0, path.find_first_of("?#")));
}

EnvMap CollectEnvironment(char** environ, const std::string& env_file_path,
                          std::vector<ConfigError>* file_errors) {
  EnvFile file = ReadEnvFile(env_file_path);
  if (file_errors != nullptr) {
    for (const auto& e : file.errors) {
      std::string where = e.path;
      if (e.line > 0) where += ":" + std::to_string(e.line);
      file_errors->push_back({std::move(where), e.masked_line, e.expected});
    }
  }
  EnvMap env = std::move(file.values);
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view kv(*entry);
    const auto eq = kv.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    env[std::string(kv.substr(0, eq))] = std::string(kv.substr(eq + 1));
  }
  return env;
}

}  // namespace vpnhub::app
