#include "payments/wata/wata_json.hpp"

#include <utility>
#include <vector>

#include "payments/common/amount.hpp"

namespace vpnhub::payments::wata {
namespace {

using nlohmann::json;

// nlohmann's DOM builder, but number_float keeps the token's text.
class DecimalKeepingBuilder : public nlohmann::json_sax<json> {
 public:
  json root;

  bool null() override { return Put(nullptr); }
  bool boolean(bool v) override { return Put(v); }
  bool number_integer(number_integer_t v) override { return Put(v); }
  bool number_unsigned(number_unsigned_t v) override { return Put(v); }
  bool number_float(number_float_t, const string_t& text) override { return Put(text); }
  bool string(string_t& v) override { return Put(std::move(v)); }
  bool binary(binary_t& v) override { return Put(json::binary(std::move(v))); }
  bool start_object(std::size_t) override { return Open(json::object()); }
  bool end_object() override { return Close(); }
  bool start_array(std::size_t) override { return Open(json::array()); }
  bool end_array() override { return Close(); }
  bool key(string_t& k) override {
    key_ = std::move(k);
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }

 private:
  // Where the value goes: the root, the open array's end, or the open object's current key.
  json* Put(json value) {
    if (open_.empty()) {
      root = std::move(value);
      return &root;
    }
    json& parent = *open_.back();
    if (parent.is_array()) {
      parent.push_back(std::move(value));
      return &parent.back();
    }
    json& slot = parent[key_];
    slot = std::move(value);
    return &slot;
  }
  bool Open(json container) {
    open_.push_back(Put(std::move(container)));
    return true;
  }
  bool Close() {
    open_.pop_back();
    return true;
  }

  std::vector<json*> open_;
  std::string key_;
};

}  // namespace

std::optional<json> ParseKeepingDecimals(std::string_view text) {
  DecimalKeepingBuilder builder;
  if (!json::sax_parse(text.begin(), text.end(), &builder, json::input_format_t::json, true)) {
    return std::nullopt;
  }
  return std::move(builder.root);
}

std::optional<std::int64_t> MoneyField(const json& object, const char* name) {
  if (!object.is_object()) return std::nullopt;
  const auto it = object.find(name);
  if (it == object.end()) return std::nullopt;
  if (it->is_number_unsigned()) return WholeUnits(std::to_string(it->get<std::uint64_t>()));
  if (it->is_string()) return WholeUnits(it->get<std::string>());
  return std::nullopt;
}

}  // namespace vpnhub::payments::wata
