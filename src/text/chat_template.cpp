#include "text/chat_template.h"

#include "text/jinja_error.h"
#include "text/jinja_interpreter.h"
#include "text/jinja_lexer.h"
#include "text/jinja_parser.h"

namespace guardian::text {

ChatTemplate::ChatTemplate(std::string source) : source_(std::move(source)) {
  program_ = jinja::parse(source_, jinja::tokenize(source_));
}

ChatTemplate::~ChatTemplate() = default;
ChatTemplate::ChatTemplate(ChatTemplate&&) noexcept = default;
ChatTemplate& ChatTemplate::operator=(ChatTemplate&&) noexcept = default;

std::string ChatTemplate::render(const nlohmann::ordered_json& context, const ChatTemplateOptions& options) const {
  if (!context.is_object()) throw InputError("chat template context must be a JSON object");
  jinja::Interpreter interpreter(source_, options.now);
  auto env = interpreter.globals(jinja::Value::from_json(context));
  try {
    return interpreter.render(*program_, env);
  } catch (const jinja::BreakSignal&) {
    throw jinja::TemplateError("'break' outside a loop", "");
  } catch (const jinja::ContinueSignal&) {
    throw jinja::TemplateError("'continue' outside a loop", "");
  }
}

std::string ChatTemplate::render(const nlohmann::json& context, const ChatTemplateOptions& options) const {
  return render(nlohmann::ordered_json::parse(context.dump()), options);
}

}  // namespace guardian::text
