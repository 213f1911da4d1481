#pragma once
// QR codes for share links, rendered as PNG images for Telegram's sendPhoto. Pure function, no
// I/O; safe to call from several threads at once.
#include <cstddef>
#include <string>
#include <string_view>

#include "core/status.hpp"

namespace vpnhub::formats {

// The longest text QrPng accepts, in bytes. Byte-mode QR codes at error-correction level M hold
// at most 2331 bytes (version 40); the lower limit keeps images scannable from a phone screen.
inline constexpr std::size_t kQrMaxTextBytes = 2000;

// Encodes `text` byte for byte (QR byte mode, error-correction level M, the smallest version that
// fits) and returns the bytes of a PNG file: 1-bit grayscale, black modules on white, each module
// `scale` x `scale` pixels, with a quiet zone of `margin` light modules on every side, so the image
// is (modules + 2 * margin) * scale pixels square.
// Errors: kInvalidArgument when `text` is empty or longer than kQrMaxTextBytes, or when scale is
// outside 1..32 or margin outside 0..32; kInternal if libqrencode or libpng fail (out of memory).
Result<std::string> QrPng(std::string_view text, int scale = 8, int margin = 4);

}  // namespace vpnhub::formats
