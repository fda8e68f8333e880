/* A C89 host of an installed libsegengine: checks the versions, opens a model and reads its info, which proves the
 * header, the link and both RUNPATHs (the host's to libsegengine.so, libsegengine.so's to libonnxruntime.so). */
#include <stdio.h>
#include <string.h>

#include "segengine.h"

int main(int argc, char** argv)
{
    seg_model* model = NULL;
    seg_model_info info;
    char message[1024];
    int status;

    if (seg_abi_version() != SEG_ABI_VERSION || strcmp(seg_version(), SEGENGINE_VERSION_STRING) != 0) {
        fprintf(stderr, "consumer: library %s (ABI %u) does not match header %s (ABI %u)\n", seg_version(),
                (unsigned)seg_abi_version(), SEGENGINE_VERSION_STRING, (unsigned)SEG_ABI_VERSION);
        return 1;
    }
    if (argc != 2) {
        fprintf(stderr, "usage: consumer MODEL_DIR\n");
        return 2;
    }

    status = seg_model_open(&model, argv[1], NULL);
    if (status == SEG_OK) {
        status = seg_model_get_info(model, &info);
    }
    if (status != SEG_OK) {
        seg_last_error(message, sizeof message, NULL);
        fprintf(stderr, "consumer: %s: %s\n", seg_status_name(status), message);
        seg_model_free(model);
        return 1;
    }

    printf("libsegengine %s: %d channel(s), %d fold(s), device %d\n", seg_version(), (int)info.channels, (int)info.folds,
           (int)info.device);
    seg_model_free(model);
    return 0;
}
