// segengine.hpp - header-only C++17 wrapper of segengine.h: a move-only seg::Model that frees its handle, and
// seg::Error exceptions (with the status code) in place of status returns. Same thread-safety rules as the C API.
#ifndef SEGENGINE_HPP
#define SEGENGINE_HPP

#include "segengine.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace seg {

// A failed call: code() is the SEG_E* status, what() its name and the library's message.
class Error : public std::runtime_error {
public:
    Error(int code, const std::string& message) : std::runtime_error(message), code_(code) {}

    int code() const noexcept { return code_; }

private:
    int code_;
};

// Throws seg::Error carrying this thread's last error when status is not SEG_OK.
inline void check(int status) {
    if (status == SEG_OK) {
        return;
    }
    std::size_t needed = 0;
    (void)seg_last_error(nullptr, 0, &needed);
    std::string message(needed, '\0');
    if (needed > 0) {
        (void)seg_last_error(&message[0], message.size(), nullptr);
        message.resize(needed - 1);
    }
    throw Error(status, std::string(seg_status_name(status)) + ": " + message);
}

inline std::string version() { return seg_version(); }

enum class Device : std::int32_t { Auto = SEG_DEVICE_AUTO, Cpu = SEG_DEVICE_CPU, Cuda = SEG_DEVICE_CUDA };

enum class Stage : std::int32_t {
    Read = SEG_STAGE_READ,
    Preprocess = SEG_STAGE_PREPROCESS,
    Predict = SEG_STAGE_PREDICT,
    Export = SEG_STAGE_EXPORT,
    Write = SEG_STAGE_WRITE,
};

// Called with each stage's progress; return false to cancel (the call then throws seg::Error with SEG_ECANCELLED).
// An exception it throws cancels the prediction and is rethrown from the call.
using Progress = std::function<bool(Stage stage, double fraction)>;

// seg_options with owned strings; empty configuration or folds mean the library's defaults.
struct Options {
    Device device = Device::Auto;
    std::string configuration;
    std::string folds;
    int threads = 0;
    bool use_mirroring = true;
    double step_size = 0.5;
    double memory_budget_gb = 0.0;
};

using Shape = std::array<std::int64_t, 3>;      // z, y, x
using Spacing = std::array<double, 3>;          // z, y, x

// An image in memory, borrowed for one call: (c, z, y, x) floats, x fastest.
struct Image {
    const float* data = nullptr;
    std::size_t count = 0;
    int channels = 1;
    Shape shape{};
    Spacing spacing{};
    const double* affine = nullptr;  // optional row-major 4x4 (see seg_image)
};

// A label map (z, y, x; x fastest) as the model stores labels: 1 byte per voxel, or 2 (native-endian uint16).
struct Labels {
    Shape shape{};
    int label_type = SEG_LABELS_U8;
    std::vector<std::uint8_t> bytes;

    int at(std::int64_t z, std::int64_t y, std::int64_t x) const {
        std::size_t index = static_cast<std::size_t>((z * shape[1] + y) * shape[2] + x);
        if (label_type == SEG_LABELS_U8) {
            return bytes.at(index);
        }
        return bytes.at(2 * index) | (bytes.at(2 * index + 1) << 8);
    }
};

namespace detail {

struct ProgressContext {
    const Progress* progress;
    std::exception_ptr error;
};

// The C callback: nothing may unwind through the library, so an exception is parked and rethrown after the call.
inline int forward_progress(std::int32_t stage, double fraction, void* payload) noexcept {
    auto* context = static_cast<ProgressContext*>(payload);
    try {
        return (*context->progress)(static_cast<Stage>(stage), fraction) ? 0 : 1;
    } catch (...) {
        context->error = std::current_exception();
        return 1;
    }
}

// Runs a C call that takes (progress, payload) and turns its outcome into a return or an exception.
template <typename Call>
void with_progress(const Progress& progress, Call call) {
    if (!progress) {
        check(call(nullptr, nullptr));
        return;
    }
    ProgressContext context{&progress, nullptr};
    int status = call(&forward_progress, &context);
    if (context.error) {
        std::rethrow_exception(context.error);
    }
    check(status);
}

}  // namespace detail

// An opened model. Move-only; the destructor frees the handle. A moved-from Model is empty.
class Model {
public:
    Model() noexcept = default;

    explicit Model(const std::string& model_dir, const Options& options = Options()) {
        if (seg_abi_version() != SEG_ABI_VERSION) {
            throw Error(SEG_EINVAL, "libsegengine ABI " + std::to_string(seg_abi_version()) + " does not match segengine.h's " +
                                        std::to_string(SEG_ABI_VERSION));
        }
        seg_options c_options = SEG_OPTIONS_INIT;
        c_options.device = static_cast<std::int32_t>(options.device);
        c_options.configuration = options.configuration.empty() ? nullptr : options.configuration.c_str();
        c_options.folds = options.folds.empty() ? nullptr : options.folds.c_str();
        c_options.threads = options.threads;
        c_options.use_mirroring = options.use_mirroring ? 1 : 0;
        c_options.step_size = options.step_size;
        c_options.memory_budget_gb = options.memory_budget_gb;
        check(seg_model_open(&handle_, model_dir.c_str(), &c_options));
    }

    Model(const Model&) = delete;
    Model& operator=(const Model&) = delete;

    Model(Model&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}

    Model& operator=(Model&& other) noexcept {
        if (this != &other) {
            reset();
            handle_ = std::exchange(other.handle_, nullptr);
        }
        return *this;
    }

    ~Model() { reset(); }

    seg_model* get() const noexcept { return handle_; }

    explicit operator bool() const noexcept { return handle_ != nullptr; }

    // Gives up ownership: the caller frees the handle with seg_model_free().
    seg_model* release() noexcept { return std::exchange(handle_, nullptr); }

    void reset() noexcept {
        if (handle_ != nullptr) {
            (void)seg_model_free(handle_);
            handle_ = nullptr;
        }
    }

    seg_model_info info() const {
        seg_model_info result{};
        check(seg_model_get_info(handle_, &result));
        return result;
    }

    std::string warnings() const {
        std::size_t needed = 0;
        int status = seg_model_warnings(handle_, nullptr, 0, &needed);
        if (status != SEG_EBUFS) {
            check(status);
        }
        std::string text(needed, '\0');
        check(seg_model_warnings(handle_, &text[0], text.size(), nullptr));
        text.resize(needed - 1);
        return text;
    }

    std::size_t label_size(const Shape& shape) const {
        std::size_t bytes = 0;
        check(seg_model_label_size(handle_, shape.data(), &bytes));
        return bytes;
    }

    seg_memory_plan plan_memory(const Shape& shape, const Spacing& spacing) const {
        seg_memory_plan plan{};
        check(seg_model_plan_memory(handle_, shape.data(), spacing.data(), &plan));
        return plan;
    }

    // Segments an image in memory into a caller buffer of at least label_size(image.shape) bytes.
    void predict_into(const Image& image, void* labels, std::size_t labels_size, const Progress& progress = Progress()) const {
        seg_image c_image = SEG_IMAGE_INIT;
        c_image.channels = image.channels;
        c_image.data = image.data;
        c_image.data_count = image.count;
        for (int axis = 0; axis < 3; ++axis) {
            c_image.shape[axis] = image.shape[axis];
            c_image.spacing[axis] = image.spacing[axis];
        }
        c_image.affine = image.affine;
        detail::with_progress(progress, [&](seg_progress_fn callback, void* payload) {
            return seg_model_predict(handle_, &c_image, labels, labels_size, nullptr, callback, payload);
        });
    }

    Labels predict(const Image& image, const Progress& progress = Progress()) const {
        Labels labels;
        labels.shape = image.shape;
        labels.label_type = info().label_type;
        labels.bytes.resize(label_size(image.shape));
        predict_into(image, labels.bytes.data(), labels.bytes.size(), progress);
        return labels;
    }

    // Reads the channel files, segments the case and writes output_file with the input's geometry.
    void predict_file(const std::vector<std::string>& channel_files, const std::string& output_file,
                      const Progress& progress = Progress()) const {
        std::vector<const char*> paths;
        paths.reserve(channel_files.size());
        for (const std::string& path : channel_files) {
            paths.push_back(path.c_str());
        }
        detail::with_progress(progress, [&](seg_progress_fn callback, void* payload) {
            return seg_model_predict_file(handle_, paths.data(), paths.size(), output_file.c_str(), callback, payload);
        });
    }

private:
    seg_model* handle_ = nullptr;
};

}  // namespace seg

#endif  // SEGENGINE_HPP
