#include "app/shutdown_signal.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <string>
#include <system_error>

namespace vpnhub::app {
namespace {

sigset_t ShutdownSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

Status ErrnoStatus(const char* what) {
  return Internal(std::string(what) + ": " + std::generic_category().message(errno));
}

}  // namespace

Result<std::unique_ptr<ShutdownSignal>> ShutdownSignal::Create() {
  const sigset_t set = ShutdownSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  const int signal_fd = signalfd(-1, &set, SFD_CLOEXEC);
  if (signal_fd < 0) return ErrnoStatus("signalfd");
  const int event_fd = eventfd(0, EFD_CLOEXEC);
  if (event_fd < 0) {
    Status st = ErrnoStatus("eventfd");
    close(signal_fd);
    return st;
  }
  return std::unique_ptr<ShutdownSignal>(new ShutdownSignal(signal_fd, event_fd));
}

ShutdownSignal::~ShutdownSignal() {
  close(signal_fd_);
  close(event_fd_);
}

void ShutdownSignal::Request(int exit_code, std::string reason) {
  {
    std::lock_guard lock(mu_);
    if (requested_) return;
    requested_ = true;
    reason_ = std::move(reason);
    exit_code_ = exit_code;
  }
  const std::uint64_t one = 1;
  (void)!write(event_fd_, &one, sizeof one);
}

ShutdownSignal::Cause ShutdownSignal::Wait() {
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (requested_) return Cause{0, reason_};
    }
    pollfd fds[2] = {{signal_fd_, POLLIN, 0}, {event_fd_, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno != EINTR) Request(1, ErrnoStatus("poll").message());  // cannot wait: end
      continue;
    }
    if (fds[0].revents & POLLIN) {
      signalfd_siginfo info{};
      if (read(signal_fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
        return Cause{static_cast<int>(info.ssi_signo), ""};
      }
    }
    // The event: the loop's first step returns the request.
  }
}

}  // namespace vpnhub::app
