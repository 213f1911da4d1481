#include "formats/outline_link.hpp"

#include "formats/ss_link.hpp"

namespace vpnhub::formats {

Result<std::string> OutlineAccessLink(std::string_view access_url, std::string_view name) {
  const bool ss = access_url.rfind("ss://", 0) == 0;
  const bool ssconf = access_url.rfind("ssconf://", 0) == 0;
  if (!ss && !ssconf) return InvalidArgument("an Outline access URL starts ss:// or ssconf://");
  std::string out(access_url.substr(0, access_url.find('#')));  // its own fragment is replaced
  for (char c : out) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) {
      return InvalidArgument("an Outline access URL is one line of printable ASCII");
    }
  }
  if (out.size() <= (ss ? 5u : 9u)) return InvalidArgument("the Outline access URL is empty");
  if (!name.empty()) out += "#" + PercentEncode(name);
  return out;
}

}  // namespace vpnhub::formats
