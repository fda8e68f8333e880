// segengine.hpp: status codes become seg::Error, handles are owned by move-only seg::Model, progress is a std::function.
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include "segengine.hpp"
#include "test_support.h"

namespace {

using segtest::read_nifti;
using segtest::sample_case;
using segtest::sample_model;
using segtest::scratch_folder;

seg::Options fast_cpu() {
    seg::Options options;
    options.device = seg::Device::Cpu;
    options.use_mirroring = false;
    return options;
}

seg::Image image_of(const segtest::Nifti& file, const std::vector<float>& voxels) {
    seg::Image image;
    image.data = voxels.data();
    image.count = voxels.size();
    image.channels = 1;
    image.shape = file.shape;
    image.spacing = file.spacing;
    return image;
}

static_assert(!std::is_copy_constructible_v<seg::Model>, "a model owns its handle");
static_assert(std::is_nothrow_move_constructible_v<seg::Model>, "a model moves without throwing");

TEST(CppWrapper, FailuresBecomeErrorsWithTheStatusAndMessage) {
    std::string missing = (scratch_folder() / "no-such-model").string();
    try {
        seg::Model model(missing, fast_cpu());
        FAIL() << "opening a missing folder succeeded";
    } catch (const seg::Error& error) {
        EXPECT_TRUE(error.code() == SEG_EIO || error.code() == SEG_EMODEL) << error.code();
        EXPECT_NE(std::string(error.what()).find("no-such-model"), std::string::npos) << error.what();
    }
}

TEST(CppWrapper, AnEmptyModelThrowsInsteadOfCrashing) {
    seg::Model empty;
    EXPECT_FALSE(empty);
    try {
        (void)empty.info();
        FAIL() << "an empty model answered";
    } catch (const seg::Error& error) {
        EXPECT_EQ(error.code(), SEG_EINVAL);
    }
}

TEST(CppWrapper, ModelsMoveAndReleaseTheirHandle) {
    seg::Model first(sample_model(), fast_cpu());
    seg_model* handle = first.get();

    seg::Model second(std::move(first));
    EXPECT_FALSE(first);
    EXPECT_EQ(second.get(), handle);

    seg::Model third;
    third = std::move(second);
    EXPECT_EQ(third.get(), handle);
    EXPECT_EQ(third.info().channels, 1);

    seg_model* released = third.release();
    EXPECT_FALSE(third);
    EXPECT_EQ(seg_model_free(released), SEG_OK);
}

TEST(CppWrapper, PredictReturnsTheLabelsPredictFileWrites) {
    seg::Model model(sample_model(), fast_cpu());
    segtest::Nifti file = read_nifti(sample_case());
    std::vector<float> voxels = file.as_float();
    std::string output = (scratch_folder() / "case_003.nii.gz").string();

    seg::Labels labels = model.predict(image_of(file, voxels));
    model.predict_file({sample_case()}, output);

    EXPECT_EQ(labels.label_type, SEG_LABELS_U8);
    EXPECT_EQ(labels.bytes, read_nifti(output).raw);
    EXPECT_EQ(labels.at(0, 0, 0), labels.bytes[0]);
}

TEST(CppWrapper, AProgressReturningFalseCancels) {
    seg::Model model(sample_model(), fast_cpu());
    std::filesystem::path folder = scratch_folder();
    std::string output = (folder / "case_003.nii.gz").string();
    int reports = 0;

    try {
        model.predict_file({sample_case()}, output, [&](seg::Stage stage, double) {
            ++reports;
            return stage != seg::Stage::Preprocess;
        });
        FAIL() << "the prediction was not cancelled";
    } catch (const seg::Error& error) {
        EXPECT_EQ(error.code(), SEG_ECANCELLED);
    }
    EXPECT_EQ(reports, 3);  // read 0, read 1, preprocess 0
    EXPECT_TRUE(std::filesystem::is_empty(folder));
}

TEST(CppWrapper, AnExceptionInTheProgressIsRethrownAfterTheCall) {
    seg::Model model(sample_model(), fast_cpu());
    segtest::Nifti file = read_nifti(sample_case());
    std::vector<float> voxels = file.as_float();

    EXPECT_THROW(model.predict(image_of(file, voxels),
                               [](seg::Stage stage, double) -> bool {
                                   if (stage == seg::Stage::Predict) {
                                       throw std::out_of_range("host gave up");
                                   }
                                   return true;
                               }),
                 std::out_of_range);
    EXPECT_EQ(model.predict(image_of(file, voxels)).bytes.size(), voxels.size());
}

TEST(CppWrapper, ATooSmallBufferThrowsBufferError) {
    seg::Model model(sample_model(), fast_cpu());
    segtest::Nifti file = read_nifti(sample_case());
    std::vector<float> voxels = file.as_float();
    std::vector<std::uint8_t> labels(8);

    try {
        model.predict_into(image_of(file, voxels), labels.data(), labels.size());
        FAIL() << "an 8-byte buffer was accepted";
    } catch (const seg::Error& error) {
        EXPECT_EQ(error.code(), SEG_EBUFS);
        EXPECT_NE(std::string(error.what()).find("SEG_EBUFS"), std::string::npos) << error.what();
    }
}

TEST(CppWrapper, MemoryPlanAndLabelSize) {
    seg::Model model(sample_model(), fast_cpu());
    seg::Shape shape{30, 36, 40};

    EXPECT_EQ(model.label_size(shape), 30u * 36u * 40u);
    seg_memory_plan plan = model.plan_memory(shape, {1.0, 1.0, 1.0});
    EXPECT_GT(plan.total_bytes, 0u);
    EXPECT_EQ(model.warnings(), "");
    EXPECT_EQ(seg::version(), SEGENGINE_VERSION_STRING);
}

}  // namespace
