#include "payments/cryptomus/php_json.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>

namespace vpnhub::payments::cryptomus {
namespace {

using nlohmann::ordered_json;

constexpr int kMaxDepth = 64;

void AppendString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '/':
        out += "\\/";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
        } else if (c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
                   (static_cast<unsigned char>(s[i + 2]) == 0xA8 ||
                    static_cast<unsigned char>(s[i + 2]) == 0xA9)) {
          // PHP escapes the JavaScript line terminators even with JSON_UNESCAPED_UNICODE.
          out += static_cast<unsigned char>(s[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029";
          i += 2;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

// PHP's php_gcvt(value, 17, '.', 'e') with serialize_precision -1: the shortest round-trip
// digits, in fixed notation unless the decimal exponent is below -3 or above 17.
void AppendDouble(std::string& out, double d) {
  if (!std::isfinite(d)) {
    out += '0';  // json_encode refuses INF/NAN; PARTIAL_OUTPUT writes 0
    return;
  }
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof(buf), d, std::chars_format::scientific);
  const std::string_view sci(buf, static_cast<std::size_t>(res.ptr - buf));
  const std::size_t e = sci.find('e');
  std::string digits;
  bool negative = false;
  for (char c : sci.substr(0, e)) {
    if (c == '-') negative = true;
    if (c >= '0' && c <= '9') digits += c;
  }
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  int exponent = 0;
  const std::string_view exp_text = sci.substr(e + 1);
  std::from_chars(exp_text.data() + (exp_text.front() == '+' ? 1 : 0),
                  exp_text.data() + exp_text.size(), exponent);
  const int decpt = exponent + 1;
  if (negative) out += '-';
  if (decpt < -3 || decpt > 17) {
    out += digits[0];
    out += '.';
    out += digits.size() > 1 ? digits.substr(1) : "0";
    out += exponent < 0 ? "e-" : "e+";
    out += std::to_string(exponent < 0 ? -exponent : exponent);
  } else if (decpt < 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-decpt), '0');
    out += digits;
  } else {
    const auto whole = static_cast<std::size_t>(decpt);
    out += decpt == 0 ? "0" : digits.substr(0, whole);
    if (digits.size() < whole) out.append(whole - digits.size(), '0');
    if (digits.size() > whole) out += "." + digits.substr(whole);
  }
}

// An object whose keys are "0", "1", ... in order: json_decode made it a PHP list.
bool IsPhpList(const ordered_json& object) {
  std::size_t i = 0;
  for (const auto& item : object.items()) {
    if (item.key() != std::to_string(i++)) return false;
  }
  return true;
}

void Append(std::string& out, const ordered_json& v) {
  switch (v.type()) {
    case ordered_json::value_t::null:
      out += "null";
      break;
    case ordered_json::value_t::boolean:
      out += v.get<bool>() ? "true" : "false";
      break;
    case ordered_json::value_t::number_integer:
      out += std::to_string(v.get<std::int64_t>());
      break;
    case ordered_json::value_t::number_unsigned: {
      const auto u = v.get<std::uint64_t>();
      if (u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        out += std::to_string(u);
      } else {
        AppendDouble(out, static_cast<double>(u));  // past PHP_INT_MAX: a float
      }
      break;
    }
    case ordered_json::value_t::number_float:
      AppendDouble(out, v.get<double>());
      break;
    case ordered_json::value_t::string:
      AppendString(out, v.get_ref<const std::string&>());
      break;
    case ordered_json::value_t::array:
    case ordered_json::value_t::object: {
      const bool list = v.is_array() || IsPhpList(v);
      out += list ? '[' : '{';
      bool first = true;
      for (const auto& item : v.items()) {
        if (!first) out += ',';
        first = false;
        if (!list) {
          AppendString(out, item.key());
          out += ':';
        }
        Append(out, item.value());
      }
      out += list ? ']' : '}';
      break;
    }
    default:
      out += "null";
      break;  // binary and discarded values do not come from a parse
  }
}

}  // namespace

std::optional<ordered_json> ParseOrdered(std::string_view text) {
  const ordered_json::parser_callback_t limit_depth = [](int depth, ordered_json::parse_event_t,
                                                         ordered_json&) {
    if (depth > kMaxDepth) throw std::length_error("too deep");
    return true;
  };
  try {
    return ordered_json::parse(text.begin(), text.end(), limit_depth);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string PhpJsonEncode(const ordered_json& value) {
  std::string out;
  Append(out, value);
  return out;
}

}  // namespace vpnhub::payments::cryptomus
