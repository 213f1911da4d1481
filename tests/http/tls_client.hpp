#pragma once
// A blocking HTTPS/1.1 client for tests (OpenSSL): one request on a fresh connection, read until
// the server closes it. It trusts any certificate and hands back the SHA-256 of the one it got,
// so a test pins it the way the hub does.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

namespace vpnhub::testing {

struct TlsReply {
  int status = 0;
  std::string head;  // status line and headers
  std::string body;
  std::string cert_sha256;  // lowercase hex of the server certificate's DER
};

// Sends `request` (complete bytes; use "Connection: close") to ip:port over TLS. nullopt when
// the connection, the handshake or the response fails within `timeout_ms` per socket operation.
inline std::optional<TlsReply> TlsRequest(std::uint16_t port, const std::string& request,
                                          const std::string& ip = "127.0.0.1",
                                          int timeout_ms = 5000) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return std::nullopt;
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  ::inet_pton(AF_INET, ip.c_str(), &addr.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return std::nullopt;
  }
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  std::optional<TlsReply> out;
  if (SSL_connect(ssl) == 1) {
    TlsReply reply;
    if (X509* cert = SSL_get1_peer_certificate(ssl)) {
      unsigned char md[32];
      unsigned int len = 0;
      X509_digest(cert, EVP_sha256(), md, &len);
      char hex[3];
      for (unsigned i = 0; i < len; ++i) {
        std::snprintf(hex, sizeof hex, "%02x", md[i]);
        reply.cert_sha256 += hex;
      }
      X509_free(cert);
    }
    std::string raw;
    if (SSL_write(ssl, request.data(), static_cast<int>(request.size())) > 0) {
      char buf[16384];
      for (;;) {
        int n = SSL_read(ssl, buf, sizeof buf);
        if (n <= 0) break;
        raw.append(buf, static_cast<std::size_t>(n));
      }
    }
    auto end = raw.find("\r\n\r\n");
    if (end != std::string::npos && raw.rfind("HTTP/1.", 0) == 0 && raw.size() > 12) {
      reply.status = std::atoi(raw.substr(9, 3).c_str());
      reply.head = raw.substr(0, end);
      reply.body = raw.substr(end + 4);
      out = std::move(reply);
    }
  }
  ERR_clear_error();
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  ::close(fd);
  return out;
}

// Writes a self-signed EC P-256 certificate and its key (PEM) with the openssl command; false
// when it fails.
inline bool MakeTestCertificate(const std::string& cert_path, const std::string& key_path) {
  std::string cmd =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2"
      " -subj /CN=vpnhub-test -keyout '" +
      key_path + "' -out '" + cert_path + "' >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0;
}

}  // namespace vpnhub::testing
