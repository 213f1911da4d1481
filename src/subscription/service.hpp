#pragma once
// The subscription documents of `GET /sub/<token>` (issue 18), cached in memory.
//
// A person's page (their active keys on enabled, healthy servers, as formats::SubscriptionEntry,
// plus what the subscription-userinfo header reports) is read from the store once and kept in a
// bounded LRU cache (by bytes), keyed by person, together with the person's sub_version; each
// format's document is rendered from it on first use and kept with it. A cache hit reads no
// database and takes only a shard's mutex, so it may run on an io thread; Load (a miss) reads the
// store and must not.
//
// Invalidation: the database keeps a change feed (migration 0017: triggers on keys, servers,
// locations and users.sub_version, in the transaction of each change). A poller thread reads the
// new rows every `poll_interval` and drops the persons they name (a server or location change
// drops everyone), so every instance serves a change within about one poll interval of its
// commit. Feed ids may commit out of order (PostgreSQL): each poll reads again the rows of the
// last 30 s (at least the last 1,000 ids), so a row committed below ids already read is seen when
// its transaction committed within 30 s of writing it. A page loaded while a change of its shard
// was being applied is answered but not cached.
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/domain.hpp"
#include "core/ports/event_log.hpp"
#include "core/ports/store.hpp"
#include "core/usecases/backends.hpp"
#include "formats/subscription.hpp"
#include "subscription/token.hpp"

namespace vpnhub::subscription {

struct Options {
  std::string brand;        // NAME: entries are "<NAME> | <location>"
  std::string signing_key;  // SUBSCRIPTION_SIGNING_KEY
  std::size_t cache_bytes = 256u << 20;
  std::chrono::milliseconds poll_interval{1000};
};

// One format's document of one page, as served.
struct Document {
  // 200, or 404 when the format has nothing for these keys (a URI list then is 200 and empty)
  int status = 200;
  formats::SubscriptionDocument doc;
  std::string etag;  // quoted, strong
};

// What the cache keeps for one person.
struct Page {
  Id person = 0;
  std::int64_t version = 0;
  std::vector<formats::SubscriptionEntry> entries;
  std::int64_t expire_unix = 0;  // the latest expiry of the listed keys; 0 when none
  std::int64_t total_bytes = 0;  // the sum of their traffic limits; 0 when any is unlimited
};

struct Answer {
  enum class Kind { kDocument, kNotFound };
  Kind kind = Kind::kNotFound;
  std::shared_ptr<const Page> page;
  std::shared_ptr<const Document> document;
};

class Service {
 public:
  // `store`, `backends` and `log` must outlive the service.
  Service(ports::Store& store, const usecases::Backends& backends, ports::EventLog& log,
          Options options);
  ~Service();  // Stop()s
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  std::string TokenFor(Id person, std::int64_t version) const;

  // From the cache only (no I/O): nullopt when the token's person is not cached (call Load off
  // the io thread); kNotFound for a malformed token or one that is not the cached person's
  // current token.
  std::optional<Answer> FromCache(std::string_view token, formats::SubscriptionFormat format);
  // Reads the person from the store (blocking), caches the page and answers. kNotFound for a
  // bad token, an unknown person; an error Status when the store cannot be read.
  Result<Answer> Load(std::string_view token, formats::SubscriptionFormat format);

  // The change-feed poller: Start after construction, Stop before the store goes. Start reads the
  // feed's current end first (changes before it are already in no cache).
  Status Start();
  void Stop();
  // One poll of the feed (what the poller does every poll_interval); for tests. Thread-safe.
  Status PollOnce();

  // Drops every cached page (also done for a server or location change).
  void InvalidateAll();
  void Invalidate(Id person);

  std::size_t cached_pages() const;
  std::size_t cached_bytes() const;
  std::uint64_t loads() const { return loads_.load(); }

 private:
  static constexpr std::size_t kShards = 64;
  struct Entry {
    std::shared_ptr<const Page> page;
    std::array<std::shared_ptr<const Document>, 6> docs;
    std::size_t bytes = 0;
    std::list<Id>::iterator lru;
  };
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<Id, Entry> entries;
    std::list<Id> lru;  // most recent first
    std::size_t bytes = 0;
    std::uint64_t generation = 0;  // bumped by every invalidation touching the shard
  };
  Shard& ShardOf(Id person) { return shards_[static_cast<std::size_t>(person) % kShards]; }
  Answer Serve(Shard& shard, Entry& entry, formats::SubscriptionFormat format);
  Result<std::shared_ptr<const Page>> ReadPage(Id person);
  void EraseLocked(Shard& shard, std::unordered_map<Id, Entry>::iterator it);
  // Drops the least recently fetched pages while the shard is over its share of cache_bytes.
  void TrimLocked(Shard& shard);
  void Run();

  ports::Store& store_;
  const usecases::Backends& backends_;
  ports::EventLog& log_;
  Options options_;
  TokenSigner signer_;
  std::array<Shard, kShards> shards_;
  std::atomic<std::uint64_t> loads_{0};

  // The poller.
  std::mutex feed_mu_;  // PollOnce: feed_end_, seen_, marks_, last_purge_
  std::mutex poll_mu_;
  std::condition_variable poll_cv_;
  bool stopping_ = false;
  std::thread poller_;
  std::int64_t feed_end_ = 0;    // the largest feed id seen
  std::set<std::int64_t> seen_;  // ids seen within the look-back window below feed_end_
  // (time, feed_end_) after each poll, oldest first: a poll reads again above the newest mark
  // at least kSettle (service.cpp) old, so that a row committed late below ids read is seen.
  std::deque<std::pair<std::chrono::steady_clock::time_point, std::int64_t>> marks_;
  std::chrono::steady_clock::time_point last_purge_{};
};

}  // namespace vpnhub::subscription
