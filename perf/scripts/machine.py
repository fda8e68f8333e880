"""The machine a side-by-side run measured, as its tables name it."""
import platform


def cpu_description():
    """The first processor's name, family, model and vector width (the VMs call every CPU "AMD EPYC"), and the cores."""
    info = {}
    for line in open("/proc/cpuinfo"):
        if not line.strip():
            break
        key, _, value = line.partition(":")
        info.setdefault(key.strip(), value.strip())
    flags = info.get("flags", "").split()
    vectors = "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "no AVX2"
    cores = sum(1 for line in open("/proc/cpuinfo") if line.startswith("processor"))
    return f"{info.get('model name', platform.machine())} (family {info.get('cpu family', '?')} model {info.get('model', '?')}, {vectors}), {cores} cores"
