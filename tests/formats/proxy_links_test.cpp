// formats/proxy_links against golden files (tests/formats/golden/*.link: one link, no newline),
// and each golden parsed back by the independent parser parse_link of
// tests/servers/v2ray/v2ray_core.py (round trip).
#include "formats/proxy_links.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

namespace vpnhub::formats {
namespace {

using nlohmann::json;

std::string Golden(const std::string& name) {
  std::ifstream in(std::string(VPNHUB_FORMATS_GOLDEN_DIR) + "/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

constexpr char kUuid[] = "0b4a2f4e-8d0c-4a57-9c6e-3c1f2d5e7a90";
constexpr char kName[] = "VPNHub | Амстердам #1";

ProxyStream Reality() {
  ProxyStream s;
  s.network = "tcp";
  s.security = "reality";
  s.sni = "www.microsoft.com";
  s.fp = "chrome";
  s.pbk = "Z84J2IelR9ch3k8VtlVhhs5ycBUlXA7wHBWcBrjqnAw";
  s.sid = "6ba85179e30d4fc2";
  s.spx = "/";
  s.flow = "xtls-rprx-vision";
  return s;
}

ProxyStream WsTls() {
  ProxyStream s;
  s.network = "ws";
  s.security = "tls";
  s.sni = "vpn.test";
  s.alpn = "h2,http/1.1";
  s.path = "/vl path";
  s.host = "cdn.example";
  s.flow = "xtls-rprx-vision";  // not written: vision only over raw tcp
  return s;
}

ProxyStream Grpc() {
  ProxyStream s;
  s.network = "grpc";
  s.service_name = "vlgrpc";
  s.grpc_mode = "multi";
  return s;
}

ProxyStream TrojanTls() {
  ProxyStream s;
  s.security = "tls";
  s.sni = "vpn.test";
  s.fp = "firefox";
  return s;
}

struct Case {
  const char* golden;
  std::string link;
};

std::vector<Case> Cases() {
  return {
      {"xui_vless_reality.link", VlessLink(kUuid, "203.0.113.7", 443, Reality(), kName)},
      {"xui_vless_ws_tls.link", VlessLink(kUuid, "vpn.example", 8443, WsTls(), kName)},
      {"xui_vless_grpc_ipv6.link", VlessLink(kUuid, "2001:db8::7", 2096, Grpc(), kName)},
      {"xui_trojan_tls.link",
       TrojanLink("0b4a2f4e8d0c4a579c6e3c1f2d5e7a90", "vpn.example", 443, TrojanTls(), kName)},
      {"xui_ss2022.link",
       Shadowsocks2022Link("2022-blake3-aes-128-gcm", "Y3/d+tZEG3r7w5oUa8gTCA==",
                           "q1Qt9zK8rVv0+I5X/2mJ4w==", "vpn.example", 8388, "tcp", kName)},
  };
}

TEST(ProxyLinks, MatchTheGoldenFiles) {
  for (const auto& c : Cases()) EXPECT_EQ(c.link, Golden(c.golden)) << c.golden;
}

TEST(ProxyLinks, QueryIsSortedAndEscapedAsGoWrites) {
  EXPECT_EQ(QueryEscape("a b/c+d~e_f.g-h"), "a+b%2Fc%2Bd~e_f.g-h");
  EXPECT_EQ(EncodeQuery({{"type", "ws"}, {"alpn", "h2,http/1.1"}, {"path", "/x"}}),
            "alpn=h2%2Chttp%2F1.1&path=%2Fx&type=ws");
  EXPECT_EQ(HostPort("2001:db8::1", 443), "[2001:db8::1]:443");
  EXPECT_EQ(HostPort("[2001:db8::1]", 443), "[2001:db8::1]:443");
  EXPECT_EQ(HostPort("h", 1), "h:1");
}

TEST(ProxyLinks, FlowOnlyOverRawTcpWithTlsOrReality) {
  ProxyStream s = Reality();
  EXPECT_EQ(ProxyQuery(s, true).count("flow"), 1u);
  s.security = "none";
  EXPECT_EQ(ProxyQuery(s, true).count("flow"), 0u);
  EXPECT_EQ(ProxyQuery(s, true).at("security"), "none");
  EXPECT_EQ(ProxyQuery(WsTls(), true).count("flow"), 0u);
  EXPECT_EQ(ProxyQuery(TrojanTls(), false).count("encryption"), 0u);
}

// parse_link(link) of v2ray_core.py as JSON, through /usr/bin/python3.
json ParseWithPython(const std::string& link) {
  std::string quoted = "'";
  for (char c : link) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  quoted += "'";
  const std::string cmd = std::string(VPNHUB_PYTHON_FOR_LINKS) +
                          " -c 'import sys, json; sys.path.insert(0, sys.argv[1]); "
                          "from v2ray_core import parse_link; "
                          "print(json.dumps(parse_link(sys.argv[2])))' '" +
                          VPNHUB_V2RAY_CORE_DIR + "' " + quoted + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return json();
  std::string out;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  ::pclose(p);
  json j = json::parse(out, nullptr, false);
  EXPECT_TRUE(j.is_object()) << "parse_link: " << out;
  return j;
}

TEST(ProxyLinks, GoldensParseBackWithTheIndependentParser) {
  if (std::ifstream(VPNHUB_PYTHON_FOR_LINKS).good() == false) {
    GTEST_SKIP() << VPNHUB_PYTHON_FOR_LINKS << " is missing";
  }
  json j = ParseWithPython(Golden("xui_vless_reality.link"));
  EXPECT_EQ(j["scheme"], "vless");
  EXPECT_EQ(j["id"], kUuid);
  EXPECT_EQ(j["host"], "203.0.113.7");
  EXPECT_EQ(j["port"], 443);
  EXPECT_EQ(j["name"], kName);
  EXPECT_EQ(j["params"], json({{"type", "tcp"},
                               {"encryption", "none"},
                               {"security", "reality"},
                               {"sni", "www.microsoft.com"},
                               {"fp", "chrome"},
                               {"pbk", "Z84J2IelR9ch3k8VtlVhhs5ycBUlXA7wHBWcBrjqnAw"},
                               {"sid", "6ba85179e30d4fc2"},
                               {"spx", "/"},
                               {"flow", "xtls-rprx-vision"}}));

  j = ParseWithPython(Golden("xui_vless_ws_tls.link"));
  EXPECT_EQ(j["port"], 8443);
  EXPECT_EQ(j["params"]["path"], "/vl path");
  EXPECT_EQ(j["params"]["host"], "cdn.example");
  EXPECT_EQ(j["params"]["alpn"], "h2,http/1.1");
  EXPECT_EQ(j["params"]["sni"], "vpn.test");
  EXPECT_FALSE(j["params"].contains("flow"));

  j = ParseWithPython(Golden("xui_vless_grpc_ipv6.link"));
  EXPECT_EQ(j["host"], "2001:db8::7");
  EXPECT_EQ(j["port"], 2096);
  EXPECT_EQ(j["params"]["serviceName"], "vlgrpc");
  EXPECT_EQ(j["params"]["mode"], "multi");
  EXPECT_EQ(j["params"]["security"], "none");

  j = ParseWithPython(Golden("xui_trojan_tls.link"));
  EXPECT_EQ(j["scheme"], "trojan");
  EXPECT_EQ(j["password"], "0b4a2f4e8d0c4a579c6e3c1f2d5e7a90");
  EXPECT_EQ(j["params"]["security"], "tls");
  EXPECT_EQ(j["params"]["fp"], "firefox");
  EXPECT_EQ(j["name"], kName);

  j = ParseWithPython(Golden("xui_ss2022.link"));
  EXPECT_EQ(j["scheme"], "ss");
  EXPECT_EQ(j["method"], "2022-blake3-aes-128-gcm");
  EXPECT_EQ(j["password"], "Y3/d+tZEG3r7w5oUa8gTCA==:q1Qt9zK8rVv0+I5X/2mJ4w==")
      << "SIP022: the server key, ':', the user key";
  EXPECT_EQ(j["port"], 8388);
  EXPECT_EQ(j["name"], kName);
}

}  // namespace
}  // namespace vpnhub::formats
