#include "app/config_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "storage/sqlite/sqlite_store.hpp"

namespace vpnhub::app {
namespace {

// Why `path` is not a readable, non-empty regular file, or "" when it is.
std::string UnreadableFileProblem(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::string(std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return "not a regular file";
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::string(std::strerror(errno));
  ::close(fd);
  if (st.st_size == 0) return "the file is empty";
  return "";
}

}  // namespace

std::vector<ConfigError> CheckConfigFiles(const Config& config) {
  std::vector<ConfigError> errors;
  if (config.nats_enabled()) {
    const struct {
      const char* name;
      const std::string& path;
      const char* what;
    } files[] = {{"NATS_CREDS", config.nats_creds, "a readable NATS .creds file"},
                 {"NATS_TLS_CA", config.nats_tls_ca, "a readable PEM CA file"}};
    for (const auto& f : files) {
      if (f.path.empty()) continue;
      const std::string problem = UnreadableFileProblem(f.path);
      if (!problem.empty())
        errors.push_back({f.name, f.path, std::string(f.what) + ": " + problem});
    }
  }
  auto sqlite_path = storage::SqlitePathFromUrl(config.database_url);
  if (sqlite_path.ok() && *sqlite_path != ":memory:") {
    if (auto problem = storage::SqliteReadOnlyProblem(*sqlite_path)) {
      errors.push_back({"DATABASE_URL", config.database_url, "a writable database; " + *problem});
    }
  }
  return errors;
}

}  // namespace vpnhub::app
