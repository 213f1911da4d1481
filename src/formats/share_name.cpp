#include "formats/share_name.hpp"

namespace vpnhub::formats {

std::string ShareLinkName(std::string_view brand, std::string_view location) {
  if (brand.empty()) return std::string(location);
  if (location.empty()) return std::string(brand);
  std::string out(brand);
  out += " | ";
  out += location;
  return out;
}

}  // namespace vpnhub::formats
