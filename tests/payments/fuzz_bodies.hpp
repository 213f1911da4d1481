#pragma once
// Bodies for the fuzz-style tests of the webhook parsers: the i-th of a series of truncations,
// byte flips, random bytes and insertions around one valid (signed) body, from a seeded engine so
// a failure replays.
#include <random>
#include <string>

namespace vpnhub::payments::testing {

// `alphabet` is what insertions are made of ("" = any byte).
inline std::string FuzzedBody(const std::string& valid, int i, std::mt19937& rng,
                              const std::string& alphabet = "") {
  auto any = [&] {
    return alphabet.empty() ? static_cast<char>(rng() % 256) : alphabet[rng() % alphabet.size()];
  };
  std::string body = valid;
  switch (i % 4) {
    case 0:
      body.resize(rng() % valid.size());
      break;
    case 1:
      for (int k = 0; k < 1 + static_cast<int>(rng() % 4); ++k) {
        body[rng() % body.size()] = static_cast<char>(rng() % 256);
      }
      break;
    case 2:
      body.assign(rng() % 300, '\0');
      for (char& c : body) c = static_cast<char>(rng() % 256);
      break;
    default:
      body.insert(rng() % body.size(), std::string(1 + rng() % 8, any()));
  }
  return body;
}

}  // namespace vpnhub::payments::testing
