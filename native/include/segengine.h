/*
 * segengine.h - C interface of SegEngine (libsegengine.so): nnU-Net v2 segmentation models, exported to ONNX, run on
 * ONNX Runtime. The library is the .NET engine compiled ahead of time; hosts need no .NET install, only
 * libsegengine.so and libonnxruntime.so side by side (libsegengine.so finds ONNX Runtime through RUNPATH $ORIGIN).
 *
 * Conventions
 *   - Every function that can fail returns an int status: SEG_OK (0) or a negative SEG_E* code. The message of the
 *     last failure on the calling thread is read with seg_last_error(). No function lets an exception or a signal
 *     escape: null pointers, wrong sizes, unknown struct versions and freed handles are reported as status codes.
 *   - A model is an opaque handle (seg_model*) from seg_model_open(), released with seg_model_free(). The pointer is
 *     a key into the library's handle table, never dereferenced: a freed or made-up handle gives SEG_EHANDLE.
 *   - Structs the caller fills in (seg_options, seg_image) start with a version field; initialise them with their
 *     *_INIT macro. Fields are only ever appended; the library rejects versions newer than its own with SEG_EINVAL.
 *   - Outputs go to caller buffers (pointer, capacity in bytes, optional size_t* needed). Text comes as UTF-8,
 *     NUL-terminated. Nothing returned needs to be freed by the caller, except handles with seg_model_free().
 *   - Arrays are in nnU-Net's order: (channel, z, y, x) with x fastest. For a NIfTI file that is the file's own voxel
 *     order, with z = dim[3], y = dim[2], x = dim[1], and spacing (z, y, x) = (pixdim[3], pixdim[2], pixdim[1]).
 *
 * Thread safety
 *   - Every function may be called from any thread. Handles may be shared between threads.
 *   - Predictions on one handle are serialised inside the library (its ONNX Runtime sessions and sliding-window
 *     buffers are shared): concurrent calls on one handle are safe but the network stages run one at a time. For
 *     parallel predictions open one handle per thread; each handle holds its own sessions and memory.
 *   - seg_model_free() may be called while other threads still use the handle: calls already running finish and the
 *     model is released after the last one returns; calls made after seg_model_free() get SEG_EHANDLE.
 *   - The last error is thread-local. Callbacks run synchronously on the thread that made the call.
 */
#ifndef SEGENGINE_H
#define SEGENGINE_H

#include <stddef.h>
#include <stdint.h>

#define SEGENGINE_VERSION_MAJOR 0
#define SEGENGINE_VERSION_MINOR 1
#define SEGENGINE_VERSION_PATCH 0
#define SEGENGINE_VERSION_STRING "0.1.0"

/* The ABI this header describes; seg_abi_version() returns the library's. They must be equal. */
#define SEG_ABI_VERSION 1u

#if defined(_WIN32)
#define SEG_API __declspec(dllimport)
#else
#define SEG_API __attribute__((visibility("default")))
#endif

#if defined(__GNUC__) || defined(__clang__)
#define SEG_NODISCARD __attribute__((warn_unused_result))
#else
#define SEG_NODISCARD
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes. */
#define SEG_OK 0
#define SEG_EINVAL (-1)       /* a null pointer, an out-of-range option, a size that does not add up, an unknown version */
#define SEG_EHANDLE (-2)      /* the handle was freed or never came from seg_model_open() */
#define SEG_EBUFS (-3)        /* the output buffer is too small; *needed holds the size required */
#define SEG_ECANCELLED (-4)   /* the progress callback returned non-zero; nothing was written */
#define SEG_EINPUT (-5)       /* the image is malformed or does not suit the model (channels, NaNs, ...) */
#define SEG_EMODEL (-6)       /* the model folder is incomplete or inconsistent */
#define SEG_EUNSUPPORTED (-7) /* a feature this build lacks, e.g. device SEG_DEVICE_CUDA with the CPU ONNX Runtime */
#define SEG_EIO (-8)          /* a file could not be read or written */
#define SEG_EMEMORY (-9)      /* the work exceeds the memory budget, or memory ran out */
#define SEG_ERUNTIME (-10)    /* ONNX Runtime failed while running the network */
#define SEG_ENUMERIC (-11)    /* numbers went out of range (infinite logits) */
#define SEG_EINTERNAL (-12)   /* a bug in the library; the message names the exception */

/* Where the network runs (seg_options.device, seg_model_info.device). */
#define SEG_DEVICE_AUTO 0 /* CUDA when available, otherwise the CPU (a CUDA build that cannot load CUDA warns) */
#define SEG_DEVICE_CPU 1
#define SEG_DEVICE_CUDA 2 /* failing to create the CUDA provider is an error (SEG_EUNSUPPORTED) */

/* Label storage (seg_model_info.label_type): bytes per voxel. */
#define SEG_LABELS_U8 1
#define SEG_LABELS_U16 2 /* the model has a label of 255 or more */

/* Prediction stages, in order (the progress callback's stage). */
#define SEG_STAGE_READ 1       /* seg_model_predict_file only */
#define SEG_STAGE_PREPROCESS 2
#define SEG_STAGE_PREDICT 3    /* the sliding window; the fraction is the share of tile positions done */
#define SEG_STAGE_EXPORT 4
#define SEG_STAGE_WRITE 5      /* seg_model_predict_file only */

/* An opened model: plans, dataset, one ONNX Runtime session per fold. */
typedef struct seg_model seg_model;

/*
 * Progress of a prediction: each stage reports fraction 0 when it starts and 1 when it ends, SEG_STAGE_PREDICT also
 * after every batch of tiles. Return 0 to go on, non-zero to cancel: the prediction stops at the next stage start or
 * tile batch and returns SEG_ECANCELLED without writing any output. A cancel requested in the report that starts
 * SEG_STAGE_WRITE still counts; later reports cannot cancel (the file is being written). Must not throw or longjmp.
 * It may call the library (even seg_model_free on the model in use), but must not start a prediction on that model.
 */
typedef int (*seg_progress_fn)(int32_t stage, double fraction, void* payload);

#define SEG_OPTIONS_VERSION 1u

/* How seg_model_open() picks the model's parts and runs it. Initialise with SEG_OPTIONS_INIT. */
typedef struct seg_options {
    uint32_t version;          /* SEG_OPTIONS_VERSION */
    int32_t device;            /* SEG_DEVICE_*; default SEG_DEVICE_AUTO */
    const char* configuration; /* e.g. "3d_fullres" when the folder is a dataset folder; NULL: the folder's own */
    const char* folds;         /* "0", "0,1,2", "0 1 2", "all"; NULL: every fold_N folder */
    int32_t threads;           /* ONNX Runtime threads on the CPU; 0: one per core */
    int32_t use_mirroring;     /* 1: mirroring test-time augmentation (nnU-Net's default); 0: off (--disable_tta) */
    double step_size;          /* tile step as a fraction of the patch, in (0, 1]; default 0.5 */
    double memory_budget_gb;   /* host memory budget of the inference stage; 0: unlimited */
} seg_options;

#define SEG_OPTIONS_INIT { SEG_OPTIONS_VERSION, SEG_DEVICE_AUTO, NULL, NULL, 0, 1, 0.5, 0.0 }

#define SEG_IMAGE_VERSION 1u

/* An image in memory for seg_model_predict(). Initialise with SEG_IMAGE_INIT. */
typedef struct seg_image {
    uint32_t version;     /* SEG_IMAGE_VERSION */
    int32_t channels;     /* must equal seg_model_info.channels */
    const float* data;    /* channels * shape[0] * shape[1] * shape[2] values, (c, z, y, x), x fastest; only read */
    size_t data_count;    /* the number of floats at data, checked against channels and shape */
    int64_t shape[3];     /* z, y, x */
    double spacing[3];    /* z, y, x, e.g. in mm */
    const double* affine; /* optional: 16 doubles, row-major voxel (x, y, z) to world (RAS) matrix as in NIfTI; NULL:
                             a plain scaling by the spacing. nnU-Net never reorients, so it does not change the labels;
                             it is kept as the case's geometry. */
} seg_image;

#define SEG_IMAGE_INIT { SEG_IMAGE_VERSION, 0, NULL, 0, { 0, 0, 0 }, { 0.0, 0.0, 0.0 }, NULL }

/* What an opened model needs and produces. */
typedef struct seg_model_info {
    int32_t device;     /* SEG_DEVICE_CPU or SEG_DEVICE_CUDA: where the network runs after any fallback */
    int32_t channels;   /* image channels a case must have */
    int32_t label_type; /* SEG_LABELS_U8 or SEG_LABELS_U16 */
    int32_t folds;      /* folds ensembled per prediction */
} seg_model_info;

/* The host memory one prediction will hold, planned before any work. */
typedef struct seg_memory_plan {
    uint64_t total_bytes;    /* the larger stage: preprocessing (image, preprocessed volume, working memory) or the network stage (preprocessed volume, inference buffers, ONNX Runtime memory, label map) */
    int32_t batch_size;      /* tiles per network run */
    int32_t streaming_depth; /* axis-0 slices the aggregation holds at once */
} seg_memory_plan;

/* The ABI version of the library; compare with SEG_ABI_VERSION. */
SEG_API uint32_t seg_abi_version(void);

/* The library's version, "MAJOR.MINOR.PATCH"; static, never freed. */
SEG_API const char* seg_version(void);

/* A static name for a status code ("SEG_EBUFS"), or "unknown status" for other values. */
SEG_API const char* seg_status_name(int status);

/*
 * The last failure on this thread: returns its status (SEG_OK if no call on this thread has failed; successful calls
 * leave it unchanged) and copies its message into buf, truncated to cap bytes and NUL-terminated when cap > 0.
 * *needed (optional) gets the message's full size in bytes, NUL included. buf may be NULL when cap is 0.
 */
SEG_API int seg_last_error(char* buf, size_t cap, size_t* needed);

/*
 * Opens a model folder (the folder holding plans.json and fold_N/model.onnx, or a dataset folder with options->
 * configuration). options may be NULL for the defaults. Runs no tile on the CPU (one warm-up tile per fold on CUDA). On success *out is a handle
 * to release with seg_model_free(); on failure *out is NULL.
 */
SEG_API SEG_NODISCARD int seg_model_open(seg_model** out, const char* model_dir, const seg_options* options);

/* Releases a handle (see thread safety above). NULL is a no-op returning SEG_OK; a freed handle gives SEG_EHANDLE. */
SEG_API int seg_model_free(seg_model* model);

/* What the model needs (channels) and produces (label type), and where it runs. */
SEG_API SEG_NODISCARD int seg_model_get_info(seg_model* model, seg_model_info* out);

/*
 * The warnings of opening the model (e.g. "CUDA is not available, running on the CPU: ..." in a CUDA build), one
 * per line; an empty string when there were none. Writes what fits, NUL-terminated when cap > 0; *needed (optional)
 * gets the full size, NUL included. Returns SEG_EBUFS when the text was truncated.
 */
SEG_API SEG_NODISCARD int seg_model_warnings(seg_model* model, char* buf, size_t cap, size_t* needed);

/* Bytes of the label map for an image of shape (z, y, x): z * y * x * label_type. */
SEG_API SEG_NODISCARD int seg_model_label_size(seg_model* model, const int64_t shape[3], size_t* out_bytes);

/*
 * The memory plan for an image of shape (z, y, x) and spacing (z, y, x). Returns SEG_EMEMORY, with the plan's
 * table in the message, when it does not fit options.memory_budget_gb at any batch size.
 */
SEG_API SEG_NODISCARD int seg_model_plan_memory(seg_model* model, const int64_t shape[3], const double spacing[3], seg_memory_plan* out);

/*
 * Segments an image in memory into labels (z, y, x; x fastest; uint8 or uint16 as seg_model_info.label_type says).
 * labels_size is the buffer's size in bytes; when it is smaller than seg_model_label_size() (or labels is NULL) the
 * call returns SEG_EBUFS before any work, with *labels_needed (optional) set. The buffer is written only on SEG_OK.
 * progress may be NULL; payload is passed to it unchanged.
 */
SEG_API SEG_NODISCARD int seg_model_predict(
    seg_model* model, const seg_image* image, void* labels, size_t labels_size, size_t* labels_needed,
    seg_progress_fn progress, void* payload);

/*
 * Reads a case's channel files (one per channel, in the model's channel order), segments it and writes output_file
 * with the input's geometry, in the model's file format (e.g. .nii.gz). The output appears whole or not at all: it is
 * written under a temporary name and renamed. progress may be NULL.
 */
SEG_API SEG_NODISCARD int seg_model_predict_file(
    seg_model* model, const char* const* channel_files, size_t channel_count, const char* output_file,
    seg_progress_fn progress, void* payload);

#ifdef __cplusplus
}
#endif

#endif /* SEGENGINE_H */
