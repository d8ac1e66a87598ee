#include "cli/cli_run.h"

#include <catch2/catch.hpp>

#include <chrono>

namespace tierd::testing {

CliRun run_cli(const std::vector<std::string>& args, const TempDir& dir, const std::string& name,
               const std::map<std::string, std::string>& env) {
  const std::string err_path = dir.file(name + ".err");
  // Subprocess sends both streams to one file; the shell splits stderr off,
  // and sets TIERD_CONFIG only when the test asks for it.
  const char* script =
      "unset TIERD_CONFIG; [ -n \"${CLI_TIERD_CONFIG+set}\" ] && export "
      "TIERD_CONFIG=\"$CLI_TIERD_CONFIG\"; exec \"$0\" \"$@\" 2>\"$CLI_ERR_PATH\"";
  std::vector<std::string> argv = {"/bin/sh", "-c", script, TIERD_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  std::map<std::string, std::string> full_env;
  for (const auto& [k, v] : env) full_env[k == "TIERD_CONFIG" ? "CLI_TIERD_CONFIG" : k] = v;
  full_env["CLI_ERR_PATH"] = err_path;
  Subprocess p(argv, full_env, dir.file(name + ".out"));
  auto status = p.wait(std::chrono::seconds(30));
  REQUIRE(status);
  return {*status, p.log(), read_file(err_path)};
}

}  // namespace tierd::testing
