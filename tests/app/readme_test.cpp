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

// The README's Meaning column is the --help text: what one says about a variable (e.g. that
// LIMIT_GB is not enforced on Shadowsocks) the other says too.
TEST(Readme, ConfigDescriptionsMatchTheHelpText) {
  const std::string readme = ReadReadme();
  const std::regex row(R"(^\| `([A-Z_]+)` \| [^|]* \| ([^|]*) \|)", std::regex::multiline);
  std::map<std::string, std::string> described;
  for (auto it = std::sregex_iterator(readme.begin(), readme.end(), row);
       it != std::sregex_iterator(); ++it) {
    described[(*it)[1]] = (*it)[2];
  }
  for (const VarDoc& v : ConfigVariables()) {
    auto found = described.find(v.name);
    if (found == described.end()) continue;  // reported by ConfigTableMatchesTheCode
    EXPECT_EQ(found->second, v.description) << v.name;
  }
}

// Variables parsed for features that do not exist yet must not read as if they worked.
TEST(Readme, VariablesWithoutEffectSaySo) {
  std::map<std::string, std::string> docs;
  for (const VarDoc& v : ConfigVariables()) docs[v.name] = v.description;
  EXPECT_NE(docs["LIMIT_GB"].find("not enforced"), std::string::npos) << docs["LIMIT_GB"];
  for (const char* name : {"MONTH_COST", "MONTH_OPTIONS", "LIMIT_IP"}) {
    EXPECT_NE(docs[name].find("checked only"), std::string::npos) << name << ": " << docs[name];
  }
}

}  // namespace
}  // namespace vpnhub::app
