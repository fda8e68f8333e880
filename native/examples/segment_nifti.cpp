// segment_nifti: a minimal host of libsegengine. Segments one case (one NIfTI file per channel) with a model folder
// and writes its label map: the same file, byte for byte, as `segengine predict` writes for that case.
//
//   segment_nifti [--disable-tta] [--device auto|cpu|cuda] [--threads N] MODEL_DIR OUTPUT CHANNEL_0000 [CHANNEL_0001 ...]
#include "segengine.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

namespace {

constexpr int kUsageError = 2;

int usage(const char* problem) {
    std::fprintf(stderr,
                 "segment_nifti: %s\n"
                 "usage: segment_nifti [--disable-tta] [--device auto|cpu|cuda] [--threads N] MODEL_DIR OUTPUT CHANNEL_0000 "
                 "[CHANNEL_0001 ...]\n",
                 problem);
    return kUsageError;
}

const char* stage_name(seg::Stage stage) {
    switch (stage) {
        case seg::Stage::Read: return "read";
        case seg::Stage::Preprocess: return "preprocess";
        case seg::Stage::Predict: return "predict";
        case seg::Stage::Export: return "export";
        case seg::Stage::Write: return "write";
    }
    return "?";
}

}  // namespace

int main(int argc, char** argv) {
    seg::Options options;
    std::vector<std::string> positional;
    for (int i = 1; i < argc; ++i) {
        std::string argument = argv[i];
        if (argument == "--disable-tta" || argument == "--disable_tta") {
            options.use_mirroring = false;
        } else if (argument == "--device" && i + 1 < argc) {
            std::string device = argv[++i];
            if (device == "auto") {
                options.device = seg::Device::Auto;
            } else if (device == "cpu") {
                options.device = seg::Device::Cpu;
            } else if (device == "cuda") {
                options.device = seg::Device::Cuda;
            } else {
                return usage("--device takes auto, cpu or cuda");
            }
        } else if (argument == "--threads" && i + 1 < argc) {
            options.threads = std::atoi(argv[++i]);
        } else if (!argument.empty() && argument[0] == '-') {
            return usage(("unknown option " + argument).c_str());
        } else {
            positional.push_back(argument);
        }
    }
    if (positional.size() < 3) {
        return usage("MODEL_DIR, OUTPUT and at least one channel file are required");
    }

    try {
        seg::Model model(positional[0], options);
        std::string warnings = model.warnings();
        if (!warnings.empty()) {
            std::fprintf(stderr, "warning: %s\n", warnings.c_str());
        }
        std::filesystem::path output_folder = std::filesystem::path(positional[1]).parent_path();
        std::error_code folder_error;
        if (!output_folder.empty() && !std::filesystem::create_directories(output_folder, folder_error) && folder_error) {
            std::fprintf(stderr, "segment_nifti: %s: %s\n", output_folder.c_str(), folder_error.message().c_str());
            return EXIT_FAILURE;
        }
        std::vector<std::string> channels(positional.begin() + 2, positional.end());
        model.predict_file(channels, positional[1], [](seg::Stage stage, double fraction) {
            std::fprintf(stderr, "\r%-10s %5.1f %%", stage_name(stage), 100.0 * fraction);
            if (stage == seg::Stage::Write && fraction >= 1.0) {
                std::fprintf(stderr, "\n");
            }
            return true;
        });
        std::printf("%s\n", positional[1].c_str());
        return EXIT_SUCCESS;
    } catch (const seg::Error& error) {
        std::fprintf(stderr, "\nsegment_nifti: %s\n", error.what());
        return EXIT_FAILURE;
    }
}
