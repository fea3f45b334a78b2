"""Ahead of time: write the gradient of an ordinary NumPy function into a Python module of
its own with `s2sad generate`, commit it, and run it where s2sad is not installed.

The function is `miss` in examples/aot_model.py (a cannonball with air drag, integrated
for 300 steps, and its squared distance from a target). This program

1. runs the build step, `python -m s2sad generate examples.aot_model:miss
   --transform grad,value_and_grad -o DIR`, and shows what it wrote;
2. runs `s2sad generate ... --check`, the CI check that the committed files are current;
3. imports the generated modules in a fresh Python in which `import s2sad` fails, and
   uses them: the gradient at one launch velocity, then gradient descent to aim;
4. checks those numbers against s2sad's own in-process gradient and finite differences.

DIR is generated/ (the committed copies, see generated/README.md), or a temporary folder
with `--out DIR` or S2SAD_EXAMPLES_SMALL=1, so a test run writes nothing in the repository.

    python examples/aot_build.py [--out DIR]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # `examples.aot_model`, as the s2sad command imports it

import s2sad  # noqa: E402
from examples import aot_model  # noqa: E402

SMALL = os.environ.get("S2SAD_EXAMPLES_SMALL") == "1"
TARGET = "examples.aot_model:miss"
TRANSFORMS = "grad,value_and_grad"
V0 = np.array([25.0, 15.0])  # m/s: the first shot, short of the target
AIM_STEPS, LEARNING_RATE = (20 if SMALL else 100), 0.02

# What the deployed program does: load the generated files by path, with s2sad made
# unimportable first, so any hidden use of s2sad would be an ImportError here.
RUN_WITHOUT_S2SAD = r"""
import sys
sys.modules["s2sad"] = None  # from here on, `import s2sad` raises ImportError
import importlib.util
import json
from pathlib import Path

import numpy as np

def load(path):
    spec = importlib.util.spec_from_file_location(Path(path).stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module

grad_file, value_and_grad_file, v0, target, steps, lr = sys.argv[1:]
miss_grad = load(grad_file).miss_grad
miss_value_and_grad = load(value_and_grad_file).miss_value_and_grad
v0, target = np.array(json.loads(v0)), np.array(json.loads(target))

g = miss_grad(v0, target)
v, history = v0, []
for step in range(int(steps)):
    value, dv = miss_value_and_grad(v, target)
    history.append(value)
    v = v - float(lr) * dv

try:
    import s2sad
    sys.exit("s2sad could be imported")
except ImportError:
    print("import s2sad -> ImportError, as on a machine without it")
ours = sorted(n for n, m in sys.modules.items() if m and n.startswith(("s2sad", "examples")))
print("modules of this repository loaded:", ", ".join(ours))
print(json.dumps({"grad": g.tolist(), "history": history, "v": v.tolist()}))
"""


def s2sad_command(*args: str) -> subprocess.CompletedProcess:
    """Run `python -m s2sad ARGS` from the repository root; echo its output, indented."""
    print("$ s2sad " + " ".join(args))
    run = subprocess.run([sys.executable, "-m", "s2sad", *args], cwd=REPO, capture_output=True,
                         text=True)
    for line in (run.stdout + run.stderr).splitlines():
        print("    " + line)
    return run


def central_differences(f, x, eps=1e-6):
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = eps
        g[i] = (f(x + e) - f(x - e)) / (2 * eps)
    return g


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="folder to write into (default: generated/, or a "
                                      "temporary folder when S2SAD_EXAMPLES_SMALL=1)")
    out_arg = parser.parse_args().out
    with tempfile.TemporaryDirectory(prefix="s2sad-aot-") as tmp:
        out = Path(out_arg or (tmp if SMALL else REPO / "generated")).resolve()
        if out.is_relative_to(REPO):  # shown as `-o generated`, as generated/README.md has it
            out = out.relative_to(REPO)
        return build_and_check(out)


def build_and_check(out: Path) -> int:
    """Generate into ``out`` (relative to the repository root or absolute), then check."""
    # 1. The build step: one module per transform, named <module>_<function>_<transform>.py.
    built = s2sad_command("generate", TARGET, "--transform", TRANSFORMS, "-o", str(out))
    stem = TARGET.replace(".", "_").replace(":", "_")
    files = [REPO / out / f"{stem}_{t}.py" for t in TRANSFORMS.split(",")]
    if built.returncode != 0 or not all(f.exists() for f in files):
        print(f"s2sad generate failed (exit status {built.returncode})  -- UNEXPECTED")
        return 1

    # 2. What CI runs: exit status 1 and a diff when a committed file no longer matches.
    checked = s2sad_command("generate", TARGET, "--transform", TRANSFORMS, "-o", str(out),
                            "--check")
    up_to_date = checked.returncode == 0 and checked.stdout.count("up to date") == len(files)

    # 3. The head of the gradient module: a header saying how to regenerate it, then code.
    print(f"\n--- head of {files[0].name} " + "-" * 30)
    print("\n".join(files[0].read_text(encoding="utf-8").splitlines()[:40]))
    print("    ...\n" + "-" * 64 + "\n")

    # 4. The generated modules in a Python without s2sad.
    args = [str(files[0]), str(files[1]), json.dumps(V0.tolist()),
            json.dumps(aot_model.TARGET.tolist()), str(AIM_STEPS), str(LEARNING_RATE)]
    print("running the generated modules with s2sad unimportable:")
    run = subprocess.run([sys.executable, "-c", RUN_WITHOUT_S2SAD, *args], cwd=REPO,
                         capture_output=True, text=True)
    if run.returncode != 0:
        print(run.stdout + run.stderr + "the generated module did not run  -- UNEXPECTED")
        return 1
    *shown, result = run.stdout.splitlines()
    print("\n".join("    " + line for line in shown))
    result = json.loads(result)
    g_aot, history, v_aimed = np.array(result["grad"]), result["history"], np.array(result["v"])

    # 5. The same gradient from s2sad in this process, and by finite differences.
    g_s2sad = s2sad.grad(aot_model.miss)(V0, aot_model.TARGET)
    g_fd = central_differences(lambda v: aot_model.miss(v, aot_model.TARGET), V0)
    same = np.max(np.abs(g_aot - g_s2sad)) / np.max(np.abs(g_s2sad))
    fd_err = np.max(np.abs(g_aot - g_fd)) / np.max(np.abs(g_fd))
    print(f"    d miss / d v0 at {V0} m/s = {np.array2string(g_aot, precision=6)}")
    print(f"    relative difference from s2sad.grad in-process = {same:.1e}")
    print(f"    relative difference from finite differences    = {fd_err:.1e}")
    for step in range(0, AIM_STEPS, max(1, AIM_STEPS // 5)):
        print(f"    aiming, step {step:3d}: miss {history[step]:10.4f} m^2")
    landing = aot_model.fly(v_aimed)
    final = aot_model.miss(v_aimed, aot_model.TARGET)
    print(f"    after {AIM_STEPS} steps: launch at {np.round(v_aimed, 3)} m/s, the ball is at "
          f"{np.round(landing, 3)} m (target {aot_model.TARGET} m)")

    ok = (up_to_date and same <= 1e-12 and fd_err < 1e-6 and final < history[0]
          and all(b < a for a, b in zip(history, history[1:])))
    print(f"\nwrote {len(files)} modules to {out}; without s2sad their gradient matches "
          f"s2sad to {same:.0e} and finite differences to {fd_err:.0e}; aiming cut the miss "
          f"from {history[0]:.1f} to {final:.1f} m^2" + ("" if ok else "  -- UNEXPECTED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
