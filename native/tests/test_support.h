// Paths of the sample model and case, per-test scratch folders, and a small NIfTI-1 reader (gzip through zlib) that
// gives the tests the voxels a host would pass to seg_model_predict and the labels written by seg_model_predict_file.
#ifndef SEGENGINE_TEST_SUPPORT_H
#define SEGENGINE_TEST_SUPPORT_H

#include <gtest/gtest.h>
#include <zlib.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "segengine.h"

namespace segtest {

inline std::string sample_model() {
    return std::string(SEGENGINE_SOURCE_DIR) + "/models/sample/nnUNetTrainer__nnUNetResEncUNetMPlans__3d_fullres";
}

// case_003: 30 x 36 x 40 voxels, one channel; about 0.1 s per prediction without mirroring.
inline std::string sample_case() { return std::string(SEGENGINE_SOURCE_DIR) + "/models/sample/cases/case_003_0000.nii.gz"; }

// An empty folder named after the running test, under the build tree.
inline std::filesystem::path scratch_folder() {
    const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
    std::filesystem::path folder =
        std::filesystem::path(SEGENGINE_TEST_WORK_DIR) / (std::string(test->test_suite_name()) + "." + test->name());
    std::filesystem::remove_all(folder);
    std::filesystem::create_directories(folder);
    return folder;
}

// The message of this thread's last failure.
inline std::string last_error() {
    std::size_t needed = 0;
    (void)seg_last_error(nullptr, 0, &needed);
    std::string message(needed, '\0');
    if (needed > 0) {
        (void)seg_last_error(&message[0], message.size(), nullptr);
        message.resize(needed - 1);
    }
    return message;
}

// A NIfTI-1 volume: 3-D, shape in nnU-Net order (z, y, x) = (dim[3], dim[2], dim[1]), voxels in file order.
struct Nifti {
    std::array<std::int64_t, 3> shape{};
    std::array<double, 3> spacing{};  // z, y, x
    std::array<double, 16> affine{};  // sform, row-major
    std::int16_t datatype = 0;
    std::vector<std::uint8_t> raw;    // the voxel bytes as stored

    std::size_t voxels() const { return static_cast<std::size_t>(shape[0] * shape[1] * shape[2]); }

    // The voxels as float32, with scl_slope/scl_inter as nibabel applies them (the sample files have neither).
    std::vector<float> as_float() const {
        std::vector<float> values(voxels());
        for (std::size_t i = 0; i < values.size(); ++i) {
            switch (datatype) {
                case 2: values[i] = raw[i]; break;
                case 4: {
                    std::int16_t v;
                    std::memcpy(&v, &raw[2 * i], 2);
                    values[i] = v;
                    break;
                }
                case 16: std::memcpy(&values[i], &raw[4 * i], 4); break;
                default: throw std::runtime_error("test reader: NIfTI datatype " + std::to_string(datatype) + " not handled");
            }
        }
        return values;
    }
};

inline Nifti read_nifti(const std::string& path) {
    gzFile file = gzopen(path.c_str(), "rb");
    if (file == nullptr) {
        throw std::runtime_error(path + ": cannot open");
    }
    std::vector<std::uint8_t> bytes;
    std::uint8_t chunk[65536];
    int read = 0;
    while ((read = gzread(file, chunk, sizeof chunk)) > 0) {
        bytes.insert(bytes.end(), chunk, chunk + read);
    }
    gzclose(file);
    if (read < 0 || bytes.size() < 352) {
        throw std::runtime_error(path + ": not a gzip-compressed NIfTI-1 file");
    }
    auto field = [&](std::size_t offset, auto value) {
        std::memcpy(&value, &bytes[offset], sizeof value);
        return value;
    };
    Nifti volume;
    for (int axis = 0; axis < 3; ++axis) {
        volume.shape[axis] = field(40 + 2 * (3 - axis), std::int16_t());
        volume.spacing[axis] = field(76 + 4 * (3 - axis), float());
    }
    for (int i = 0; i < 12; ++i) {
        volume.affine[i] = field(280 + 4 * i, float());
    }
    volume.affine[15] = 1.0;
    volume.datatype = field(70, std::int16_t());
    std::size_t offset = static_cast<std::size_t>(field(108, float()));
    std::size_t width = static_cast<std::size_t>(field(72, std::int16_t()) / 8);
    if (bytes.size() < offset + width * volume.voxels()) {
        throw std::runtime_error(path + ": the voxel data is truncated");
    }
    volume.raw.assign(bytes.begin() + static_cast<std::ptrdiff_t>(offset),
                      bytes.begin() + static_cast<std::ptrdiff_t>(offset + width * volume.voxels()));
    return volume;
}

}  // namespace segtest

#endif  // SEGENGINE_TEST_SUPPORT_H
