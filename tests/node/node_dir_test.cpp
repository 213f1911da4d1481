// node init's directory and node run's reading of it, and the parsers behind node.json.
#include "node/node_dir.hpp"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <fstream>

#include "node/identity.hpp"
#include "node/node_config.hpp"

namespace vpnhub::node {
namespace {

class NodeDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() /
            ("vpnhub_node_dir_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name()))
               .string();
    std::filesystem::remove_all(dir_);
    config_.interface_name = "wg0";
    config_.endpoint = "vpn.example.com:51820";
    config_.tunnel = "10.8.0.1/24";
    config_.listen = kDefaultListen;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  unsigned Mode(const std::string& name) {
    struct stat st {};
    ::stat((std::filesystem::path(dir_) / name).c_str(), &st);
    return st.st_mode & 0777;
  }

  std::string dir_;
  NodeConfig config_;
};

TEST_F(NodeDirTest, InitWritesWhatRunReadsBack) {
  auto init = InitNodeDir(dir_, config_, false);
  ASSERT_TRUE(init.ok()) << init.status().ToString();
  EXPECT_EQ(init->node_url, "https://vpn.example.com:8443");
  EXPECT_EQ(init->token.size(), 64u);
  EXPECT_EQ(init->HubLine(),
            "vpnhub server add --kind wireguard --node https://vpn.example.com:8443"
            " --cert-sha256 " +
                init->cert_sha256 + " --token " + init->token);
  EXPECT_EQ(Mode(""), 0700u);
  EXPECT_EQ(Mode(kKeyFile), 0600u);
  EXPECT_EQ(Mode(kTokenFile), 0600u);

  auto files = LoadNodeDir(dir_);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  EXPECT_EQ(files->token, init->token);
  EXPECT_EQ(files->cert_sha256, init->cert_sha256);
  EXPECT_EQ(files->config.interface_name, "wg0");
  EXPECT_EQ(files->config.tunnel, "10.8.0.1/24");
}

TEST_F(NodeDirTest, TheCertificateIsP256ForTenYears) {
  auto id = MakeIdentity("vpn.example.com");
  ASSERT_TRUE(id.ok());
  BIO* bio = BIO_new_mem_buf(id->cert_pem.data(), static_cast<int>(id->cert_pem.size()));
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  ASSERT_NE(cert, nullptr);
  EVP_PKEY* key = X509_get0_pubkey(cert);
  char group[64] = {};
  size_t len = 0;
  EVP_PKEY_get_group_name(key, group, sizeof group, &len);
  EXPECT_STREQ(group, "prime256v1");
  std::time_t nine_years = std::time(nullptr) + 9L * 365 * 86400;
  std::time_t eleven_years = std::time(nullptr) + 11L * 365 * 86400;
  EXPECT_GT(X509_cmp_time(X509_get0_notAfter(cert), &nine_years), 0);
  EXPECT_LT(X509_cmp_time(X509_get0_notAfter(cert), &eleven_years), 0);
  X509_free(cert);
  EXPECT_EQ(CertificateSha256(id->cert_pem).value(), id->cert_sha256);
  EXPECT_NE(MakeToken(), MakeToken());
}

TEST_F(NodeDirTest, InitRefusesAnInitialisedDirectoryUnlessForced) {
  auto first = InitNodeDir(dir_, config_, false);
  ASSERT_TRUE(first.ok());
  auto again = InitNodeDir(dir_, config_, false);
  EXPECT_EQ(again.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(LoadNodeDir(dir_).value().token, first->token);
  auto forced = InitNodeDir(dir_, config_, true);
  ASSERT_TRUE(forced.ok());
  EXPECT_NE(forced->token, first->token);
  EXPECT_EQ(LoadNodeDir(dir_).value().token, forced->token);
}

TEST_F(NodeDirTest, LoadRefusesMissingOrDamagedFiles) {
  EXPECT_EQ(LoadNodeDir(dir_).status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(InitNodeDir(dir_, config_, false).ok());
  std::ofstream(std::filesystem::path(dir_) / kTokenFile) << "short\n";
  EXPECT_EQ(LoadNodeDir(dir_).status().code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(InitNodeDir(dir_, config_, true).ok());
  std::ofstream(std::filesystem::path(dir_) / kConfigFile) << R"({"interface":"wg0"})";
  EXPECT_EQ(LoadNodeDir(dir_).status().code(), StatusCode::kInvalidArgument);
}

TEST(NodeConfigTest, ParsesAddressesAndUrls) {
  std::uint32_t a = 0;
  EXPECT_TRUE(ParseIpv4("10.8.0.1", a));
  EXPECT_EQ(a, 0x0a080001u);
  EXPECT_FALSE(ParseIpv4("10.8.0", a));
  EXPECT_FALSE(ParseIpv4("10.8.0.01", a));
  EXPECT_FALSE(ParseIpv4("10.8.0.1 ", a));
  auto cidr = ParseIpv4Cidr("10.8.0.1/24");
  ASSERT_TRUE(cidr.ok());
  EXPECT_TRUE(cidr->Contains(0x0a0800ffu));
  EXPECT_FALSE(cidr->Contains(0x0a080100u));
  EXPECT_FALSE(ParseIpv4Cidr("10.8.0.1/33").ok());
  EXPECT_FALSE(ParseIpv4Cidr("10.8.0.1/").ok());
  EXPECT_EQ(ParseHostPort("[::1]:8443").value().host, "::1");
  EXPECT_EQ(ParseHostPort("h:65535").value().port, 65535);
  EXPECT_FALSE(ParseHostPort("h:0").ok());
  EXPECT_FALSE(ParseHostPort("::1:8443").ok());
  EXPECT_FALSE(ParseHostPort("a b:1").ok());
  NodeConfig c;
  c.endpoint = "vpn.example.com:51820";
  c.listen = "[::]:9443";
  EXPECT_EQ(NodeUrl(c), "https://vpn.example.com:9443");
  c.listen = "[fd00::1]:9443";
  EXPECT_EQ(NodeUrl(c), "https://[fd00::1]:9443");
  c.listen = "192.0.2.7:8443";
  EXPECT_EQ(NodeUrl(c), "https://192.0.2.7:8443");
}

}  // namespace
}  // namespace vpnhub::node
