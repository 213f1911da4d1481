#pragma once
// The HTTPS API of `vpnhub node` (docs: /work/briefs/node_api.md, summarised in
// docs/architecture.md): GET /v1/server, GET /v1/peers, PUT and DELETE /v1/peers/{hex}, every
// request behind `Authorization: Bearer <token>` (compared in constant time). The interface is
// the state; every operation reads it through the UAPI.
//
// Threading: the routes run on the server's io threads only to check the token; the UAPI calls
// run one at a time on the api's own worker thread, so a PUT's "is this address held?" check and
// its write are never interleaved with another request's. The worker takes the requests waiting
// at that moment (at most 64) as one batch and reads the interface once for it (a Snapshot),
// updating that copy with its own writes: under concurrent load one `get=1` serves many requests.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/status.hpp"
#include "http/server.hpp"
#include "node/node_config.hpp"
#include "node/uapi_client.hpp"

namespace vpnhub::node {

struct NodeApiOptions {
  std::string interface_name;  // reported by GET /v1/server
  std::string endpoint;        // reported as is
  std::string tunnel;          // CIDR with the interface's own address
  std::string token;           // the bearer token; at least 16 characters
  std::string uapi_socket;     // the interface's UAPI socket
  std::chrono::milliseconds uapi_timeout{5000};
  std::size_t queue_limit = 1024;  // waiting requests beyond this get 503
  // How long one read of the interface (with the node's own writes applied to it) answers the
  // following batches too. 0: every batch reads the interface again. Peers changed by someone
  // else (`wg set` by hand) are seen at the latest this long after; a failed read or write is
  // never reused. One read of 10,000 peers costs about 0.1 s of wireguard-go's time.
  std::chrono::milliseconds snapshot_max_age{0};
};

class NodeApi {
 public:
  // kInvalidArgument for a bad tunnel or a short token.
  static Result<std::unique_ptr<NodeApi>> Create(NodeApiOptions options);
  ~NodeApi();  // finishes the queued operations, then joins the worker
  NodeApi(const NodeApi&) = delete;
  NodeApi& operator=(const NodeApi&) = delete;

  // Adds the API's routes (and a JSON 404 for every other path) to `router`. The api must
  // outlive the server that uses the router.
  void Mount(http::Router& router);

  // The interface as read once for a batch of requests, with the batch's own writes applied.
  class Snapshot {
   public:
    Snapshot(const UapiClient& uapi, std::chrono::milliseconds max_age)
        : uapi_(uapi), max_age_(max_age) {}
    // Reads the interface on first use in a batch, unless the copy read before is younger than
    // max_age and was read well; a failed read stays failed for the batch.
    Result<WgInterface>& Get();
    // A new batch begins: a copy too old or read badly is dropped.
    void BeginBatch();
    // The copy when one was read in this batch, else nullptr (no read).
    Result<WgInterface>* Loaded() { return interface_ ? &*interface_ : nullptr; }
    // Drops the copy: the next Get reads again (after a write that failed halfway).
    void Invalidate() { interface_.reset(); }

   private:
    const UapiClient& uapi_;
    std::chrono::milliseconds max_age_;
    std::optional<Result<WgInterface>> interface_;
    std::chrono::steady_clock::time_point read_at_{};
  };

  // The decision behind each route, on the calling thread (the worker runs them).
  http::Response Server(Snapshot& snapshot) const;
  http::Response Peers(Snapshot& snapshot) const;
  http::Response PutPeer(Snapshot& snapshot, std::string_view id, std::string_view body) const;
  http::Response DeletePeer(Snapshot& snapshot, std::string_view id) const;

  // True when the request carries the token ("Authorization: Bearer <token>").
  bool Authorized(const http::Request& request) const;

 private:
  NodeApi(NodeApiOptions options, Ipv4Cidr tunnel);
  // Runs `work` on the worker and answers with its response; 503 when the queue is full.
  void Dispatch(http::Responder responder, std::function<http::Response(Snapshot&)> work);
  void Run();

  NodeApiOptions options_;
  Ipv4Cidr tunnel_;
  UapiClient uapi_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void(Snapshot&)>> queue_;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace vpnhub::node
