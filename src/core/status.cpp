#include "core/status.hpp"

#include "core/enum_names.hpp"

namespace vpnhub {

namespace {

constexpr NameTable<StatusCode, 11> kStatusCodes = {
    {StatusCode::kOk, "ok"},
    {StatusCode::kInvalidArgument, "invalid_argument"},
    {StatusCode::kNotFound, "not_found"},
    {StatusCode::kAlreadyExists, "already_exists"},
    {StatusCode::kFailedPrecondition, "failed_precondition"},
    {StatusCode::kResourceExhausted, "resource_exhausted"},
    {StatusCode::kConflict, "conflict"},
    {StatusCode::kUnavailable, "unavailable"},
    {StatusCode::kDeadlineExceeded, "deadline_exceeded"},
    {StatusCode::kPermissionDenied, "permission_denied"},
    {StatusCode::kInternal, "internal"}};

}  // namespace

const char* StatusCodeName(StatusCode code) { return NameIn(kStatusCodes, code); }

std::string Status::ToString() const {
  if (ok()) return "ok";
  return std::string(StatusCodeName(code_)) + ": " + message_;
}

}  // namespace vpnhub
