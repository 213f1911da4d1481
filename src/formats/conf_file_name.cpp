#include "formats/conf_file_name.hpp"

namespace vpnhub::formats {
namespace {

constexpr std::size_t kMaxInterfaceName = 15;

bool NameChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

void TrimEdges(std::string& s) {
  while (!s.empty() && (s.back() == '_' || s.back() == '-')) s.pop_back();
  std::size_t lead = 0;
  while (lead < s.size() && (s[lead] == '_' || s[lead] == '-')) ++lead;
  s.erase(0, lead);
}

}  // namespace

std::string ConfFileName(std::string_view share_name, std::string_view fallback) {
  std::string name;
  bool in_other = false;
  for (char c : share_name) {
    if (NameChar(c)) {
      name += c;
      in_other = false;
    } else if (!in_other) {
      name += '_';
      in_other = true;
    }
  }
  TrimEdges(name);
  if (name.size() > kMaxInterfaceName) name.resize(kMaxInterfaceName);
  TrimEdges(name);
  if (name.empty()) name = fallback;
  return name + ".conf";
}

}  // namespace vpnhub::formats
