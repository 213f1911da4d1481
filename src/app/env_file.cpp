#include "app/env_file.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

namespace vpnhub::app {
namespace {

constexpr std::string_view kWhitespace = " \t";

std::string_view Trim(std::string_view s) {
  const auto first = s.find_first_not_of(kWhitespace);
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(kWhitespace);
  return s.substr(first, last - first + 1);
}

bool IsKeyStart(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool IsKeyChar(char c) { return IsKeyStart(c) || (c >= '0' && c <= '9'); }

bool IsValidKey(std::string_view key) {
  if (key.empty() || !IsKeyStart(key[0])) return false;
  for (char c : key) {
    if (!IsKeyChar(c)) return false;
  }
  return true;
}

// The line with only its leading variable name kept, so an error can point at the line without
// echoing a value that may be a secret.
std::string MaskLine(std::string_view line) {
  std::size_t n = 0;
  while (n < line.size() && IsKeyChar(line[n])) ++n;
  std::string_view name = line.substr(0, n);
  if (!IsValidKey(name)) return line.empty() ? "" : "****";
  std::string_view rest = line.substr(n);
  if (rest.empty()) return std::string(name);
  const std::string_view sep = Trim(rest).substr(0, 1) == "=" ? "=" : " ";
  return std::string(name) + std::string(sep) + "****";
}

// The text after a closing quote: nothing, or a comment.
bool OnlyCommentLeft(std::string_view rest) {
  rest = Trim(rest);
  return rest.empty() || rest[0] == '#';
}

struct ValueParse {
  std::optional<std::string> value;
  std::string error;
};

ValueParse ParseValue(std::string_view raw) {
  raw = Trim(raw);
  if (raw.empty()) return {std::string(), {}};
  if (raw[0] == '\'') {
    const auto close = raw.find('\'', 1);
    if (close == std::string_view::npos) return {std::nullopt, "a closing single quote"};
    if (!OnlyCommentLeft(raw.substr(close + 1))) {
      return {std::nullopt, "nothing but a # comment after the closing quote"};
    }
    return {std::string(raw.substr(1, close - 1)), {}};
  }
  if (raw[0] == '"') {
    std::string out;
    for (std::size_t i = 1; i < raw.size(); ++i) {
      const char c = raw[i];
      if (c == '"') {
        if (!OnlyCommentLeft(raw.substr(i + 1))) {
          return {std::nullopt, "nothing but a # comment after the closing quote"};
        }
        return {std::move(out), {}};
      }
      if (c == '\\' && i + 1 < raw.size()) {
        const char e = raw[i + 1];
        switch (e) {
          case 'n':
            out += '\n';
            break;
          case 'r':
            out += '\r';
            break;
          case 't':
            out += '\t';
            break;
          case '"':
            out += '"';
            break;
          case '\\':
            out += '\\';
            break;
          default:
            out += c;
            out += e;
            break;
        }
        ++i;
        continue;
      }
      out += c;
    }
    return {std::nullopt, "a closing double quote"};
  }
  // Unquoted: a `#` starts a comment only after whitespace, so `pa#ss` stays whole.
  for (std::size_t i = 1; i < raw.size(); ++i) {
    if (raw[i] == '#' && (raw[i - 1] == ' ' || raw[i - 1] == '\t')) {
      raw = Trim(raw.substr(0, i));
      break;
    }
  }
  return {std::string(raw), {}};
}

}  // namespace

std::string EnvFileError::ToString() const {
  return path + ":" + std::to_string(line) + ": expected " + expected;
}

EnvFile ParseEnvText(std::string_view text, const std::string& path) {
  EnvFile out;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  int line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);

    line = Trim(line);
    if (line.empty() || line[0] == '#') continue;
    if (line.substr(0, 6) == "export" && line.size() > 6 && (line[6] == ' ' || line[6] == '\t')) {
      line = Trim(line.substr(6));
    }
    auto fail = [&](std::string expected) {
      out.errors.push_back({path, line_no, MaskLine(line), std::move(expected)});
    };
    const auto eq = line.find('=');
    if (eq == std::string_view::npos) {
      fail("KEY=VALUE, found no '='");
      continue;
    }
    const std::string_view key = Trim(line.substr(0, eq));
    if (key.empty()) {
      fail("a variable name before '='");
      continue;
    }
    if (!IsValidKey(key)) {
      fail("a variable name of letters, digits and '_' not starting with a digit");
      continue;
    }
    ValueParse value = ParseValue(line.substr(eq + 1));
    if (!value.value) {
      fail(std::move(value.error));
      continue;
    }
    out.values[std::string(key)] = std::move(*value.value);
  }
  return out;
}

EnvFile ReadEnvFile(const std::string& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (status.type() == std::filesystem::file_type::not_found) return {};
  auto unreadable = [&](const std::string& why) {
    EnvFile out;
    out.errors.push_back({path, 0, "", "a readable file (" + why + ")"});
    return out;
  };
  if (ec) return unreadable(ec.message());
  if (std::filesystem::is_directory(status)) return unreadable("it is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) return unreadable(std::strerror(errno));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return unreadable("read error");
  return ParseEnvText(buffer.str(), path);
}

}  // namespace vpnhub::app
