// guardian: train, evaluate, calibrate and run moderation models. One binary over the library.
#include <exception>
#include <iostream>

#include <CLI/CLI.hpp>

#include "apps/guardian/commands.h"
#include "core/error.h"
#include "core/log.h"

int main(int argc, char** argv) {
  CLI::App app{
      "guardian: train, evaluate and serve small language models that moderate chat (Korean and English).\n"
      "Run `guardian <command> --help` for a command's options."};
  app.require_subcommand(1);
  bool verbose = false;
  app.add_flag("-v,--verbose", verbose, "Show debug messages");
  app.parse_complete_callback([&] {
    guardian::core::init_logging(verbose);
    guardian::app::apply_environment();
  });
  guardian::app::add_train_command(app);
  guardian::app::add_pretrain_command(app);
  guardian::app::add_eval_command(app);
  guardian::app::add_calibrate_command(app);
  guardian::app::add_moderate_command(app);
  guardian::app::add_data_command(app);
  guardian::app::add_tokenize_command(app);
  guardian::app::add_serve_command(app);
  guardian::app::add_feedback_command(app);
  guardian::app::add_generate_command(app);
  guardian::app::add_chat_command(app);
  guardian::app::add_merge_command(app);
  guardian::app::add_index_command(app);
  guardian::app::add_retrieve_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const guardian::Error& e) {
    std::cerr << "guardian: error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "guardian: unexpected error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
