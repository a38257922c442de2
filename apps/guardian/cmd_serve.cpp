// guardian serve: the moderation service over HTTP (cpp-httplib). A thin layer: every route goes
// to serve::Service::handle, which never throws. SIGHUP reloads the model and policies without
// dropping requests; SIGTERM and SIGINT stop accepting, finish what is in flight and exit.
#include <csignal>
#include <iostream>
#include <thread>

#include <unistd.h>

#include <httplib.h>
#include <spdlog/spdlog.h>

#include "apps/guardian/commands.h"
#include "core/error.h"
#include "core/safetensors.h"
#include "models/model.h"
#include "serve/service.h"

namespace guardian::app {

namespace {

struct ServeArgs {
  std::string model;
  std::vector<std::string> policies;
  std::string config;
  std::string host;
  int port = -1;
};

// Signal handlers only write the signal number to this pipe; a watcher thread acts on it.
int signal_pipe[2] = {-1, -1};

extern "C" void on_signal(int signal) {
  const unsigned char byte = static_cast<unsigned char>(signal);
  [[maybe_unused]] auto n = ::write(signal_pipe[1], &byte, 1);
}

void install_signal_pipe() {
  if (::pipe(signal_pipe) != 0) throw Error("cannot create the signal pipe");
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  for (int s : {SIGHUP, SIGTERM, SIGINT}) sigaction(s, &action, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

api::ApiRequest to_api(const httplib::Request& req) {
  api::ApiRequest r;
  r.method = req.method;
  r.path = req.path;
  r.body = req.body;
  r.api_key = api::presented_key(req.get_header_value("Authorization"), req.get_header_value("X-API-Key"));
  for (const auto& [key, value] : req.params) r.query.emplace(key, value);
  return r;
}

void send(const api::ApiResponse& out, httplib::Response& res) {
  res.status = out.status;
  for (const auto& [key, value] : out.headers) res.set_header(key, value);
  res.set_content(out.body, out.content_type.c_str());
}

int run_serve(const ServeArgs& args) {
  auto config = args.config.empty() ? serve::ServeConfig{} : serve::ServeConfig::load(args.config);
  if (const char* keys = std::getenv("GUARDIAN_API_KEYS")) config.keys_from_environment = keys;
  if (!args.host.empty()) config.host = args.host;
  if (args.port >= 0) config.port = args.port;
  config.validate(args.config.empty() ? "command line" : args.config);
  install_signal_pipe();
  models::configure_threads();
  // A server keeps serving what it loaded while new files are copied into its model directory,
  // however they are copied, until SIGHUP or /admin/reload: its weights are read, not mapped.
  core::set_load_mode(core::LoadMode::kRead);
  std::vector<std::filesystem::path> policies(args.policies.begin(), args.policies.end());
  serve::Service service(args.model, policies, config);

  httplib::Server server;
  const size_t threads = static_cast<size_t>(config.threads);
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_payload_max_length(config.limits.max_body_bytes);
  server.set_tcp_nodelay(true);
  server.set_keep_alive_max_count(100000);  // httplib's default (5) makes clients reconnect constantly
  server.set_read_timeout(30, 0);
  server.set_write_timeout(30, 0);
  auto handler = [&service](const httplib::Request& req, httplib::Response& res) {
    send(service.handle(to_api(req)), res);
  };
  server.Get(".*", handler);
  server.Post(".*", handler);
  server.Put(".*", handler);
  server.Delete(".*", handler);
  server.Patch(".*", handler);
  // httplib's own errors (a body over the limit, a malformed request) get a JSON body too.
  server.set_error_handler(httplib::Server::HandlerWithResponse([&service, &config](const httplib::Request&,
                                                                                    httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    std::string message = "the HTTP request could not be handled";
    if (res.status == 413) {
      message = "the request body is larger than " + std::to_string(config.limits.max_body_bytes) + " bytes";
    } else if (res.status == 400) {
      message = "malformed HTTP request";
    } else if (res.status == 404) {
      message = "no such route";
    }
    service.metrics().request("other", res.status, 0.0);
    send(api::error_response(res.status, message), res);
    return httplib::Server::HandlerResponse::Handled;
  }));
  server.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    send(api::error_response(500, "internal error"), res);
  });

  int port = config.port;
  if (port == 0) {
    port = server.bind_to_any_port(config.host);
    if (port < 0) throw InputError("cannot bind to " + config.host);
  } else if (!server.bind_to_port(config.host, port)) {
    throw InputError("cannot listen on " + config.host + ":" + std::to_string(port) + " (in use, or not allowed)");
  }
  const auto deployment = service.deployment();
  std::cerr << "guardian: serving " << deployment->model->id() << " (policies: " << serve::policy_names(*deployment)
            << ") on http://" << config.host << ":" << port << std::endl;
  if (config.host != "127.0.0.1" && config.host != "localhost" && config.host != "::1" &&
      api::ApiKeys::from_config(config.keys_file, config.keys_from_environment).keys().empty()) {
    spdlog::warn("listening on {} without API keys: anyone who can reach it may call it", config.host);
  }

  std::thread watcher([&] {
    unsigned char signal = 0;
    while (::read(signal_pipe[0], &signal, 1) == 1) {
      if (signal == SIGHUP) {
        try {
          service.reload();
        } catch (const std::exception& e) {
          spdlog::error("reload failed, still serving the previous model: {}", e.what());
        }
        continue;
      }
      if (signal == 0) break;  // the server stopped on its own
      spdlog::info("signal {}: draining and exiting", static_cast<int>(signal));
      server.stop();
      break;
    }
  });
  const bool ok = server.listen_after_bind();
  const unsigned char stop = 0;
  [[maybe_unused]] auto n = ::write(signal_pipe[1], &stop, 1);
  watcher.join();
  service.shutdown();
  std::cerr << "guardian: server stopped" << std::endl;
  return ok ? 0 : 1;
}

}  // namespace

void add_serve_command(CLI::App& app) {
  auto args = std::make_shared<ServeArgs>();
  auto* cmd = app.add_subcommand("serve", "Serve a model over HTTP: OpenAI-compatible /v1/moderations, /v1/classify, "
                                          "review queue, metrics");
  cmd->add_option("-m,--model", args->model, "Model directory")->required();
  cmd->add_option("--policy", args->policies, "Extra policy files requests may name (same categories as the model)");
  cmd->add_option("--config", args->config, "Server settings (TOML: [server] [batching] [limits] [auth] [audit] [drift])");
  cmd->add_option("--host", args->host, "Bind address (default 127.0.0.1)");
  cmd->add_option("--port", args->port, "TCP port (default 8080; 0 = any free port)")->check(CLI::Range(0, 65535));
  cmd->callback([args] {
    const int code = run_serve(*args);
    if (code != 0) throw CLI::RuntimeError(code);
  });
}

}  // namespace guardian::app
