#include "subscription/service.hpp"

#include <sodium.h>

#include <algorithm>
#include <map>

#include "formats/share_name.hpp"

namespace vpnhub::subscription {
namespace {

constexpr int kFeedPage = 5000;
// How far below the newest feed id a poll looks again: PostgreSQL identity values are taken in
// insertion order but may commit out of order, so a row may appear below one already seen.
constexpr std::int64_t kLookBack = 1000;
// ... and at least this far back in time: every row above the feed's end as it was kSettle ago
// is read again, however many ids other transactions took and committed meanwhile (an expiry
// sweep's batch alone takes 500). A change whose transaction commits within kSettle of writing
// its row is seen.
constexpr std::chrono::seconds kSettle{30};
// Rows kept in the feed (older ones are purged about once a minute).
constexpr std::int64_t kKeepRows = 100000;
constexpr std::size_t kPageOverhead = 256;

bool IsHttpUrl(const std::string& s) {
  return s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0;
}

std::string Hex(const unsigned char* data, std::size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out += kHex[data[i] >> 4];
    out += kHex[data[i] & 15];
  }
  return out;
}

std::size_t PageBytes(const Page& page) {
  std::size_t n = kPageOverhead;
  for (const auto& e : page.entries) n += e.name.size() + e.link.size() + e.conf.size() + 96;
  return n;
}

std::shared_ptr<const Document> Render(const Page& page, formats::SubscriptionFormat format) {
  auto out = std::make_shared<Document>();
  auto rendered = formats::RenderSubscription(format, page.entries);
  const bool uri_list = format == formats::SubscriptionFormat::kBase64 ||
                        format == formats::SubscriptionFormat::kPlain;
  if (!rendered.ok() && uri_list && rendered.status().code() == StatusCode::kNotFound) {
    // A valid link of a person with no key to list (all revoked, or their servers down): an
    // empty list, so that the app drops the keys it had instead of keeping them on an error.
    out->doc.content_type = "text/plain; charset=utf-8";
    out->doc.file_extension = "txt";
  } else if (!rendered.ok()) {
    out->status = 404;
    out->doc.content_type = "text/plain; charset=utf-8";
    out->doc.body = "nothing in this format\n";
  } else {
    out->doc = std::move(*rendered);
  }
  // The ETag covers everything the answer carries: the body and the userinfo header's values.
  std::string tagged = std::to_string(out->status) + "\n" + out->doc.content_type + "\n" +
                       out->doc.file_extension + "\n" + std::to_string(page.expire_unix) + "\n" +
                       std::to_string(page.total_bytes) + "\n" + out->doc.body;
  unsigned char hash[16];
  crypto_generichash(hash, sizeof hash, reinterpret_cast<const unsigned char*>(tagged.data()),
                     tagged.size(), nullptr, 0);
  out->etag = "\"" + Hex(hash, sizeof hash) + "\"";
  return out;
}

}  // namespace

Service::Service(ports::Store& store, const usecases::Backends& backends, ports::EventLog& log,
                 Options options)
    : store_(store),
      backends_(backends),
      log_(log),
      options_(std::move(options)),
      signer_(options_.signing_key) {}

Service::~Service() { Stop(); }

std::string Service::TokenFor(Id person, std::int64_t version) const {
  return signer_.Token(person, version);
}

Answer Service::Serve(Shard& shard, Entry& entry, formats::SubscriptionFormat format) {
  auto& doc = entry.docs[static_cast<std::size_t>(format)];
  if (!doc) {
    doc = Render(*entry.page, format);
    entry.bytes += doc->doc.body.size() + doc->doc.content_type.size() + 64;
    shard.bytes += doc->doc.body.size() + doc->doc.content_type.size() + 64;
  }
  Answer a;
  a.kind = Answer::Kind::kDocument;
  a.page = entry.page;
  a.document = doc;
  return a;
}

std::optional<Answer> Service::FromCache(std::string_view token,
                                         formats::SubscriptionFormat format) {
  const auto person = TokenSigner::ClaimedPerson(token);
  if (!person) return Answer{};
  Shard& shard = ShardOf(*person);
  std::lock_guard lock(shard.mu);
  auto it = shard.entries.find(*person);
  if (it == shard.entries.end()) return std::nullopt;
  if (!signer_.Verify(token, *person, it->second.page->version)) return Answer{};
  shard.lru.splice(shard.lru.begin(), shard.lru, it->second.lru);
  // A format rendered now adds to the shard: the least recently fetched pages make room for it.
  Answer answer = Serve(shard, it->second, format);
  TrimLocked(shard);
  return answer;
}

Result<Answer> Service::Load(std::string_view token, formats::SubscriptionFormat format) {
  const auto person = TokenSigner::ClaimedPerson(token);
  if (!person) return Answer{};
  Shard& shard = ShardOf(*person);
  std::uint64_t generation = 0;
  {
    std::lock_guard lock(shard.mu);
    generation = shard.generation;
  }
  loads_.fetch_add(1);
  auto page = ReadPage(*person);
  if (!page.ok()) {
    if (page.status().code() == StatusCode::kNotFound) return Answer{};
    return page.status();
  }
  const bool valid = signer_.Verify(token, *person, (*page)->version);
  Entry fresh;
  fresh.page = *page;
  fresh.bytes = PageBytes(**page);
  std::lock_guard lock(shard.mu);
  if (shard.generation != generation) {
    // A change of this shard was applied while the page was read: answer it, do not keep it.
    if (!valid) return Answer{};
    Shard scratch;
    return Serve(scratch, fresh, format);
  }
  if (auto old = shard.entries.find(*person); old != shard.entries.end()) {
    EraseLocked(shard, old);
  }
  shard.lru.push_front(*person);
  fresh.lru = shard.lru.begin();
  shard.bytes += fresh.bytes;
  auto [it, inserted] = shard.entries.emplace(*person, std::move(fresh));
  (void)inserted;
  Answer answer = valid ? Serve(shard, it->second, format) : Answer{};
  TrimLocked(shard);
  return answer;
}

void Service::TrimLocked(Shard& shard) {
  const std::size_t budget = std::max<std::size_t>(options_.cache_bytes / kShards, 1);
  while (shard.bytes > budget && shard.entries.size() > 1) {
    EraseLocked(shard, shard.entries.find(shard.lru.back()));
  }
}

void Service::EraseLocked(Shard& shard, std::unordered_map<Id, Entry>::iterator it) {
  shard.bytes -= std::min(shard.bytes, it->second.bytes);
  shard.lru.erase(it->second.lru);
  shard.entries.erase(it);
}

Result<std::shared_ptr<const Page>> Service::ReadPage(Id person) {
  User user;
  std::vector<Key> keys;
  std::map<Id, Server> servers;
  std::map<Id, std::string> locations;
  VPNHUB_RETURN_IF_ERROR(store_.Read([&](ports::StoreTx& tx) -> Status {
    keys.clear();
    servers.clear();
    locations.clear();
    VPNHUB_ASSIGN_OR_RETURN(user, tx.users().GetUser(person));
    ports::KeyFilter filter;
    filter.user_id = person;
    filter.state = KeyState::kActive;
    filter.limit = 1000;
    VPNHUB_ASSIGN_OR_RETURN(keys, tx.keys().ListKeys(filter));
    bool any = false;
    for (const Key& k : keys) {
      if (servers.count(k.server_id)) continue;
      VPNHUB_ASSIGN_OR_RETURN(auto server, tx.catalog().GetServerToCall(k.server_id));
      servers.emplace(k.server_id, std::move(server));
      any = true;
    }
    if (any) {
      VPNHUB_ASSIGN_OR_RETURN(auto all, tx.catalog().ListLocations());
      for (auto& l : all) locations.emplace(l.id, std::move(l.name));
    }
    return Status::Ok();
  }));
  std::sort(keys.begin(), keys.end(), [](const Key& a, const Key& b) { return a.id < b.id; });
  auto page = std::make_shared<Page>();
  page->person = person;
  page->version = user.sub_version;
  bool unlimited = false;
  for (const Key& key : keys) {
    const Server& server = servers.at(key.server_id);
    if (!server.enabled || !server.healthy) continue;
    auto backend = backends_.For(server.kind);
    if (!backend.ok()) continue;
    const auto loc = locations.find(server.location_id);
    const std::string name =
        formats::ShareLinkName(options_.brand, loc == locations.end() ? "" : loc->second);
    auto delivery = (*backend)->Delivery(server, key, name);
    if (!delivery.ok()) {
      log_.Warn("subscription.key_not_listed",
                {{"key", key.id}, {"error", delivery.status().ToString()}});
      continue;
    }
    const std::size_t before = page->entries.size();
    if (!delivery->links.empty()) {
      for (auto& link : delivery->links) page->entries.push_back({name, std::move(link), ""});
    } else if (!IsHttpUrl(delivery->link) || !delivery->config.empty()) {
      page->entries.push_back(
          {name, IsHttpUrl(delivery->link) ? "" : delivery->link, delivery->config});
    }
    if (page->entries.size() == before) continue;
    page->expire_unix = std::max(page->expire_unix, ToUnixMs(key.expires_at) / 1000);
    if (key.traffic_limit_bytes <= 0) unlimited = true;
    page->total_bytes += key.traffic_limit_bytes;
  }
  if (unlimited) page->total_bytes = 0;
  return std::shared_ptr<const Page>(std::move(page));
}

void Service::Invalidate(Id person) {
  Shard& shard = ShardOf(person);
  std::lock_guard lock(shard.mu);
  ++shard.generation;
  if (auto it = shard.entries.find(person); it != shard.entries.end()) EraseLocked(shard, it);
}

void Service::InvalidateAll() {
  for (Shard& shard : shards_) {
    std::lock_guard lock(shard.mu);
    ++shard.generation;
    shard.entries.clear();
    shard.lru.clear();
    shard.bytes = 0;
  }
}

std::size_t Service::cached_pages() const {
  std::size_t n = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard lock(shard.mu);
    n += shard.entries.size();
  }
  return n;
}

std::size_t Service::cached_bytes() const {
  std::size_t n = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard lock(shard.mu);
    n += shard.bytes;
  }
  return n;
}

Status Service::PollOnce() {
  std::lock_guard feed_lock(feed_mu_);
  // The newest mark at least kSettle old is the oldest one still needed.
  const auto started = std::chrono::steady_clock::now();
  while (marks_.size() > 1 && started - marks_[1].first >= kSettle) marks_.pop_front();
  std::int64_t after = std::max<std::int64_t>(0, feed_end_ - kLookBack);
  if (!marks_.empty()) after = std::min(after, marks_.front().second);
  bool all = false;
  std::vector<Id> persons;
  for (;;) {
    std::vector<ports::SubscriptionChange> rows;
    VPNHUB_RETURN_IF_ERROR(store_.Read([&](ports::StoreTx& tx) -> Status {
      VPNHUB_ASSIGN_OR_RETURN(rows, tx.users().SubscriptionChangesAfter(after, kFeedPage));
      return Status::Ok();
    }));
    for (const auto& row : rows) {
      if (!seen_.insert(row.id).second) continue;
      feed_end_ = std::max(feed_end_, row.id);
      if (row.user_id) {
        persons.push_back(*row.user_id);
      } else {
        all = true;
      }
    }
    if (rows.size() < static_cast<std::size_t>(kFeedPage)) break;
    after = rows.back().id;
  }
  // Taken after the reads: every id up to feed_end_ was taken before this time.
  marks_.emplace_back(std::chrono::steady_clock::now(), feed_end_);
  seen_.erase(seen_.begin(),
              seen_.lower_bound(std::min(feed_end_ - kLookBack, marks_.front().second)));
  if (all || persons.size() > 10000) {
    InvalidateAll();
  } else {
    for (Id p : persons) Invalidate(p);
  }
  return Status::Ok();
}

Status Service::Start() {
  // The feed's current end: what is in it now concerns no cached page.
  VPNHUB_RETURN_IF_ERROR(PollOnce());
  InvalidateAll();
  last_purge_ = std::chrono::steady_clock::now();
  poller_ = std::thread([this] { Run(); });
  return Status::Ok();
}

void Service::Run() {
  bool failing = false;
  std::unique_lock lock(poll_mu_);
  while (!stopping_) {
    poll_cv_.wait_for(lock, options_.poll_interval, [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    Status st = PollOnce();
    if (!st.ok()) {
      // Changes may be missed while the feed cannot be read: keep nothing that may be stale.
      InvalidateAll();
      if (!failing) log_.Warn("subscription.feed_unreadable", {{"error", st.ToString()}});
      failing = true;
    } else {
      failing = false;
      std::int64_t below = 0;
      {
        std::lock_guard feed_lock(feed_mu_);
        const auto now = std::chrono::steady_clock::now();
        if (now - last_purge_ > std::chrono::seconds(60) && feed_end_ > kKeepRows) {
          last_purge_ = now;
          below = feed_end_ - kKeepRows;
        }
      }
      if (below > 0) {
        (void)store_.Write(ports::WriteKind::kQueue, [&](ports::StoreTx& tx) {
          return tx.users().PurgeSubscriptionChanges(below);
        });
      }
    }
    lock.lock();
  }
}

void Service::Stop() {
  {
    std::lock_guard lock(poll_mu_);
    stopping_ = true;
  }
  poll_cv_.notify_all();
  if (poller_.joinable()) poller_.join();
}

}  // namespace vpnhub::subscription
