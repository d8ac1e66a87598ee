// Status and Result<T>: how errors cross module boundaries in tierd.
//
// A Status is either OK or a code plus a message a human can act on
// ("store: database is locked (retry)", "config: tiers[1].groups: expected a
// non-empty array"). Result<T> holds a T or a non-OK Status. Exceptions from
// third-party libraries are caught at the module edge and turned into these;
// none escapes a thread.
#pragma once

#include <cassert>
#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace tierd {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,   // the input is wrong; retrying the same input fails again
  kNotFound,
  kAlreadyExists,
  kConflict,          // a concurrent change won (e.g. vendor 409)
  kUnauthenticated,   // credentials missing or wrong
  kPermissionDenied,
  kResourceExhausted, // rate limited or too large
  kUnavailable,       // transient: retry later
  kDeadlineExceeded,  // timed out: the outcome is unknown
  kInternal,
  // A write carried a shard lease's fencing token that is no longer the
  // shard's current one (cluster/lease.h): another replica owns the shard now.
  // Nothing was written; retrying cannot succeed. Stop acting on the shard.
  kFenced,
};

const char* status_code_name(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status Conflict(std::string m) { return {StatusCode::kConflict, std::move(m)}; }
  static Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "unavailable: store: disk I/O error" — for logs and CLI output.
  std::string to_string() const;

  // For kResourceExhausted / kUnavailable from a peer that said when to come
  // back (HTTP Retry-After).
  std::optional<std::chrono::milliseconds> retry_after() const { return retry_after_; }
  Status& set_retry_after(std::chrono::milliseconds d) {
    retry_after_ = d;
    return *this;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::optional<std::chrono::milliseconds> retry_after_;
};

// Holds a value or a non-OK Status. Accessing value() of an error is a bug
// (asserted in debug builds).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(v_).ok() && "Result needs a value or an error");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }

  const T& value() const& { assert(ok()); return std::get<T>(v_); }
  T& value() & { assert(ok()); return std::get<T>(v_); }
  T&& value() && { assert(ok()); return std::get<T>(std::move(v_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  // The error; an OK Status when this holds a value.
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace tierd
