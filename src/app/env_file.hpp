#pragma once
// Reading a `.env` file: KEY=VALUE lines the process environment may override.
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace vpnhub::app {

using EnvMap = std::map<std::string, std::string>;

// One line of a `.env` file that could not be read. Never carries the line's value, which may be a
// secret.
struct EnvFileError {
  std::string path;
  int line = 0;                  // 1-based; 0 when the file as a whole could not be read
  std::string masked_line;       // the line with everything after its variable name shown as ****
  std::string expected;          // what the line lacks, e.g. "a closing double quote"
  std::string ToString() const;  // "path:line: expected <expected>"
};

struct EnvFile {
  EnvMap values;
  std::vector<EnvFileError> errors;  // every malformed line, in file order
};

// Parses the text of a `.env` file; `path` only names the file in errors.
// Syntax, one entry per line:
//   - blank lines and lines starting with `#` are skipped; a UTF-8 BOM and CR before LF are
//     ignored;
//   - `[export ]KEY=VALUE`, whitespace around KEY and `=` ignored; KEY is [A-Za-z_][A-Za-z0-9_]*;
//   - VALUE unquoted: up to ` #` (a comment after whitespace), surrounding whitespace trimmed;
//   - VALUE 'single quoted': taken literally;
//   - VALUE "double quoted": \n \r \t \" \\ are escapes (any other backslash stays as is);
//   - after a closing quote only whitespace or a `# comment` may follow; quoted values end on the
//     same line;
//   - a key given twice keeps its last value.
// Malformed lines are reported and skipped; the well-formed ones are still returned.
EnvFile ParseEnvText(std::string_view text, const std::string& path);

// Reads and parses the file at `path`. A missing file is an empty result, not an error; a file that
// exists but cannot be read is an error with line 0.
EnvFile ReadEnvFile(const std::string& path);

}  // namespace vpnhub::app
