// The HTTP side of FakeTelegram: the cpp-httplib server, the Bot API routes and the /control/
// routes used by tests in other languages:
//   POST /control/updates   JSON Update object or array of them -> {"ok":true,"update_ids":[...]}
//   GET  /control/updates   -> {"pending":N}
//   POST /control/message   {"user_id":5,"text":"/start","lang":"en"}  (queues MessageUpdate)
//   POST /control/callback  {"user_id":5,"data":"buy:1m","message_id":3}  (queues CallbackUpdate)
//   GET  /control/calls[?method=sendMessage]  -> JSON array of recorded calls
//   POST /control/fail      {"method":"sendMessage","count":2,"status":429,"retry_after":1}
//   POST /control/block     {"chat_id":123[,"blocked":false]}
//   POST /control/member    {"user_id":5[,"member":false]}
//   POST /control/rate_limit {"enabled":true[,"global_per_sec":30,"per_chat_per_sec":1,
//                             "per_chat_burst":3]}
//   GET  /control/stats     -> FakeTelegramStats::ToJson()
//   GET  /control/commands  -> every command menu set (FakeTelegram::CommandMenus)
//   POST /control/pre_checkout {"user_id":5,"payload":"42","total_amount":150[,"currency":"XTR",
//                               "lang":"en","queue":true]} -> {"ok":true,"update":{...}}
//   POST /control/successful_payment {"user_id":5,"payload":"42","total_amount":150[,
//                               "charge_id":"...","currency":"XTR","queue":true]}
//                               -> {"ok":true,"update":{...},"charge_id":"...","time_ms":N}
//                               (time_ms: when it was queued, on the clock of the calls' time_ms)
//   POST /control/pre_checkout_deadline {"ms":10000}
//   GET  /control/pre_checkout_answers -> JSON array of PreCheckoutAnswer
//   GET  /control/charges   -> JSON array of StarCharge
//   POST /control/reset
#include <httplib.h>

#include "servers/fake_telegram.hpp"

namespace vpnhub::servers {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxBodyBytes = 32u << 20;

void SendJson(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

// The control routes take a JSON object (or array); anything else is a 400 for the test author.
std::optional<json> ControlBody(const httplib::Request& req, httplib::Response& res) {
  json body = req.body.empty() ? json::object() : json::parse(req.body, nullptr, false);
  if (body.is_discarded() || (!body.is_object() && !body.is_array())) {
    SendJson(res, 400, json{{"ok", false}, {"description", "control body must be JSON"}});
    return std::nullopt;
  }
  return body;
}

template <typename T>
T Get(const json& body, const char* key, T fallback) {
  const auto it = body.is_object() ? body.find(key) : body.end();
  if (it == body.end() || it->is_null()) return fallback;
  try {
    return it->get<T>();
  } catch (const json::exception&) {
    return fallback;
  }
}

json Ok() { return json{{"ok", true}}; }

}  // namespace

FakeTelegram::FakeTelegram(std::string token, int threads)
    : token_(std::move(token)),
      threads_(std::max(1, threads)),
      created_(std::chrono::steady_clock::now()) {}

FakeTelegram::~FakeTelegram() { Stop(); }

std::string FakeTelegram::base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

Status FakeTelegram::Start(int port, const std::string& host) {
  if (server_ != nullptr) return FailedPrecondition("FakeTelegram already started");
  server_ = std::make_unique<httplib::Server>();
  server_->new_task_queue = [n = threads_] { return new httplib::ThreadPool(n); };
  server_->set_tcp_nodelay(true);
  server_->set_payload_max_length(kMaxBodyBytes);
  InstallRoutes();
  if (port == 0) {
    port_ = server_->bind_to_any_port(host);
    if (port_ <= 0) return Unavailable("FakeTelegram: cannot bind " + host);
  } else {
    if (!server_->bind_to_port(host, port)) {
      return Unavailable("FakeTelegram: cannot bind " + host + ":" + std::to_string(port));
    }
    port_ = port;
  }
  thread_ = std::thread([this] {
    server_->listen_after_bind();
    listen_done_ = true;
  });
  // httplib's stop() does nothing until listen has marked the server running, so a Stop() right
  // after Start() would leave the accept loop running forever; wait for that mark here.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!server_->is_running() && !listen_done_ && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (!server_->is_running()) {
    server_->stop();
    if (listen_done_) thread_.join();
    return Unavailable("FakeTelegram: the server did not start listening");
  }
  return Status::Ok();
}

void FakeTelegram::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  updates_cv_.notify_all();
  if (server_ != nullptr) server_->stop();
  if (thread_.joinable()) thread_.join();
}

void FakeTelegram::InstallRoutes() {
  const auto api = [this](const httplib::Request& req, httplib::Response& res) {
    // Query string and form fields first, then a JSON body, then multipart parts.
    json params = json::object();
    for (const auto& [key, value] : req.params) params[key] = value;
    const std::string content_type = req.get_header_value("Content-Type");
    if (content_type.rfind("application/json", 0) == 0 && !req.body.empty()) {
      const json body = json::parse(req.body, nullptr, false);
      if (body.is_discarded() || !body.is_object()) {
        SendJson(res, 400, Error(400, "Bad Request: can't parse JSON").body);
        return;
      }
      for (const auto& [key, value] : body.items()) params[key] = value;
    }
    std::optional<UploadedFile> file;
    for (const auto& [name, part] : req.files) {
      if ((name == "photo" || name == "document") && !part.filename.empty()) {
        file = UploadedFile{name, part.filename, part.content};
      } else {
        params[name] = part.content;
      }
    }
    const Reply reply = HandleApi(req.matches[1].str(), req.matches[2].str(), std::move(params),
                                  file, req.remote_port);
    SendJson(res, reply.status, reply.body);
  };
  const char* api_path = R"(/bot([^/]*)/([A-Za-z_]+))";
  server_->Post(api_path, api);
  server_->Get(api_path, api);

  server_->Post("/control/updates", [this](const httplib::Request& req, httplib::Response& res) {
    const auto body = ControlBody(req, res);
    if (!body) return;
    json ids = json::array();
    for (const json& u : body->is_array() ? *body : json::array({*body})) {
      ids.push_back(PushUpdate(u));
    }
    SendJson(res, 200, json{{"ok", true}, {"update_ids", ids}});
  });
  server_->Get("/control/updates", [this](const httplib::Request&, httplib::Response& res) {
    SendJson(res, 200, json{{"pending", PendingUpdates()}});
  });
  server_->Post("/control/message", [this](const httplib::Request& req, httplib::Response& res) {
    const auto body = ControlBody(req, res);
    if (!body) return;
    const std::int64_t id = PushUpdate(MessageUpdate(Get<std::int64_t>(*body, "user_id", 0),
                                                     Get<std::string>(*body, "text", ""),
                                                     Get<std::string>(*body, "lang", "en")));
    SendJson(res, 200, json{{"ok", true}, {"update_id", id}});
  });
  server_->Post("/control/callback", [this](const httplib::Request& req, httplib::Response& res) {
    const auto body = ControlBody(req, res);
    if (!body) return;
    const std::int64_t id = PushUpdate(CallbackUpdate(Get<std::int64_t>(*body, "user_id", 0),
                                                      Get<std::string>(*body, "data", ""),
                                                      Get<std::int64_t>(*body, "message_id", 0)));
    SendJson(res, 200, json{{"ok", true}, {"update_id", id}});
  });
  server_->Get("/control/calls", [this](const httplib::Request& req, httplib::Response& res) {
    json out = json::array();
    for (const auto& c : Calls(req.get_param_value("method"))) out.push_back(c.ToJson());
    SendJson(res, 200, out);
  });
  server_->Post("/control/fail", [this](const httplib::Request& req, httplib::Response& res) {
    const auto body = ControlBody(req, res);
    if (!body) return;
    FailNext(Get<std::string>(*body, "method", ""), Get<int>(*body, "count", 1),
             Get<int>(*body, "status", 429), Get<int>(*body, "retry_after", 1),
             Get<std::string>(*body, "description", ""));
    SendJson(res, 200, Ok());
  });
  server_->Post("/control/block", [this](const httplib::Request& req, httplib::Response& res) {
    const auto body = ControlBody(req, res);
    if (!body) return;
    Block(Get<std::int64_t>(*body, "chat_id", 0), Get<bool>(*body, "blocked", true));
    SendJson(res, 200, Ok());
  });
  server_->Post("/control/member", [this](const httplib::Request& req, httplib::Response& res) {
    const auto body = ControlBody(req, res);
    if (!body) return;
    AddMember(Get<std::int64_t>(*body, "user_id", 0), Get<bool>(*body, "member", true));
    SendJson(res, 200, Ok());
  });
  server_->Post("/control/rate_limit", [this](const httplib::Request& req, httplib::Response& res) {
    const auto body = ControlBody(req, res);
    if (!body) return;
    RateLimitOptions options;
    options.enabled = Get<bool>(*body, "enabled", true);
    options.global_per_sec = Get<int>(*body, "global_per_sec", options.global_per_sec);
    options.per_chat_per_sec = Get<int>(*body, "per_chat_per_sec", options.per_chat_per_sec);
    options.per_chat_burst = Get<int>(*body, "per_chat_burst", options.per_chat_burst);
    SetRateLimit(options);
    SendJson(res, 200, Ok());
  });
  server_->Get("/control/stats", [this](const httplib::Request&, httplib::Response& res) {
    SendJson(res, 200, Stats().ToJson());
  });
  server_->Get("/control/commands", [this](const httplib::Request&, httplib::Response& res) {
    SendJson(res, 200, CommandMenus());
  });
  InstallPaymentControls();
  server_->Post("/control/reset", [this](const httplib::Request&, httplib::Response& res) {
    Reset();
    SendJson(res, 200, Ok());
  });
}

void FakeTelegram::InstallPaymentControls() {
  server_->Post(
      "/control/pre_checkout", [this](const httplib::Request& req, httplib::Response& res) {
        const auto body = ControlBody(req, res);
        if (!body) return;
        const json update = InjectPreCheckout(
            Get<std::int64_t>(*body, "user_id", 0), Get<std::string>(*body, "payload", ""),
            Get<std::int64_t>(*body, "total_amount", 0), Get<std::string>(*body, "currency", "XTR"),
            Get<std::string>(*body, "lang", "en"), Get<bool>(*body, "queue", true));
        SendJson(res, 200, json{{"ok", true}, {"update", update}});
      });
  server_->Post("/control/successful_payment", [this](const httplib::Request& req,
                                                      httplib::Response& res) {
    const auto body = ControlBody(req, res);
    if (!body) return;
    const std::int64_t queued_ms = NowMs();  // on the clock of the calls' time_ms
    const json update = InjectSuccessfulPayment(
        Get<std::int64_t>(*body, "user_id", 0), Get<std::string>(*body, "payload", ""),
        Get<std::int64_t>(*body, "total_amount", 0), Get<std::string>(*body, "charge_id", ""),
        Get<std::string>(*body, "currency", "XTR"), Get<bool>(*body, "queue", true));
    const json charge = update["message"]["successful_payment"]["telegram_payment_charge_id"];
    SendJson(res, 200,
             json{{"ok", true}, {"update", update}, {"charge_id", charge}, {"time_ms", queued_ms}});
  });
  server_->Post("/control/pre_checkout_deadline", [this](const httplib::Request& req,
                                                         httplib::Response& res) {
    const auto body = ControlBody(req, res);
    if (!body) return;
    SetPreCheckoutDeadline(std::chrono::milliseconds(Get<std::int64_t>(*body, "ms", 10000)));
    SendJson(res, 200, Ok());
  });
  server_->Get("/control/pre_checkout_answers",
               [this](const httplib::Request&, httplib::Response& res) {
                 json out = json::array();
                 for (const auto& a : PreCheckoutAnswers()) out.push_back(a.ToJson());
                 SendJson(res, 200, out);
               });
  server_->Get("/control/charges", [this](const httplib::Request&, httplib::Response& res) {
    json out = json::array();
    for (const auto& c : StarCharges()) out.push_back(c.ToJson());
    SendJson(res, 200, out);
  });
}

}  // namespace vpnhub::servers
