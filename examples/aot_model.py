"""The model that examples/aot_build.py differentiates ahead of time: a cannonball with
air drag, integrated step by step, and how far it lands from a target.

An ordinary NumPy module: no s2sad import, nothing here knows it will be differentiated.
`s2sad generate examples.aot_model:miss --transform grad -o generated` writes its
gradient as a module of its own (generated/examples_aot_model_miss_grad.py), which
imports this file only for the constants below. Running this file flies one shot:

    python examples/aot_model.py
"""

import sys

import numpy as np

GRAVITY = np.array([0.0, -9.81])  # m/s^2
DRAG = 0.02  # quadratic air drag per unit mass, 1/m: a = g - DRAG |v| v
DT = 0.01  # s, semi-implicit Euler step
STEPS = 300  # 3 s of flight
TARGET = np.array([60.0, 0.0])  # m: where the ball should be after STEPS steps


def fly(v0, steps=STEPS):
    """The ball's position after ``steps`` steps, launched from the origin at velocity v0."""
    position = np.zeros(2)
    velocity = v0
    for _ in range(steps):
        speed = np.sqrt(np.sum(velocity**2))
        velocity = velocity + DT * (GRAVITY - DRAG * speed * velocity)
        position = position + DT * velocity
    return position


def miss(v0, target):
    """Squared distance (m^2) between where the ball is after STEPS steps and the target."""
    offset = fly(v0) - target
    return np.sum(offset**2)


def main() -> int:
    v0 = np.array([25.0, 15.0])
    landing = fly(v0)
    # With no drag the ball would be at v0 t + g t^2 / 2; drag can only shorten the flight.
    t = DT * STEPS
    vacuum = v0 * t + 0.5 * GRAVITY * t**2
    ok = np.all(np.isfinite(landing)) and landing[0] < vacuum[0]
    print(f"launched at {v0} m/s: after {t:.1f} s the ball is at {np.round(landing, 3)} m "
          f"(without drag: {np.round(vacuum, 3)} m)")
    print("run examples/aot_build.py to generate the gradient of miss() ahead of time")
    print(f"miss(v0, TARGET) = {miss(v0, TARGET):.6f} m^2" + ("" if ok else "  -- UNEXPECTED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
