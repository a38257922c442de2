// FastClassifier::from: the torch half of the fast forward, copying a Classifier's parameters by name.
#include "core/error.h"
#include "models/classifier.h"
#include "models/fast_encoder.h"

namespace guardian::models {

FastClassifier FastClassifier::from(const ClassifierImpl& net, const std::string& precision) {
  const auto params = net.named_parameters();
  auto source = [&](const std::string& name, const std::vector<int64_t>& shape) {
    const auto* p = params.find(name);
    if (p == nullptr) throw FormatError("fast classifier: the classifier has no parameter '" + name + "'");
    if (p->sizes() != c10::IntArrayRef(shape)) {
      throw FormatError("fast classifier: parameter '" + name + "' has shape " + c10::str(p->sizes()) +
                        ", expected " + c10::str(c10::IntArrayRef(shape)));
    }
    auto t = p->detach().to(torch::kCPU, torch::kFloat32).contiguous();
    return std::vector<float>(t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
  };
  FastClassifierSpec spec{net.options.encoder, net.options.levels, net.options.pooling, precision};
  return FastClassifier(std::move(spec), source);
}

}  // namespace guardian::models
