#include "formats/qr.hpp"

#include <gtest/gtest.h>
#include <png.h>
#include <qrencode.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace vpnhub::formats {
namespace {

// 79 bytes, the length of a typical SIP002 link: byte mode at level M needs version 5.
const std::string kLink =
    "ss://Y2hhY2hhMjAtaWV0Zi1wb2x5MTMwNTpzM2NyZXRQYXNzd29yZA@203.0.113.7:8388#VPNHub";

struct Image {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> gray;  // 8 bits per pixel, 0 = black, 255 = white
  bool Dark(int x, int y) const { return gray[static_cast<std::size_t>(y) * width + x] < 128; }
};

std::uint32_t BigEndian32(const std::string& bytes, std::size_t at) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<std::uint8_t>(bytes[at + i]);
  return v;
}

Image Decode(const std::string& png) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  Image out;
  if (!png_image_begin_read_from_memory(&image, png.data(), png.size())) {
    ADD_FAILURE() << "libpng cannot read the image: " << image.message;
    return out;
  }
  image.format = PNG_FORMAT_GRAY;
  out.width = static_cast<int>(image.width);
  out.height = static_cast<int>(image.height);
  out.gray.resize(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, out.gray.data(), 0, nullptr)) {
    ADD_FAILURE() << "libpng cannot decode the image: " << image.message;
    out = Image{};
  }
  png_image_free(&image);
  return out;
}

// Reads the module grid back from the image, checking on the way that every module is a
// uniform scale x scale block and that the quiet zone is light.
std::vector<std::vector<bool>> Modules(const Image& image, int scale, int margin) {
  const int modules = image.width / scale - 2 * margin;
  std::vector<std::vector<bool>> grid(modules, std::vector<bool>(modules));
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) {
      const int mx = x / scale - margin;
      const int my = y / scale - margin;
      const bool dark = image.Dark(x, y);
      if (mx < 0 || my < 0 || mx >= modules || my >= modules) {
        if (dark) {
          ADD_FAILURE() << "dark pixel in the quiet zone at " << x << "," << y;
          return grid;
        }
        continue;
      }
      if (x % scale == 0 && y % scale == 0) {
        grid[my][mx] = dark;
      } else if (grid[my][mx] != dark) {
        ADD_FAILURE() << "module " << mx << "," << my << " is not one colour";
        return grid;
      }
    }
  }
  return grid;
}

// A finder pattern: a 7x7 dark ring, a light ring, a dark 3x3 centre.
void ExpectFinderAt(const std::vector<std::vector<bool>>& grid, int left, int top) {
  for (int y = 0; y < 7; ++y) {
    for (int x = 0; x < 7; ++x) {
      const bool ring = x == 0 || y == 0 || x == 6 || y == 6;
      const bool centre = x >= 2 && x <= 4 && y >= 2 && y <= 4;
      EXPECT_EQ(grid[top + y][left + x], ring || centre)
          << "finder at " << left << "," << top << ", module " << x << "," << y;
    }
  }
}

TEST(QrPng, IsAOneBitGrayscalePngSizedByModulesMarginAndScale) {
  auto png = QrPng(kLink);
  ASSERT_TRUE(png.ok()) << png.status().ToString();
  ASSERT_GT(png->size(), 33u);
  EXPECT_EQ(png->substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(png->substr(12, 4), "IHDR");
  const int modules = 17 + 4 * 5;  // version 5
  EXPECT_EQ(BigEndian32(*png, 16), static_cast<std::uint32_t>((modules + 2 * 4) * 8));
  EXPECT_EQ(BigEndian32(*png, 20), static_cast<std::uint32_t>((modules + 2 * 4) * 8));
  EXPECT_EQ(static_cast<int>((*png)[24]), 1);  // bit depth
  EXPECT_EQ(static_cast<int>((*png)[25]), 0);  // colour type: grayscale

  auto small = QrPng("a", 3, 2);
  ASSERT_TRUE(small.ok());
  EXPECT_EQ(BigEndian32(*small, 16), static_cast<std::uint32_t>((21 + 2 * 2) * 3));  // version 1
}

TEST(QrPng, DrawsTheFinderAndTimingPatternsBlackOnWhite) {
  const int scale = 5;
  const int margin = 3;
  auto png = QrPng(kLink, scale, margin);
  ASSERT_TRUE(png.ok());
  const Image image = Decode(*png);
  ASSERT_EQ(image.width, (37 + 2 * margin) * scale);
  ASSERT_EQ(image.height, image.width);
  const auto grid = Modules(image, scale, margin);
  const int n = static_cast<int>(grid.size());
  ASSERT_EQ(n, 37);

  ExpectFinderAt(grid, 0, 0);
  ExpectFinderAt(grid, n - 7, 0);
  ExpectFinderAt(grid, 0, n - 7);
  for (int i = 0; i < 8; ++i) {  // light separators around the top-left finder
    EXPECT_FALSE(grid[7][i]) << i;
    EXPECT_FALSE(grid[i][7]) << i;
  }
  for (int i = 8; i < n - 8; ++i) {  // timing patterns alternate, dark on even modules
    EXPECT_EQ(grid[6][i], i % 2 == 0) << "row 6, module " << i;
    EXPECT_EQ(grid[i][6], i % 2 == 0) << "column 6, module " << i;
  }
}

TEST(QrPng, RendersExactlyTheMatrixLibqrencodeComputes) {
  auto png = QrPng(kLink, 2, 1);
  ASSERT_TRUE(png.ok());
  const auto grid = Modules(Decode(*png), 2, 1);
  std::unique_ptr<QRcode, void (*)(QRcode*)> code(
      QRcode_encodeString8bit(kLink.c_str(), 0, QR_ECLEVEL_M), QRcode_free);
  ASSERT_NE(code, nullptr);
  ASSERT_EQ(static_cast<int>(grid.size()), code->width);
  int mismatches = 0;
  for (int y = 0; y < code->width; ++y) {
    for (int x = 0; x < code->width; ++x) {
      if (grid[y][x] != ((code->data[y * code->width + x] & 1) != 0)) ++mismatches;
    }
  }
  EXPECT_EQ(mismatches, 0);
}

TEST(QrPng, DifferentTextsGiveDifferentImagesAndTheSameTextTheSameBytes) {
  auto a = QrPng(kLink);
  auto b = QrPng(kLink + "2");
  auto again = QrPng(kLink);
  ASSERT_TRUE(a.ok() && b.ok() && again.ok());
  EXPECT_NE(Decode(*a).gray, Decode(*b).gray);
  EXPECT_EQ(*a, *again);

  // Byte mode takes the text as given, embedded NUL included.
  auto with_nul = QrPng(std::string("a\0b", 3), 1, 0);
  auto plain = QrPng("a", 1, 0);
  ASSERT_TRUE(with_nul.ok() && plain.ok());
  EXPECT_NE(Decode(*with_nul).gray, Decode(*plain).gray);
}

TEST(QrPng, RejectsEmptyOrTooLongTextAndBadGeometry) {
  EXPECT_EQ(QrPng("").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(QrPng(std::string(kQrMaxTextBytes + 1, 'x')).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(QrPng(kLink, 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(QrPng(kLink, 33).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(QrPng(kLink, 8, -1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(QrPng(kLink, 8, 33).status().code(), StatusCode::kInvalidArgument);

  auto longest = QrPng(std::string(kQrMaxTextBytes, 'x'), 1, 0);
  ASSERT_TRUE(longest.ok()) << longest.status().ToString();
  EXPECT_LE(BigEndian32(*longest, 16), 177u);  // version 40 at most
  EXPECT_TRUE(QrPng(kLink, 1, 0).ok());
  EXPECT_TRUE(QrPng(kLink, 32, 32).ok());
}

TEST(QrPng, GivesTheSameImagesWhenCalledFromManyThreads) {
  std::vector<std::string> texts;
  std::vector<std::string> expected;
  for (int i = 0; i < 8; ++i) {
    texts.push_back(kLink + std::to_string(i));
    auto png = QrPng(texts.back());
    ASSERT_TRUE(png.ok());
    expected.push_back(*png);
  }
  std::vector<int> mismatches(texts.size(), 0);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < texts.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 20; ++round) {
        auto png = QrPng(texts[t]);
        if (!png.ok() || *png != expected[t]) ++mismatches[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (std::size_t t = 0; t < texts.size(); ++t) EXPECT_EQ(mismatches[t], 0) << t;
}

// Not a pass/fail check: prints wall and process CPU time per image for the report.
TEST(QrPng, ReportsTheCostOfATypicalLink) {
  constexpr int kRounds = 200;
  const auto wall_start = std::chrono::steady_clock::now();
  const std::clock_t cpu_start = std::clock();
  std::size_t bytes = 0;
  for (int i = 0; i < kRounds; ++i) {
    auto png = QrPng(kLink);
    ASSERT_TRUE(png.ok());
    bytes = png->size();
  }
  const double cpu_us = (std::clock() - cpu_start) * 1e6 / CLOCKS_PER_SEC / kRounds;
  const double wall_us =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - wall_start)
          .count() /
      kRounds;
  RecordProperty("cpu_us_per_image", static_cast<int>(cpu_us));
  std::printf(
      "QrPng(79-byte ss:// link, scale 8, margin 4): %.0f us CPU, %.0f us wall per image, "
      "%zu bytes\n",
      cpu_us, wall_us, bytes);
}

}  // namespace
}  // namespace vpnhub::formats
