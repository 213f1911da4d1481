#include "formats/proxy_links.hpp"

#include "formats/ss_link.hpp"

namespace vpnhub::formats {
namespace {

bool IsQueryUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

void PutIfSet(std::map<std::string, std::string>& q, const char* key, const std::string& value) {
  if (!value.empty()) q[key] = value;
}

std::string WithQueryAndName(std::string link, const std::map<std::string, std::string>& query,
                             std::string_view name) {
  const std::string encoded = EncodeQuery(query);
  if (!encoded.empty()) link.append(1, '?').append(encoded);
  if (!name.empty()) link.append(1, '#').append(PercentEncode(name));
  return link;
}

}  // namespace

std::string QueryEscape(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (IsQueryUnreserved(c)) {
      out += ch;
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string EncodeQuery(const std::map<std::string, std::string>& query) {
  std::string out;
  for (const auto& [key, value] : query) {
    if (!out.empty()) out += '&';
    out += QueryEscape(key) + "=" + QueryEscape(value);
  }
  return out;
}

std::map<std::string, std::string> ProxyQuery(const ProxyStream& s, bool vless) {
  std::map<std::string, std::string> q;
  q["type"] = s.network;
  if (vless) q["encryption"] = "none";
  if (s.network == "tcp") {
    if (s.header_type == "http") {
      q["headerType"] = "http";
      PutIfSet(q, "path", s.path);
      PutIfSet(q, "host", s.host);
    }
  } else if (s.network == "ws") {
    PutIfSet(q, "path", s.path);
    PutIfSet(q, "host", s.host);
  } else if (s.network == "grpc") {
    PutIfSet(q, "serviceName", s.service_name);
    PutIfSet(q, "mode", s.grpc_mode);
  }
  if (s.security == "tls") {
    q["security"] = "tls";
    PutIfSet(q, "sni", s.sni);
    PutIfSet(q, "fp", s.fp);
    PutIfSet(q, "alpn", s.alpn);
  } else if (s.security == "reality") {
    q["security"] = "reality";
    PutIfSet(q, "sni", s.sni);
    PutIfSet(q, "fp", s.fp);
    PutIfSet(q, "pbk", s.pbk);
    PutIfSet(q, "sid", s.sid);
    PutIfSet(q, "spx", s.spx);
  } else {
    q["security"] = "none";
  }
  if (s.network == "tcp" && (s.security == "tls" || s.security == "reality")) {
    PutIfSet(q, "flow", s.flow);
  }
  return q;
}

std::string HostPort(std::string_view host, int port) {
  std::string h(host);
  if (h.find(':') != std::string::npos && !h.starts_with("[")) h = "[" + h + "]";
  return h + ":" + std::to_string(port);
}

std::string VlessLink(std::string_view uuid, std::string_view host, int port,
                      const ProxyStream& stream, std::string_view name) {
  return WithQueryAndName("vless://" + PercentEncode(uuid) + "@" + HostPort(host, port),
                          ProxyQuery(stream, true), name);
}

std::string TrojanLink(std::string_view password, std::string_view host, int port,
                       const ProxyStream& stream, std::string_view name) {
  return WithQueryAndName("trojan://" + PercentEncode(password) + "@" + HostPort(host, port),
                          ProxyQuery(stream, false), name);
}

std::string Shadowsocks2022Link(std::string_view method, std::string_view server_psk,
                                std::string_view user_psk, std::string_view host, int port,
                                std::string_view network, std::string_view name) {
  std::map<std::string, std::string> q;
  q["type"] = network.empty() ? "tcp" : std::string(network);
  return WithQueryAndName("ss://" + PercentEncode(method) + ":" + PercentEncode(server_psk) + ":" +
                              PercentEncode(user_psk) + "@" + HostPort(host, port),
                          q, name);
}

}  // namespace vpnhub::formats
