#include <catch2/catch.hpp>

#include <unistd.h>

#include <cctype>
#include <string>

#include "replica/replica_id.h"

using namespace tierd;

TEST_CASE("the default replica id is the host name and the process id", "[replica]") {
  CHECK(replica_id_or_default("web-1") == "web-1");
  const std::string id = replica_id_or_default("");
  const std::string pid = "-" + std::to_string(::getpid());
  REQUIRE(id.size() > pid.size());
  CHECK(id.size() <= 64);
  CHECK(id.substr(id.size() - pid.size()) == pid);
  for (char ch : id) {
    CHECK((std::isalnum(static_cast<unsigned char>(ch)) ||
           std::string("._-:").find(ch) != std::string::npos));
  }
}
