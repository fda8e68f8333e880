// The C interface of libsegengine: error paths first (every one must give a status and a message, never a crash),
// then predictions from files and from memory, progress and cancellation, threads, devices and memory plans.
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "segengine.h"
#include "test_support.h"

namespace {

using segtest::last_error;
using segtest::read_nifti;
using segtest::sample_case;
using segtest::sample_model;
using segtest::scratch_folder;

// The sample model on the CPU without mirroring (a prediction of case_003 takes about 0.1 s); freed at scope exit.
struct OpenModel {
    seg_model* handle = nullptr;

    explicit OpenModel(int32_t device = SEG_DEVICE_CPU, int32_t threads = 0, double memory_budget_gb = 0.0) {
        seg_options options = SEG_OPTIONS_INIT;
        options.device = device;
        options.threads = threads;
        options.use_mirroring = 0;
        options.memory_budget_gb = memory_budget_gb;
        int status = seg_model_open(&handle, sample_model().c_str(), &options);
        if (status != SEG_OK) {
            ADD_FAILURE() << "seg_model_open: " << seg_status_name(status) << ": " << last_error();
        }
    }

    ~OpenModel() { (void)seg_model_free(handle); }

    OpenModel(const OpenModel&) = delete;
    OpenModel& operator=(const OpenModel&) = delete;
};

// case_003 as a host would hand it over: the file's voxels as float32, its shape, spacing and affine.
struct SampleImage {
    segtest::Nifti file = read_nifti(sample_case());
    std::vector<float> voxels = file.as_float();
    seg_image image = SEG_IMAGE_INIT;

    SampleImage() {
        image.channels = 1;
        image.data = voxels.data();
        image.data_count = voxels.size();
        for (int axis = 0; axis < 3; ++axis) {
            image.shape[axis] = file.shape[axis];
            image.spacing[axis] = file.spacing[axis];
        }
        image.affine = file.affine.data();
    }
};

// Records every progress report; cancels (returns 1) at the first report of cancel_stage at or past cancel_at.
struct ProgressLog {
    std::vector<std::pair<int32_t, double>> reports;
    int32_t cancel_stage = 0;
    double cancel_at = 0.0;
};

int record_progress(int32_t stage, double fraction, void* payload) {
    auto* log = static_cast<ProgressLog*>(payload);
    log->reports.emplace_back(stage, fraction);
    return stage == log->cancel_stage && fraction >= log->cancel_at ? 1 : 0;
}

std::vector<std::uint8_t> predict_labels(seg_model* model, const seg_image& image) {
    size_t bytes = 0;
    EXPECT_EQ(seg_model_label_size(model, image.shape, &bytes), SEG_OK) << last_error();
    std::vector<std::uint8_t> labels(bytes);
    int status = seg_model_predict(model, &image, labels.data(), labels.size(), nullptr, nullptr, nullptr);
    EXPECT_EQ(status, SEG_OK) << last_error();
    return labels;
}

TEST(CApi, VersionMatchesTheHeader) {
    EXPECT_EQ(seg_abi_version(), SEG_ABI_VERSION);
    EXPECT_STREQ(seg_version(), SEGENGINE_VERSION_STRING);
    EXPECT_STREQ(seg_status_name(SEG_EBUFS), "SEG_EBUFS");
    EXPECT_STREQ(seg_status_name(12345), "unknown status");
}

TEST(CApi, OpeningAMissingFolderFailsWithItsPath) {
    seg_model* model = reinterpret_cast<seg_model*>(0x1);
    std::string missing = (scratch_folder() / "no-such-model").string();

    int status = seg_model_open(&model, missing.c_str(), nullptr);

    EXPECT_TRUE(status == SEG_EIO || status == SEG_EMODEL) << seg_status_name(status);
    EXPECT_EQ(model, nullptr);
    EXPECT_NE(last_error().find("no-such-model"), std::string::npos) << last_error();
    std::size_t needed = 0;
    EXPECT_EQ(seg_last_error(nullptr, 0, &needed), status);
    EXPECT_EQ(needed, last_error().size() + 1);
}

TEST(CApi, OpenRejectsNullArguments) {
    seg_model* model = nullptr;
    EXPECT_EQ(seg_model_open(nullptr, sample_model().c_str(), nullptr), SEG_EINVAL);
    EXPECT_NE(last_error().find("out is NULL"), std::string::npos) << last_error();
    EXPECT_EQ(seg_model_open(&model, nullptr, nullptr), SEG_EINVAL);
    EXPECT_NE(last_error().find("model_dir is NULL"), std::string::npos) << last_error();
    EXPECT_EQ(model, nullptr);
}

TEST(CApi, OpenRejectsBadOptionsNamingTheField) {
    struct Case {
        const char* field;
        void (*spoil)(seg_options&);
    };
    const Case cases[] = {
        {"version", [](seg_options& o) { o.version = 99; }},
        {"version", [](seg_options& o) { o.version = 0; }},
        {"device", [](seg_options& o) { o.device = 7; }},
        {"threads", [](seg_options& o) { o.threads = -1; }},
        {"step_size", [](seg_options& o) { o.step_size = 1.5; }},
        {"memory_budget_gb", [](seg_options& o) { o.memory_budget_gb = -1.0; }},
        {"folds", [](seg_options& o) { o.folds = " , "; }},
    };
    for (const Case& c : cases) {
        seg_options options = SEG_OPTIONS_INIT;
        c.spoil(options);
        seg_model* model = nullptr;

        EXPECT_EQ(seg_model_open(&model, sample_model().c_str(), &options), SEG_EINVAL) << c.field;
        EXPECT_NE(last_error().find(std::string("options->") + c.field), std::string::npos) << last_error();
        EXPECT_EQ(model, nullptr);
    }
}

TEST(CApi, AnUnknownFoldIsAModelError) {
    seg_options options = SEG_OPTIONS_INIT;
    options.folds = "7";
    seg_model* model = nullptr;

    int status = seg_model_open(&model, sample_model().c_str(), &options);

    EXPECT_LT(status, 0);
    EXPECT_NE(last_error().find("7"), std::string::npos) << last_error();
    EXPECT_EQ(model, nullptr);
}

TEST(CApi, TheLastErrorIsPerThreadAndTruncatesSafely) {
    EXPECT_EQ(seg_model_open(nullptr, nullptr, nullptr), SEG_EINVAL);
    std::string message = last_error();

    char small[5] = {'x', 'x', 'x', 'x', 'x'};
    std::size_t needed = 0;
    EXPECT_EQ(seg_last_error(small, sizeof small, &needed), SEG_EINVAL);
    EXPECT_EQ(needed, message.size() + 1);
    EXPECT_EQ(std::string(small), message.substr(0, 4));

    int other_status = 1;
    std::thread([&] { other_status = seg_last_error(nullptr, 0, nullptr); }).join();
    EXPECT_EQ(other_status, SEG_OK);
}

TEST(CApi, FreeingNullIsANoOpAndFreeingTwiceIsAnError) {
    EXPECT_EQ(seg_model_free(nullptr), SEG_OK);
    OpenModel model;
    ASSERT_NE(model.handle, nullptr);

    EXPECT_EQ(seg_model_free(model.handle), SEG_OK);
    EXPECT_EQ(seg_model_free(model.handle), SEG_EHANDLE);
    model.handle = nullptr;
}

TEST(CApi, FreedAndForgedHandlesAreRejected) {
    OpenModel model;
    seg_model* freed = model.handle;
    ASSERT_EQ(seg_model_free(freed), SEG_OK);
    model.handle = nullptr;
    seg_model* forged = reinterpret_cast<seg_model*>(static_cast<std::uintptr_t>(0xdeadbeef));
    seg_model_info info{};
    int64_t shape[3] = {1, 1, 1};
    size_t bytes = 0;

    for (seg_model* handle : {freed, forged}) {
        EXPECT_EQ(seg_model_get_info(handle, &info), SEG_EHANDLE);
        EXPECT_NE(last_error().find("not an open model"), std::string::npos) << last_error();
        EXPECT_EQ(seg_model_label_size(handle, shape, &bytes), SEG_EHANDLE);
        const char* files[] = {"x.nii.gz"};
        EXPECT_EQ(seg_model_predict_file(handle, files, 1, "y.nii.gz", nullptr, nullptr), SEG_EHANDLE);
    }
    EXPECT_EQ(seg_model_get_info(nullptr, &info), SEG_EINVAL);
}

TEST(CApi, NullArgumentsAreRejected) {
    OpenModel model;
    SampleImage sample;
    int64_t shape[3] = {2, 2, 2};
    double spacing[3] = {1, 1, 1};
    size_t bytes = 0;
    seg_memory_plan plan{};
    std::vector<std::uint8_t> labels(sample.voxels.size());
    const char* no_files[] = {nullptr};
    const std::string input = sample_case();
    const char* files[] = {input.c_str()};
    std::string output = (scratch_folder() / "out.nii.gz").string();

    EXPECT_EQ(seg_model_get_info(model.handle, nullptr), SEG_EINVAL);
    EXPECT_EQ(seg_model_label_size(model.handle, nullptr, &bytes), SEG_EINVAL);
    EXPECT_EQ(seg_model_label_size(model.handle, shape, nullptr), SEG_EINVAL);
    EXPECT_EQ(seg_model_plan_memory(model.handle, nullptr, spacing, &plan), SEG_EINVAL);
    EXPECT_EQ(seg_model_plan_memory(model.handle, shape, nullptr, &plan), SEG_EINVAL);
    EXPECT_EQ(seg_model_plan_memory(model.handle, shape, spacing, nullptr), SEG_EINVAL);
    EXPECT_EQ(seg_model_predict(model.handle, nullptr, labels.data(), labels.size(), nullptr, nullptr, nullptr), SEG_EINVAL);
    seg_image no_data = sample.image;
    no_data.data = nullptr;
    EXPECT_EQ(seg_model_predict(model.handle, &no_data, labels.data(), labels.size(), nullptr, nullptr, nullptr), SEG_EINVAL);
    EXPECT_NE(last_error().find("image->data is NULL"), std::string::npos) << last_error();
    EXPECT_EQ(seg_model_predict_file(model.handle, nullptr, 1, output.c_str(), nullptr, nullptr), SEG_EINVAL);
    EXPECT_EQ(seg_model_predict_file(model.handle, no_files, 1, output.c_str(), nullptr, nullptr), SEG_EINVAL);
    EXPECT_NE(last_error().find("channel_files[0] is NULL"), std::string::npos) << last_error();
    EXPECT_EQ(seg_model_predict_file(model.handle, files, 0, output.c_str(), nullptr, nullptr), SEG_EINVAL);
    EXPECT_EQ(seg_model_predict_file(model.handle, files, 1, nullptr, nullptr, nullptr), SEG_EINVAL);
    EXPECT_FALSE(std::filesystem::exists(output));
}

TEST(CApi, ATooSmallLabelBufferIsRefusedBeforeAnyWork) {
    OpenModel model;
    SampleImage sample;
    std::vector<std::uint8_t> labels(sample.voxels.size() - 1, 0xAB);
    std::size_t needed = 0;
    ProgressLog log;

    int status = seg_model_predict(model.handle, &sample.image, labels.data(), labels.size(), &needed, &record_progress, &log);

    EXPECT_EQ(status, SEG_EBUFS);
    EXPECT_EQ(needed, sample.voxels.size());
    EXPECT_NE(last_error().find(std::to_string(sample.voxels.size())), std::string::npos) << last_error();
    EXPECT_TRUE(log.reports.empty());
    for (std::uint8_t label : labels) {
        ASSERT_EQ(label, 0xAB);
    }
}

TEST(CApi, ANullLabelBufferQueriesTheSize) {
    OpenModel model;
    SampleImage sample;
    std::size_t needed = 0;
    std::size_t label_size = 0;

    EXPECT_EQ(seg_model_predict(model.handle, &sample.image, nullptr, 0, &needed, nullptr, nullptr), SEG_EBUFS);
    EXPECT_EQ(seg_model_label_size(model.handle, sample.image.shape, &label_size), SEG_OK);
    EXPECT_EQ(needed, label_size);
    EXPECT_EQ(needed, sample.voxels.size());
}

TEST(CApi, ImagesWhoseSizesDoNotAddUpAreRejected) {
    OpenModel model;
    SampleImage sample;
    std::vector<std::uint8_t> labels(sample.voxels.size());
    auto predict = [&](const seg_image& image) {
        return seg_model_predict(model.handle, &image, labels.data(), labels.size(), nullptr, nullptr, nullptr);
    };

    seg_image short_data = sample.image;
    short_data.data_count -= 1;
    EXPECT_EQ(predict(short_data), SEG_EINVAL);
    EXPECT_NE(last_error().find("data_count"), std::string::npos) << last_error();

    seg_image two_channels = sample.image;
    two_channels.channels = 2;
    two_channels.data_count *= 2;
    std::vector<float> doubled(two_channels.data_count);
    two_channels.data = doubled.data();
    std::vector<std::uint8_t> more(sample.voxels.size());
    EXPECT_EQ(seg_model_predict(model.handle, &two_channels, more.data(), more.size(), nullptr, nullptr, nullptr), SEG_EINPUT);
    EXPECT_NE(last_error().find("channel"), std::string::npos) << last_error();

    seg_image empty_axis = sample.image;
    empty_axis.shape[1] = 0;
    EXPECT_EQ(predict(empty_axis), SEG_EINVAL);
    EXPECT_NE(last_error().find("image->shape[1]"), std::string::npos) << last_error();

    seg_image zero_spacing = sample.image;
    zero_spacing.spacing[2] = 0.0;
    EXPECT_EQ(predict(zero_spacing), SEG_EINPUT);
    EXPECT_NE(last_error().find("spacing"), std::string::npos) << last_error();

    seg_image newer = sample.image;
    newer.version = SEG_IMAGE_VERSION + 1;
    EXPECT_EQ(predict(newer), SEG_EINVAL);
}

TEST(CApi, PredictingFromMemoryGivesTheLabelsOfPredictingTheFile) {
    OpenModel model;
    SampleImage sample;
    std::string output = (scratch_folder() / "case_003.nii.gz").string();
    const std::string input = sample_case();
    const char* files[] = {input.c_str()};

    std::vector<std::uint8_t> labels = predict_labels(model.handle, sample.image);
    ASSERT_EQ(seg_model_predict_file(model.handle, files, 1, output.c_str(), nullptr, nullptr), SEG_OK) << last_error();

    segtest::Nifti written = read_nifti(output);
    EXPECT_EQ(written.datatype, 2);  // uint8
    EXPECT_EQ(written.shape, sample.file.shape);
    EXPECT_EQ(written.raw, labels);
    std::size_t foreground = 0;
    for (std::uint8_t label : labels) {
        foreground += label != 0 ? 1 : 0;
    }
    EXPECT_GT(foreground, 0u);
}

TEST(CApi, TheAffineIsOptional) {
    OpenModel model;
    SampleImage sample;
    seg_image without_affine = sample.image;
    without_affine.affine = nullptr;

    EXPECT_EQ(predict_labels(model.handle, without_affine), predict_labels(model.handle, sample.image));
}

TEST(CApi, ProgressReportsEveryStageInOrder) {
    OpenModel model;
    std::string output = (scratch_folder() / "case_003.nii.gz").string();
    const std::string input = sample_case();
    const char* files[] = {input.c_str()};
    ProgressLog log;

    ASSERT_EQ(seg_model_predict_file(model.handle, files, 1, output.c_str(), &record_progress, &log), SEG_OK) << last_error();

    ASSERT_FALSE(log.reports.empty());
    EXPECT_EQ(log.reports.front(), std::make_pair(int32_t{SEG_STAGE_READ}, 0.0));
    EXPECT_EQ(log.reports.back(), std::make_pair(int32_t{SEG_STAGE_WRITE}, 1.0));
    for (std::size_t i = 1; i < log.reports.size(); ++i) {
        auto [stage, fraction] = log.reports[i];
        auto [previous_stage, previous_fraction] = log.reports[i - 1];
        EXPECT_GE(fraction, 0.0);
        EXPECT_LE(fraction, 1.0);
        EXPECT_TRUE(stage > previous_stage || (stage == previous_stage && fraction >= previous_fraction))
            << "report " << i << ": stage " << stage << " " << fraction << " after " << previous_stage << " " << previous_fraction;
    }
    for (int32_t stage : {SEG_STAGE_PREPROCESS, SEG_STAGE_PREDICT, SEG_STAGE_EXPORT}) {
        EXPECT_NE(std::find(log.reports.begin(), log.reports.end(), std::make_pair(stage, 1.0)), log.reports.end()) << stage;
    }
}

TEST(CApi, AMissingInputFileIsNamedInTheError) {
    OpenModel model;
    std::filesystem::path folder = scratch_folder();
    std::string missing = (folder / "absent_0000.nii.gz").string();
    std::string output = (folder / "absent.nii.gz").string();
    const char* files[] = {missing.c_str()};

    EXPECT_EQ(seg_model_predict_file(model.handle, files, 1, output.c_str(), nullptr, nullptr), SEG_EIO);
    EXPECT_NE(last_error().find(missing), std::string::npos) << last_error();
    EXPECT_FALSE(std::filesystem::exists(output));
}

TEST(CApi, CancellingFromTheCallbackStopsThePredictionAndWritesNothing) {
    OpenModel model;
    std::filesystem::path folder = scratch_folder();
    std::string output = (folder / "case_003.nii.gz").string();
    const std::string input = sample_case();
    const char* files[] = {input.c_str()};
    ProgressLog log;
    log.cancel_stage = SEG_STAGE_PREDICT;

    int status = seg_model_predict_file(model.handle, files, 1, output.c_str(), &record_progress, &log);

    EXPECT_EQ(status, SEG_ECANCELLED);
    EXPECT_NE(last_error().find("cancelled"), std::string::npos) << last_error();
    EXPECT_EQ(log.reports.back(), std::make_pair(int32_t{SEG_STAGE_PREDICT}, 0.0)) << "the callback was called after it cancelled";
    EXPECT_TRUE(std::filesystem::is_empty(folder));

    // The model is still usable.
    EXPECT_EQ(seg_model_predict_file(model.handle, files, 1, output.c_str(), nullptr, nullptr), SEG_OK) << last_error();
    EXPECT_TRUE(std::filesystem::exists(output));
}

TEST(CApi, CancellingAtTheLastStageLeavesTheLabelBufferUntouched) {
    OpenModel model;
    SampleImage sample;
    std::vector<std::uint8_t> labels(sample.voxels.size(), 0xAB);
    ProgressLog log;
    log.cancel_stage = SEG_STAGE_EXPORT;
    log.cancel_at = 1.0;

    int status = seg_model_predict(model.handle, &sample.image, labels.data(), labels.size(), nullptr, &record_progress, &log);

    EXPECT_EQ(status, SEG_ECANCELLED);
    EXPECT_EQ(log.reports.back(), std::make_pair(int32_t{SEG_STAGE_EXPORT}, 1.0));
    for (std::uint8_t label : labels) {
        ASSERT_EQ(label, 0xAB);
    }
}

TEST(CApi, TwoThreadsPredictOnTwoHandles) {
    SampleImage sample;
    std::vector<std::uint8_t> expected;
    {
        OpenModel reference(SEG_DEVICE_CPU, 1);
        expected = predict_labels(reference.handle, sample.image);
    }
    std::vector<std::uint8_t> results[2];
    int statuses[2] = {1, 1};

    auto worker = [&](int index) {
        seg_options options = SEG_OPTIONS_INIT;
        options.device = SEG_DEVICE_CPU;
        options.threads = 1;
        options.use_mirroring = 0;
        seg_model* model = nullptr;
        statuses[index] = seg_model_open(&model, sample_model().c_str(), &options);
        for (int round = 0; round < 3 && statuses[index] == SEG_OK; ++round) {
            results[index].assign(sample.voxels.size(), 0xFF);
            statuses[index] = seg_model_predict(model, &sample.image, results[index].data(), results[index].size(), nullptr,
                                                nullptr, nullptr);
        }
        (void)seg_model_free(model);
    };
    std::thread first(worker, 0);
    std::thread second(worker, 1);
    first.join();
    second.join();

    for (int index = 0; index < 2; ++index) {
        EXPECT_EQ(statuses[index], SEG_OK) << seg_status_name(statuses[index]);
        EXPECT_EQ(results[index], expected) << "thread " << index;
    }
}

TEST(CApi, ConcurrentPredictionsOnOneHandleAreSerialised) {
    OpenModel model(SEG_DEVICE_CPU, 1);
    SampleImage sample;
    std::vector<std::uint8_t> expected = predict_labels(model.handle, sample.image);
    std::vector<std::uint8_t> results[2];
    int statuses[2] = {1, 1};

    auto worker = [&](int index) {
        results[index].assign(sample.voxels.size(), 0xFF);
        statuses[index] = seg_model_predict(model.handle, &sample.image, results[index].data(), results[index].size(), nullptr,
                                            nullptr, nullptr);
    };
    std::thread first(worker, 0);
    std::thread second(worker, 1);
    first.join();
    second.join();

    for (int index = 0; index < 2; ++index) {
        EXPECT_EQ(statuses[index], SEG_OK) << seg_status_name(statuses[index]);
        EXPECT_EQ(results[index], expected) << "thread " << index;
    }
}

// The callback frees the handle mid-prediction: the running call keeps its model and finishes; later calls are refused.
TEST(CApi, FreeingDuringAPredictionLetsItFinish) {
    OpenModel model;
    SampleImage sample;
    std::vector<std::uint8_t> labels(sample.voxels.size());
    struct Context {
        seg_model* handle;
        int free_status;
    } context{model.handle, 1};
    auto free_at_predict = [](int32_t stage, double fraction, void* payload) {
        auto* c = static_cast<Context*>(payload);
        if (stage == SEG_STAGE_PREDICT && fraction == 0.0) {
            c->free_status = seg_model_free(c->handle);
        }
        return 0;
    };

    int status = seg_model_predict(model.handle, &sample.image, labels.data(), labels.size(), nullptr, free_at_predict, &context);

    EXPECT_EQ(status, SEG_OK) << last_error();
    EXPECT_EQ(context.free_status, SEG_OK);
    seg_model_info info{};
    EXPECT_EQ(seg_model_get_info(model.handle, &info), SEG_EHANDLE);
    model.handle = nullptr;
}

TEST(CApi, DeviceAutoIsTheCpuWithoutAWarningOnTheCpuPackage) {
    OpenModel model(SEG_DEVICE_AUTO);
    seg_model_info info{};
    ASSERT_EQ(seg_model_get_info(model.handle, &info), SEG_OK) << last_error();
    std::size_t needed = 0;
    ASSERT_EQ(seg_model_warnings(model.handle, nullptr, 0, &needed), SEG_EBUFS);
    std::string warnings(needed, '\0');
    ASSERT_EQ(seg_model_warnings(model.handle, &warnings[0], warnings.size(), nullptr), SEG_OK) << last_error();
    warnings.resize(needed - 1);

    // libsegengine ships the CPU-only ONNX Runtime package: auto means the CPU and nothing was missed, so nothing is
    // said (a GPU build that cannot load CUDA warns once, naming the missing library: docs/gpu.md).
    EXPECT_EQ(info.device, SEG_DEVICE_CPU);
    EXPECT_EQ(warnings, "");
    EXPECT_EQ(info.channels, 1);
    EXPECT_EQ(info.label_type, SEG_LABELS_U8);
    EXPECT_EQ(info.folds, 1);
}

TEST(CApi, DeviceCudaWithoutCudaFailsCleanly) {
    seg_options options = SEG_OPTIONS_INIT;
    options.device = SEG_DEVICE_CUDA;
    seg_model* model = nullptr;

    int status = seg_model_open(&model, sample_model().c_str(), &options);

    if (status == SEG_OK) {
        GTEST_SKIP() << "this ONNX Runtime has a working CUDA provider";
    }
    EXPECT_EQ(status, SEG_EUNSUPPORTED);
    EXPECT_NE(last_error().find("device cuda was requested"), std::string::npos) << last_error();
    EXPECT_EQ(model, nullptr);
}

TEST(CApi, WarningsOfAModelWithoutAnyAreEmpty) {
    OpenModel model(SEG_DEVICE_CPU);
    char text[8] = {'x'};
    std::size_t needed = 0;

    EXPECT_EQ(seg_model_warnings(model.handle, text, sizeof text, &needed), SEG_OK);
    EXPECT_EQ(needed, 1u);
    EXPECT_STREQ(text, "");
}

TEST(CApi, TheMemoryPlanCoversTheImageAndHonoursTheBudget) {
    SampleImage sample;
    seg_memory_plan plan{};
    {
        OpenModel model;
        ASSERT_EQ(seg_model_plan_memory(model.handle, sample.image.shape, sample.image.spacing, &plan), SEG_OK) << last_error();
        EXPECT_GT(plan.total_bytes, sample.voxels.size() * sizeof(float));
        EXPECT_GE(plan.batch_size, 1);
        EXPECT_GE(plan.streaming_depth, 1);
    }

    OpenModel tight(SEG_DEVICE_CPU, 0, 0.001);
    EXPECT_EQ(seg_model_plan_memory(tight.handle, sample.image.shape, sample.image.spacing, &plan), SEG_EMEMORY);
    EXPECT_NE(last_error().find("memory budget is 0.001 GB"), std::string::npos) << last_error();
    std::vector<std::uint8_t> labels(sample.voxels.size());
    EXPECT_EQ(seg_model_predict(tight.handle, &sample.image, labels.data(), labels.size(), nullptr, nullptr, nullptr), SEG_EMEMORY);
}

}  // namespace
