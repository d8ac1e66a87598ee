#include "support/process_harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <httplib.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace tierd::testing {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string templ = std::string(base && *base ? base : "/tmp") + "/tierd-test-XXXXXX";
  if (!mkdtemp(templ.data())) throw std::runtime_error("mkdtemp failed");
  path_ = templ;
}

TempDir::~TempDir() {
  std::error_code ec;
  if (!std::getenv("TIERD_KEEP_TEST_DIRS")) std::filesystem::remove_all(path_, ec);
}

Subprocess::Subprocess(std::vector<std::string> argv, const std::map<std::string, std::string>& env,
                       std::string log_path)
    : log_path_(std::move(log_path)) {
  int log_fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) throw std::runtime_error("cannot open log " + log_path_);
  // A close-on-exec pipe tells the parent when the child has exec'ed, so a
  // signal sent right after construction reaches the program, not the forked
  // copy of the test runner with its signal handlers.
  int ready[2];
  if (::pipe2(ready, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::close(ready[0]);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &dfl, nullptr);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    char failed = 1;
    (void)!::write(ready[1], &failed, 1);
    _exit(127);
  }
  ::close(log_fd);
  ::close(ready[1]);
  char byte;
  ssize_t n;
  do {
    n = ::read(ready[0], &byte, 1);
  } while (n < 0 && errno == EINTR);
  ::close(ready[0]);
  if (n > 0) {
    wait(std::chrono::seconds(5));
    throw std::runtime_error("cannot execute " + argv[0]);
  }
}

Subprocess::~Subprocess() {
  if (running()) {
    ::kill(pid_, SIGKILL);
    wait(std::chrono::seconds(10));
  }
}

void Subprocess::signal(int sig) {
  if (pid_ > 0 && !exit_status_) ::kill(pid_, sig);
}

bool Subprocess::running() {
  if (exit_status_) return false;
  return !wait(std::chrono::milliseconds(0)).has_value();
}

std::optional<int> Subprocess::wait(std::chrono::milliseconds timeout) {
  if (exit_status_) return exit_status_;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return exit_status_;
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::string Subprocess::log() const {
  return read_file(log_path_);
}

bool Subprocess::wait_for_log(const std::string& text, std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (log().find(text) == std::string::npos) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

std::optional<int> wait_for_listening_port(const Subprocess& process,
                                           std::chrono::milliseconds timeout) {
  if (!process.wait_for_log("listening on ", timeout)) return std::nullopt;
  std::smatch m;
  const std::string log = process.log();
  if (!std::regex_search(log, m, std::regex(R"(listening on 127\.0\.0\.1:(\d+))")))
    return std::nullopt;
  return std::stoi(m[1]);
}

namespace {

// The kernel's range for ports it picks itself (bind to port 0, the local
// end of outgoing connections); {32768, 60999} when it cannot be read.
std::pair<int, int> ephemeral_range() {
  std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
  int low = 0, high = 0;
  if (in >> low >> high && low > 0 && high >= low) return {low, high};
  return {32768, 60999};
}

// Binds a loopback socket to `port` (0: the kernel picks one) and closes it
// again: the port it got, or -1 with errno set.
int bind_loopback(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  socklen_t len = sizeof addr;
  int bound = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    bound = ntohs(addr.sin_port);
  }
  const int error = errno;
  ::close(fd);
  errno = error;
  return bound;
}

// Holds `port` for this process until it exits: an flock() on a file named
// after it, which every test process on the machine asks for first. False
// when another process (or an earlier call here) holds it.
bool reserve(int port) {
  static std::mutex mutex;
  static std::vector<int> held;  // open for the process's lifetime, on purpose
  const char* base = std::getenv("TMPDIR");
  const std::string dir = std::string(base && *base ? base : "/tmp") + "/tierd-test-ports";
  if (::mkdir(dir.c_str(), 01777) == 0) ::chmod(dir.c_str(), 01777);
  const std::string file = dir + "/" + std::to_string(port);
  int fd = ::open(file.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0666);
  if (fd < 0) return true;  // no lock to be had: the bind check alone
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return false;
  }
  std::lock_guard<std::mutex> lock(mutex);
  held.push_back(fd);
  return true;
}

}  // namespace

// A port handed out here may sit unbound for a while: tierd's, between a
// kill and a restart, while the simulator keeps delivering to it. So it comes
// from below the kernel's ephemeral range, where no port-0 server or outgoing
// connection of another test can take it meanwhile, and is reserved across
// the test processes running side by side (ctest -j), each of which would
// otherwise draw from the same ports.
int free_loopback_port() {
  const auto [low, high] = ephemeral_range();
  constexpr int kFirst = 10000;
  if (low - kFirst >= 1000) {
    static std::mt19937 random{std::random_device{}()};
    static std::mutex mutex;
    std::uniform_int_distribution<int> pick(kFirst, low - 1);
    for (int attempt = 0; attempt < 200; ++attempt) {
      int port;
      {
        std::lock_guard<std::mutex> lock(mutex);
        port = pick(random);
      }
      if (bind_loopback(port) == port && reserve(port)) return port;
    }
  }
  // A machine whose ephemeral range leaves no room below it: the kernel's pick.
  for (int attempt = 0; attempt < 200; ++attempt) {
    const int port = bind_loopback(0);
    if (port < 0) {
      throw std::runtime_error(std::string("no free loopback port: ") + std::strerror(errno));
    }
    if (reserve(port)) return port;
  }
  throw std::runtime_error("no free loopback port: every one tried is reserved by another test");
}

bool wait_for_http(int port, const std::string& path, std::chrono::milliseconds timeout,
                   int expected_status) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(std::chrono::milliseconds(200));
  client.set_read_timeout(std::chrono::seconds(2));
  while (std::chrono::steady_clock::now() < deadline) {
    auto res = client.Get(path);
    if (res && res->status == expected_status) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  return false;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

}  // namespace tierd::testing
