#pragma once
// Outline access URLs as a person receives them. Pure functions, no I/O; safe from any thread.
#include <string>
#include <string_view>

#include "core/status.hpp"

namespace vpnhub::formats {

// Outline's access URL exactly as its server made it ("ss://BASE64@host:port/?outline=1", or a
// dynamic "ssconf://..." key), with `name` as its '#' fragment (percent-encoded; an empty name
// leaves out the '#'); a fragment the URL already has is replaced. kInvalidArgument when
// `access_url` is not one line of printable ASCII starting with "ss://" or "ssconf://".
Result<std::string> OutlineAccessLink(std::string_view access_url, std::string_view name);

}  // namespace vpnhub::formats
