// The configuration's documentation and example file say what the code does: every key the
// reader knows is in docs/configuration.md, and every built-in default that is not empty is
// the one written there and in config/edgegw.toml. The keys and defaults come from
// ConfigDefaults, which reads the reader's own list, so a key added, renamed or given a new
// default without the docs fails here.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "gw/server/config.h"

namespace gw::server {
namespace {

std::string ReadSource(const std::string& relative) {
  std::ifstream in(std::string(GW_SOURCE_DIR) + "/" + relative);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::string Trim(const std::string& s) {
  const size_t a = s.find_first_not_of(' ');
  const size_t b = s.find_last_not_of(' ');
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

// Without backticks and spaces: "`[\"core\",\"device\"]`" and "[\"core\", \"device\"]" agree.
std::string Normal(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c != '`' && c != ' ') out.push_back(c);
  }
  return out;
}

std::vector<std::string> Split(const std::string& s, const std::string& by) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t at; (at = s.find(by, start)) != std::string::npos; start = at + by.size())
    out.push_back(s.substr(start, at - start));
  out.push_back(s.substr(start));
  return out;
}

// The section a heading or a table line names: "## Local models: `[models]`" -> "models",
// "[[upstream]]" -> "upstream"; "" when it names none.
std::string SectionOf(const std::string& line) {
  const size_t open = line.find('[');
  const size_t close = line.find(']', open);
  if (open == std::string::npos || close == std::string::npos) return "";
  std::string name = line.substr(open, close - open);
  while (!name.empty() && name.front() == '[') name.erase(0, 1);
  return name;
}

// docs/configuration.md: "section.key" -> the default column of its table row. Rows name keys
// in full ("queue.sync") or within the section of their heading ("sync" under `[queue]`);
// one row may give two keys and their defaults ("`a` / `b` | ... | 100 / 5000").
std::map<std::string, std::string> Documented() {
  std::map<std::string, std::string> out;
  std::string section;
  size_t default_column = 0;
  for (const std::string& line : Lines(ReadSource("docs/configuration.md"))) {
    if (line.rfind("## ", 0) == 0) {
      section = SectionOf(line);
      default_column = 0;
      continue;
    }
    if (line.rfind("| ", 0) != 0) continue;
    std::vector<std::string> cells = Split(line.substr(2), " | ");
    if (Trim(cells[0]) == "key") {
      for (size_t i = 0; i < cells.size(); ++i) {
        if (Trim(cells[i]) == "default") default_column = i;
      }
      continue;
    }
    if (cells[0].rfind('`', 0) != 0 || default_column == 0 || cells.size() <= default_column)
      continue;
    std::vector<std::string> keys = Split(cells[0], " / ");
    std::vector<std::string> defaults = Split(cells[default_column], " / ");
    for (size_t i = 0; i < keys.size(); ++i) {
      std::string key = Normal(keys[i]);
      if (key.find('.') == std::string::npos) key = section + "." + key;
      out[key] = Trim(keys.size() == defaults.size() ? defaults[i] : cells[default_column]);
    }
  }
  return out;
}

// config/edgegw.toml: "section.key" -> the value written, commented out or not, in the
// plain tables ([[upstream]] and [[route]] there are examples, not defaults).
std::map<std::string, std::string> Example() {
  std::map<std::string, std::string> out;
  std::string section;
  bool array_table = false;
  for (std::string line : Lines(ReadSource("config/edgegw.toml"))) {
    if (line.rfind("# ", 0) == 0) line = line.substr(2);
    if (line.rfind('[', 0) == 0) {
      section = SectionOf(line);
      array_table = line.rfind("[[", 0) == 0;
      continue;
    }
    const size_t eq = line.find(" = ");
    if (array_table || section.empty() || eq == std::string::npos) continue;
    const std::string key = Trim(line.substr(0, eq));
    if (key.empty() || key.find_first_of(" #") != std::string::npos) continue;
    std::string value = line.substr(eq + 3);
    bool quoted = false;
    for (size_t i = 0; i < value.size(); ++i) {  // the value ends where a comment starts
      if (value[i] == '"') quoted = !quoted;
      if (value[i] == '#' && !quoted) {
        value.resize(i);
        break;
      }
    }
    out[section + "." + key] = Trim(value);
  }
  return out;
}

bool Empty(const std::string& value) { return value == "\"\"" || value == "[]" || value == "{}"; }

TEST(ConfigDocs, EveryKeyIsDocumentedWithItsDefault) {
  const auto documented = Documented();
  const auto defaults = ConfigDefaults();
  ASSERT_GT(defaults.size(), 60u);
  for (const auto& [key, value] : defaults) {
    auto it = documented.find(key);
    if (it == documented.end()) {
      ADD_FAILURE() << key << " is not in docs/configuration.md";
      continue;
    }
    if (!Empty(value)) {
      EXPECT_EQ(Normal(it->second), Normal(value))
          << key << ": docs/configuration.md says " << it->second << ", the code " << value;
    }
  }
}

TEST(ConfigDocs, TheExampleFileShowsTheDefaults) {
  const auto example = Example();
  ASSERT_GT(example.size(), 15u);
  std::map<std::string, std::string> defaults;
  for (const auto& [key, value] : ConfigDefaults()) defaults[key] = value;
  for (const auto& [key, value] : example) {
    auto it = defaults.find(key);
    if (it == defaults.end()) {
      ADD_FAILURE() << "config/edgegw.toml sets " << key << ", which the reader does not know";
      continue;
    }
    if (!Empty(it->second)) {
      EXPECT_EQ(Normal(value), Normal(it->second))
          << key << ": config/edgegw.toml says " << value << ", the code " << it->second;
    }
  }
}

}  // namespace
}  // namespace gw::server
