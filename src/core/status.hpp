#pragma once
// One error type for every port: a code the caller can branch on plus a message for people.
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace vpnhub {

enum class StatusCode {
  kOk,
  kInvalidArgument,     // the caller's input is wrong; retrying will not help
  kNotFound,            // the named thing does not exist
  kAlreadyExists,       // a unique thing exists already
  kFailedPrecondition,  // the state does not allow it (trial used, key not active, ...)
  kResourceExhausted,   // no capacity left
  kConflict,            // a compare-and-set lost: somebody else changed the row first
  kUnavailable,         // a remote (database, VPN server) is down or did not answer; retryable
  kDeadlineExceeded,    // a remote did not answer in time; retryable
  kPermissionDenied,    // the caller may not do this
  kInternal,            // a broken invariant or an unexpected failure
};

const char* StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }
  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // Retryable failures come from the outside world and may pass on their own.
  bool retryable() const {
    return code_ == StatusCode::kUnavailable || code_ == StatusCode::kDeadlineExceeded ||
           code_ == StatusCode::kConflict;
  }
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) {
  return {StatusCode::kInvalidArgument, std::move(m)};
}
inline Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status AlreadyExists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
inline Status FailedPrecondition(std::string m) {
  return {StatusCode::kFailedPrecondition, std::move(m)};
}
inline Status ResourceExhausted(std::string m) {
  return {StatusCode::kResourceExhausted, std::move(m)};
}
inline Status Conflict(std::string m) { return {StatusCode::kConflict, std::move(m)}; }
inline Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status DeadlineExceeded(std::string m) {
  return {StatusCode::kDeadlineExceeded, std::move(m)};
}
inline Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

// A value or the Status that explains why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

// `r`, except that a failure with `code` is told again as `message` (same code): a port's
// generic "not found" becomes the use case's "unknown key 7", in the words the caller used.
template <typename T>
Result<T> Explained(Result<T> r, StatusCode code, std::string message) {
  if (r.status().code() == code) return Status(code, std::move(message));
  return r;
}

}  // namespace vpnhub

namespace vpnhub::status_internal {
inline const Status& StatusOf(const Status& s) { return s; }
template <typename T>
const Status& StatusOf(const Result<T>& r) {
  return r.status();
}
}  // namespace vpnhub::status_internal

// Early return for code that returns a Status or a Result<T>: evaluates `expr` (a Status or a
// Result<U>) once and returns its Status when it is not Ok.
#define VPNHUB_RETURN_IF_ERROR(expr)                                             \
  do {                                                                           \
    auto&& vpnhub_rie_ = (expr);                                                 \
    if (!::vpnhub::status_internal::StatusOf(vpnhub_rie_).ok()) {                \
      return ::vpnhub::Status(::vpnhub::status_internal::StatusOf(vpnhub_rie_)); \
    }                                                                            \
  } while (0)

// VPNHUB_ASSIGN_OR_RETURN(auto key, tx.keys().GetKey(id)); evaluates `expr` (a Result<T>) once;
// when it holds a value, moves it into `lhs` (a declaration or an existing variable), otherwise
// returns its Status from the enclosing function. A statement, not an expression: one per line.
#define VPNHUB_ASSIGN_OR_RETURN(lhs, expr) \
  VPNHUB_ASSIGN_OR_RETURN_IMPL_(VPNHUB_STATUS_CONCAT_(vpnhub_aor_, __LINE__), lhs, expr)
#define VPNHUB_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return tmp.status();                 \
  lhs = std::move(tmp).value()
#define VPNHUB_STATUS_CONCAT_(a, b) VPNHUB_STATUS_CONCAT_INNER_(a, b)
#define VPNHUB_STATUS_CONCAT_INNER_(a, b) a##b
