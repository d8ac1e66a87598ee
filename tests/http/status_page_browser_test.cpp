// The status page as an admin's browser shows it: headless Chromium (Debian's
// chromium package) opens the page on the admin listener with the token as
// the Basic password, its DOM is checked for the mode, the version, the
// review queue, a ticket link and an agent's name, and its screenshot is kept
// under the build folder (the path is printed). Labelled "browser" in CTest:
// `ctest -LE browser` leaves it out where no Chromium is installed.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <cstdlib>
#include <iostream>
#include <string>

#include "http/admin_stack.h"
#include "support/live_stack.h"
#include "support/process_harness.h"

using namespace tierd::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// Runs headless Chromium on `url` with `what` ("--dump-dom" or
// "--screenshot=FILE"), its output in `out`. Bounded: a browser that hangs
// fails the test in 30 s instead of holding the suite.
int chromium(const TempDir& dir, const std::string& what, const std::string& url,
             const std::string& out) {
  const std::string command =
      "timeout -k 5 30 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage "
      "--hide-scrollbars --window-size=1280,1800 --user-data-dir='" +
      dir.file("chromium-profile") + "' " + what + " '" + url + "' > '" + out + "' 2>'" +
      dir.file("chromium.log") + "'";
  return std::system(command.c_str());
}

}  // namespace

TEST_CASE("the status page renders in a browser with mode, version, review queue, links and names",
          "[integration][admin][browser]") {
  SceneStack s;
  const TempDir& dir = s.dir;
  const int admin_port = s.admin_port;
  const StatusScene& scene = s.scene;
  const json status = status_with_names(admin_port);

  const std::string base = "http://127.0.0.1:" + std::to_string(admin_port) + "/";
  const std::string url =
      "http://admin:" + std::string(kAdminToken) + "@127.0.0.1:" + std::to_string(admin_port) + "/";
  REQUIRE(chromium(dir, "--dump-dom", url, dir.file("dom.html")) == 0);
  const std::string dom = read_file(dir.file("dom.html"));
  INFO(dom.substr(0, 6000));
  CHECK(dom.find("<h1>tierd status</h1>") != std::string::npos);
  CHECK(dom.find("id=\"mode\" class=\"badge live\">live</span>") != std::string::npos);
  CHECK(dom.find("<span id=\"version\">tierd " + status["version"].get<std::string>() +
                 "</span>") != std::string::npos);
  CHECK(dom.find("Everything is working.") != std::string::npos);
  CHECK(dom.find("1 ticket waits for review") != std::string::npos);
  const std::string link = status["review"]["tickets"][0]["url"].get<std::string>();
  CHECK(dom.find("<a class=\"ticket\" href=\"" + link + "\">#" + std::to_string(scene.in_review) +
                 "</a>") != std::string::npos);
  // The browser shows the name as written, and no markup came out of it.
  CHECK(dom.find("Robin O'Hara &lt;Reviews &amp; Triage&gt;") != std::string::npos);
  CHECK(dom.find(std::string(kNamedAgentName) + " <span class=\"muted\">(" +
                 std::to_string(kNamedAgent) + ")") != std::string::npos);
  CHECK(dom.find("3 entered, 1 solved, 1 escalated") != std::string::npos);
  CHECK(dom.find("#" + std::to_string(scene.running)) != std::string::npos);  // its clock

  // The screenshot, for a person to look at.
  mkdir(TIERD_TEST_ARTIFACTS_DIR, 0755);
  const std::string shot = std::string(TIERD_TEST_ARTIFACTS_DIR) + "/status-page.png";
  std::remove(shot.c_str());
  REQUIRE(chromium(dir, "--screenshot='" + shot + "'", url, dir.file("screenshot.log")) == 0);
  struct stat st {};
  REQUIRE(stat(shot.c_str(), &st) == 0);
  CHECK(st.st_size > 10000);
  std::cout << "status page screenshot: " << shot << "\n";

  // Without credentials the browser gets no page.
  REQUIRE(chromium(dir, "--dump-dom", base, dir.file("refused.html")) == 0);
  CHECK(read_file(dir.file("refused.html")).find("tierd status") == std::string::npos);
}
