#include "formats/qr.hpp"

#include <png.h>
#include <qrencode.h>

#include <cerrno>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace vpnhub::formats {
namespace {

constexpr int kMaxScale = 32;
constexpr int kMaxMargin = 32;

struct QrCodeDeleter {
  void operator()(QRcode* code) const { QRcode_free(code); }
};

// A 1-bit image as PNG stores it: rows of `stride` bytes, most significant bit first, 1 = white.
struct Bitmap {
  int size = 0;
  std::size_t stride = 0;
  std::vector<unsigned char> bits;
};

Bitmap Render(const QRcode& code, int scale, int margin) {
  Bitmap bitmap;
  bitmap.size = (code.width + 2 * margin) * scale;
  bitmap.stride = (static_cast<std::size_t>(bitmap.size) + 7) / 8;
  bitmap.bits.assign(bitmap.stride * static_cast<std::size_t>(bitmap.size), 0xFF);
  for (int my = 0; my < code.width; ++my) {
    unsigned char* first_row =
        bitmap.bits.data() + static_cast<std::size_t>((my + margin) * scale) * bitmap.stride;
    for (int mx = 0; mx < code.width; ++mx) {
      // Bit 0 of each libqrencode byte is the module colour (1 = dark); the others are metadata.
      if ((code.data[my * code.width + mx] & 1) == 0) continue;
      const int x0 = (mx + margin) * scale;
      for (int x = x0; x < x0 + scale; ++x) {
        first_row[x / 8] &= static_cast<unsigned char>(~(0x80u >> (x % 8)));
      }
    }
    for (int i = 1; i < scale; ++i) {
      std::memcpy(first_row + static_cast<std::size_t>(i) * bitmap.stride, first_row,
                  bitmap.stride);
    }
  }
  return bitmap;
}

// Plain data shared with the libpng callbacks, which must not throw through C frames.
struct PngSink {
  std::string* out = nullptr;
  char error[160] = {};
};

void OnPngError(png_structp png, png_const_charp message) {
  auto* sink = static_cast<PngSink*>(png_get_error_ptr(png));
  std::snprintf(sink->error, sizeof(sink->error), "%s", message ? message : "unknown error");
  png_longjmp(png, 1);
}

void OnPngWarning(png_structp, png_const_charp) {}

void OnPngWrite(png_structp png, png_bytep data, png_size_t length) {
  auto* sink = static_cast<PngSink*>(png_get_io_ptr(png));
  bool failed = false;
  try {
    sink->out->append(reinterpret_cast<const char*>(data), length);
  } catch (...) {
    failed = true;
  }
  // Outside the handler: png_error longjmps, which must not skip a live exception.
  if (failed) png_error(png, "out of memory");
}

void OnPngFlush(png_structp) {}

// libpng reports errors by longjmp to the setjmp below, so nothing in this frame may have a
// destructor; the caller owns the bitmap and the output string.
bool WritePng(const Bitmap* bitmap, PngSink* sink) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, sink, OnPngError, OnPngWarning);
  if (png == nullptr) return false;
  png_infop info = png_create_info_struct(png);
  if (info == nullptr) {
    png_destroy_write_struct(&png, nullptr);
    return false;
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return false;
  }
  png_set_write_fn(png, sink, OnPngWrite, OnPngFlush);
  png_set_IHDR(png, info, static_cast<png_uint_32>(bitmap->size),
               static_cast<png_uint_32>(bitmap->size), 1, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  // Row filters do not help 1-bit images (libpng's own advice) and cost time.
  png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_NONE);
  // A QR image is `scale` copies of each pixel row, so a 4 KiB window (more than the widest row,
  // 964 bytes) finds every repeat. zlib's default 256 KiB of state cost ~4x the time (allocation
  // and page faults) for the same 495-byte output of a typical link.
  png_set_compression_mem_level(png, 4);
  png_set_compression_window_bits(png, 12);
  png_write_info(png, info);
  for (int y = 0; y < bitmap->size; ++y) {
    png_write_row(png, bitmap->bits.data() + static_cast<std::size_t>(y) * bitmap->stride);
  }
  png_write_end(png, info);
  png_destroy_write_struct(&png, &info);
  return true;
}

}  // namespace

Result<std::string> QrPng(std::string_view text, int scale, int margin) {
  if (text.empty()) return InvalidArgument("QR text is empty");
  if (text.size() > kQrMaxTextBytes) {
    return InvalidArgument("QR text is " + std::to_string(text.size()) + " bytes, more than " +
                           std::to_string(kQrMaxTextBytes));
  }
  if (scale < 1 || scale > kMaxScale) {
    return InvalidArgument("QR scale " + std::to_string(scale) + " is outside 1.." +
                           std::to_string(kMaxScale));
  }
  if (margin < 0 || margin > kMaxMargin) {
    return InvalidArgument("QR margin " + std::to_string(margin) + " is outside 0.." +
                           std::to_string(kMaxMargin));
  }

  // Byte mode via encodeData: the text may hold any bytes, NUL included.
  errno = 0;
  std::unique_ptr<QRcode, QrCodeDeleter> code(
      QRcode_encodeData(static_cast<int>(text.size()),
                        reinterpret_cast<const unsigned char*>(text.data()), 0, QR_ECLEVEL_M));
  if (code == nullptr) {
    const int error = errno;
    if (error == ERANGE) return InvalidArgument("QR text does not fit in a QR code");
    if (error == ENOMEM) return Internal("libqrencode: out of memory");
    return Internal("libqrencode failed, errno " + std::to_string(error));
  }

  const Bitmap bitmap = Render(*code, scale, margin);
  std::string png;
  png.reserve(1024);
  PngSink sink;
  sink.out = &png;
  if (!WritePng(&bitmap, &sink)) {
    return Internal(std::string("libpng failed: ") +
                    (sink.error[0] != '\0' ? sink.error : "cannot allocate"));
  }
  return png;
}

}  // namespace vpnhub::formats
