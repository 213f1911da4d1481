// The README's configuration table is the operator's reference: it must list every variable the
// code reads, with the default the code applies, the meaning --help shows and what uses it, and
// nothing the code does not read. All of it comes from the variables' descriptors.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "app/config.hpp"

namespace vpnhub::app {
namespace {

std::string ReadReadme() {
  std::ifstream in(VPNHUB_README);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Row {
  std::string default_value;  // "" for —
  std::string meaning;
  std::string used_by;
};

// The cells of a Markdown table row, trimmed, with "\|" read as a '|' inside a cell.
std::vector<std::string> Cells(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  for (std::size_t i = 1; i < line.size(); ++i) {
    if (line[i] == '\\' && i + 1 < line.size() && line[i + 1] == '|') {
      cell += '|';
      ++i;
    } else if (line[i] == '|') {
      const auto first = cell.find_first_not_of(' ');
      const auto last = cell.find_last_not_of(' ');
      cells.push_back(first == std::string::npos ? "" : cell.substr(first, last - first + 1));
      cell.clear();
    } else {
      cell += line[i];
    }
  }
  return cells;
}

// | `NAME` | `default` or — | meaning | used by |
std::map<std::string, Row> ConfigTable(const std::string& readme) {
  std::map<std::string, Row> rows;
  std::istringstream in(readme);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("| `", 0) != 0) continue;
    const auto cells = Cells(line);
    if (cells.size() != 4 || cells[0].size() < 3) continue;
    const std::string name = cells[0].substr(1, cells[0].size() - 2);
    if (name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ_") != std::string::npos) continue;
    const std::string& def = cells[1];
    rows[name] = {def == "—" ? "" : def.substr(1, def.size() - 2), cells[2], cells[3]};
  }
  return rows;
}

TEST(Readme, ConfigTableMatchesTheCode) {
  const std::string readme = ReadReadme();
  ASSERT_FALSE(readme.empty()) << VPNHUB_README;
  const auto documented = ConfigTable(readme);
  std::set<std::string> known;
  for (const ConfigVar& v : ConfigVariables()) {
    known.insert(v.name);
    auto found = documented.find(v.name);
    if (found == documented.end()) {
      ADD_FAILURE() << v.name << " is missing from the README's configuration table";
      continue;
    }
    EXPECT_EQ(found->second.default_value, v.default_value)
        << v.name << ": README default differs from code";
  }
  for (const auto& [name, row] : documented) {
    EXPECT_TRUE(known.count(name)) << name << " is in the README but not read by the code";
  }
}

// The README's Meaning column is the --help text: what one says about a variable (e.g. that
// LIMIT_GB is not enforced on Shadowsocks) the other says too. Its "Used by" column is the
// descriptor's.
TEST(Readme, ConfigDescriptionsMatchTheHelpText) {
  const auto documented = ConfigTable(ReadReadme());
  ASSERT_EQ(documented.count("NAME"), 1u) << "a meaning with '\\|' in it is read too";
  for (const ConfigVar& v : ConfigVariables()) {
    auto found = documented.find(v.name);
    if (found == documented.end()) continue;  // reported by ConfigTableMatchesTheCode
    EXPECT_EQ(found->second.meaning, v.meaning) << v.name;
    EXPECT_EQ(found->second.used_by, v.used_by) << v.name;
  }
}

// Variables parsed for features that do not exist yet must not read as if they worked.
TEST(Readme, VariablesWithoutEffectSaySo) {
  std::map<std::string, std::string> docs;
  for (const ConfigVar& v : ConfigVariables()) docs[v.name] = v.meaning;
  EXPECT_NE(docs["LIMIT_GB"].find("not enforced"), std::string::npos) << docs["LIMIT_GB"];
  // The panels (issue 16) set LIMIT_IP on their clients; the kinds that cannot are named so.
  EXPECT_NE(docs["LIMIT_IP"].find("other kinds do not limit devices"), std::string::npos)
      << docs["LIMIT_IP"];
  // The bot's Switch location button, the providers over HTTP and the panels use these now:
  // nothing may call them "later".
  for (const char* name : {"FREE_SWITCHES_PER_KEY", "PRICE_SWITCH_LOCATION_STARS", "MONTH_COST",
                           "CURRENCY", "PRICE_SWITCH_LOCATION", "LIMIT_IP"}) {
    EXPECT_EQ(docs[name].find("later"), std::string::npos) << name << ": " << docs[name];
  }
}

}  // namespace
}  // namespace vpnhub::app
