// The README's configuration table is the operator's reference: it must list every variable the
// code reads, with the default the code applies, and nothing the code does not read.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "app/config.hpp"

namespace vpnhub::app {
namespace {

std::string ReadReadme() {
  std::ifstream in(VPNHUB_README);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(Readme, ConfigTableMatchesTheCode) {
  const std::string readme = ReadReadme();
  ASSERT_FALSE(readme.empty()) << VPNHUB_README;
  // | `NAME` | `default` | ... or | `NAME` | — | ...
  const std::regex row(R"(^\| `([A-Z_]+)` \| (`([^`]*)`|—) \|)", std::regex::multiline);
  std::map<std::string, std::string> documented;
  for (auto it = std::sregex_iterator(readme.begin(), readme.end(), row);
       it != std::sregex_iterator(); ++it) {
    documented[(*it)[1]] = (*it)[2] == "—" ? "" : std::string((*it)[3]);
  }
  std::set<std::string> known;
  for (const VarDoc& v : ConfigVariables()) {
    known.insert(v.name);
    auto found = documented.find(v.name);
    if (found == documented.end()) {
      ADD_FAILURE() << v.name << " is missing from the README's configuration table";
      continue;
    }
    EXPECT_EQ(found->second, v.default_value) << v.name << ": README default differs from code";
  }
  for (const auto& [name, value] : documented) {
    EXPECT_TRUE(known.count(name)) << name << " is in the README but not read by the code";
  }
}

}  // namespace
}  // namespace vpnhub::app
