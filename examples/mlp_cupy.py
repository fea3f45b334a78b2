"""The MLP of ``examples/mlp_classifier.py`` with its gradient on a GPU: the same Python
loss, differentiated with ``backend="cupy"``.

The loss keeps calling ``np.*``; s2sad writes the gradient once as NumPy code and
converts that text to CuPy (``cp.*``, CuPy's scatter-add, CuPy's runtime helpers).
The CuPy module's source needs no GPU to generate, so this example always prints it.

With CuPy and a CUDA device it then moves the data to the GPU with ``cupy.asarray``,
checks that the CuPy gradient equals the NumPy one (to 1e-10, relative), times both,
and takes a few gradient-descent steps entirely on the device. Without them it says
why, runs and checks the NumPy gradient, and exits 0.

    python examples/mlp_cupy.py

Needs, for the GPU part: an NVIDIA GPU with its driver, and CuPy built for its CUDA
version (``pip install cupy-cuda12x``). Set ``S2SAD_EXAMPLES_SMALL=1`` for small sizes.
"""

import os
import sys
import time

import numpy as np

import s2sad

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # mlp_classifier.py is next to this file
from mlp_classifier import (L2, check_gradient, init_params, loss,  # noqa: E402
                            loss_and_grad, make_spirals)

SMALL = os.environ.get("S2SAD_EXAMPLES_SMALL") == "1"

N_PER_CLASS = 1_000 if SMALL else 20_000  # three classes: 3x as many points
HIDDEN = 64 if SMALL else 256
GPU_STEPS, GPU_LR = 20, 0.5
NEEDED = "an NVIDIA GPU with its CUDA driver, and CuPy for that CUDA (pip install cupy-cuda12x)"


def find_gpu():
    """(the cupy module, a description of the device), or (None, why there is none)."""
    try:
        import cupy
    except ModuleNotFoundError:
        return None, "CuPy is not installed"
    except Exception as err:  # noqa: BLE001 - installed, but its CUDA libraries are missing
        return None, f"CuPy cannot be imported ({type(err).__name__}: {err})"
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as err:  # noqa: BLE001 - no driver, or a driver too old for this CuPy
        return None, f"CuPy finds no CUDA driver ({type(err).__name__}: {err})"
    if count == 0:
        return None, "CuPy sees no CUDA device"
    name = cupy.cuda.runtime.getDeviceProperties(0)["name"]
    name = name.decode() if isinstance(name, bytes) else name
    return cupy, f"{name}, CuPy {cupy.__version__}"


def best_time(fn, repeat=5):
    """Best wall time of ``repeat`` calls of ``fn`` (which waits for its own results)."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def run_on_gpu(cp, device, gpu_grad, numpy_grad, params, X, y):
    """Check and time the CuPy gradient against the NumPy one; train a little on the GPU.
    Returns (the final line, whether its checks held)."""
    print(f"GPU: {device}")
    params_gpu = {k: cp.asarray(v) for k, v in params.items()}
    X_gpu, y_gpu = cp.asarray(X), cp.asarray(y)

    def on_gpu():
        out = gpu_grad(params_gpu, X_gpu, y_gpu, L2)
        cp.cuda.Device().synchronize()  # a GPU call returns before the kernels finish
        return out

    value_gpu, grads_gpu = on_gpu()  # the first call also compiles CuPy's kernels
    value, grads = numpy_grad(params, X, y, L2)
    worst = abs(float(value_gpu) - value) / abs(value)
    same_layout = True
    for k in grads:
        on_host = cp.asnumpy(grads_gpu[k])  # the gradient is a dict of device arrays
        same_layout &= on_host.shape == grads[k].shape and on_host.dtype == grads[k].dtype
        worst = max(worst, np.max(np.abs(on_host - grads[k])) / np.max(np.abs(grads[k])))
    print(f"CuPy vs NumPy: max relative difference of the loss and every gradient {worst:.1e}")

    t_cpu = best_time(lambda: numpy_grad(params, X, y, L2), repeat=3)
    t_gpu = best_time(on_gpu)
    print(f"value_and_grad: NumPy on the CPU {1e3 * t_cpu:.2f} ms, CuPy on the GPU "
          f"{1e3 * t_gpu:.2f} ms ({t_cpu / t_gpu:.1f}x)")

    first = float(value_gpu)
    for step in range(1, GPU_STEPS + 1):  # plain gradient descent; nothing leaves the device
        value_gpu, grads_gpu = gpu_grad(params_gpu, X_gpu, y_gpu, L2)
        params_gpu = {k: params_gpu[k] - GPU_LR * grads_gpu[k] for k in params_gpu}
        if step % 5 == 0:
            print(f"GPU step {step:3d}   loss {float(value_gpu):.4f}")
    ok = same_layout and worst < 1e-10 and float(value_gpu) < first
    return (f"CuPy gradient = NumPy gradient to {worst:.1e} (relative); {t_cpu / t_gpu:.1f}x "
            f"faster on the GPU; loss {first:.4f} -> {float(value_gpu):.4f} in {GPU_STEPS} GPU steps",
            ok)


def main() -> int:
    rng = np.random.default_rng(0)
    X, y = make_spirals(rng, N_PER_CLASS)
    params = init_params(rng, [2, HIDDEN, HIDDEN, 3])
    print(f"{len(y)} points, MLP 2-{HIDDEN}-{HIDDEN}-3, float64")
    cp, device = find_gpu()
    if cp is None:
        print(f"No GPU run: {device}. The GPU part needs {NEEDED}.")

    # The CuPy module is plain text: generating it needs neither CuPy nor a GPU.
    gpu_grad = s2sad.value_and_grad(loss, backend="cupy")
    source = gpu_grad.source
    code = [line.split("#")[0] for line in source.splitlines()]  # comments quote the NumPy source
    source_ok = "import cupy as cp" in code and not any("np." in line for line in code)
    if cp is None:
        print("\n--- s2sad.value_and_grad(loss, backend='cupy').source " + "-" * 24)
        print(source)
        print("-" * 78 + "\n")
    else:
        print(f"the CuPy gradient module: {len(source.splitlines())} lines, "
              f"{source.count('cp.')} calls into cupy")

    numpy_grad = loss_and_grad  # s2sad.value_and_grad(loss), the default NumPy backend
    t0 = time.perf_counter()
    value, _ = numpy_grad(params, X, y, L2)
    print(f"NumPy: loss {value:.4f}, value_and_grad in {1e3 * (time.perf_counter() - t0):.1f} ms "
          "(first call: builds or loads the derivative code)")
    some = rng.choice(len(y), size=300, replace=False)  # a few coordinates, on 300 points
    grad_err = check_gradient(params, X[some], y[some], rng)
    print(f"NumPy gradient: max |s2sad - finite differences| on a few coordinates = {grad_err:.1e}")
    ok = source_ok and grad_err < 1e-7

    if cp is None:
        final = (f"skipped the GPU run ({device}); the CuPy module was generated "
                 f"({len(source.splitlines())} lines) and the NumPy gradient checked "
                 f"(error {grad_err:.1e} vs finite differences)")
    else:
        final, gpu_ok = run_on_gpu(cp, device, gpu_grad, numpy_grad, params, X, y)
        ok = ok and gpu_ok
    print(final + ("" if ok else "  -- UNEXPECTED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
