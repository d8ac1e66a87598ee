#include "replica/replica_id.h"

#include <unistd.h>

#include <array>

namespace tierd {
namespace {

constexpr size_t kMaxReplicaIdLength = 64;

bool allowed_in_id(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-' || c == ':';
}

}  // namespace

std::string replica_id_or_default(const std::string& configured) {
  if (!configured.empty()) return configured;
  std::array<char, 256> name{};
  std::string host;
  if (gethostname(name.data(), name.size() - 1) == 0) {
    for (const char* c = name.data(); *c != '\0'; ++c) {
      if (allowed_in_id(*c)) host += *c;
    }
  }
  if (host.empty()) host = "tierd";
  const std::string pid = "-" + std::to_string(::getpid());
  if (host.size() + pid.size() > kMaxReplicaIdLength) {
    host.resize(kMaxReplicaIdLength - pid.size());
  }
  return host + pid;
}

}  // namespace tierd
