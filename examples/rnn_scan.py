"""A character-level recurrent network written with ``s2sad.scan``, trained to predict
the next character of a short repeated text, with and without checkpointing.

    python examples/rnn_scan.py

``s2sad.scan(cell, h0, xs)`` runs ``h, y = cell(h, x)`` over the rows of ``xs``, like
``jax.lax.scan``. Called directly it is a plain Python loop; inside a differentiated
function s2sad emits its derivative as explicit loops. Reverse mode keeps what each
step's adjoint needs (here about T x hidden floats per taped value); with
``checkpoint="sqrt"`` it keeps only every ceil(sqrt(T))-th hidden state and recomputes
the rest one segment at a time during the backward sweep: less memory, one more
forward run, the same gradient. The example checks that, times both, measures their
peak memory with tracemalloc, then trains the network with Adam.
"""

import os
import sys
import time
import tracemalloc

import numpy as np

import s2sad
from _plotting import save_figure

SMALL = os.environ.get("S2SAD_EXAMPLES_SMALL") == "1"

TEXT = "the quick brown fox jumps over the lazy dog. "
SEQ_LEN = 90 if SMALL else 400  # characters in the training sequence
HIDDEN = 16 if SMALL else 48
N_STEPS = 40 if SMALL else 150  # Adam iterations
LEARNING_RATE = 0.02 if SMALL else 0.01

rng = np.random.default_rng(0)


def one_hot(indices, size):
    return np.eye(size)[indices]


def make_loss(checkpoint):
    """The mean next-character cross-entropy of a tanh RNN; ``checkpoint`` is passed to
    ``s2sad.scan`` (None: keep every step's values for the backward sweep)."""

    def loss(params, inputs, targets):
        Wxh, Whh, bh = params["Wxh"], params["Whh"], params["bh"]
        Why, by = params["Why"], params["by"]

        def cell(h, step):
            x, target = step  # one-hot rows of this character and of the next one
            h = np.tanh(Wxh @ x + Whh @ h + bh)
            logits = Why @ h + by
            top = np.max(logits)
            log_probs = logits - top - np.log(np.sum(np.exp(logits - top)))
            return h, -np.sum(target * log_probs)

        h0 = np.zeros(bh.shape)
        _, losses = s2sad.scan(cell, h0, (inputs, targets), checkpoint=checkpoint)
        return np.mean(losses)

    return loss


loss = make_loss(None)
loss_checkpointed = make_loss("sqrt")
value_and_grad = s2sad.value_and_grad(loss)
value_and_grad_checkpointed = s2sad.value_and_grad(loss_checkpointed)


def init_params(vocab, hidden):
    return {
        "Wxh": rng.normal(scale=0.3, size=(hidden, vocab)),
        "Whh": rng.normal(scale=0.3 / np.sqrt(hidden), size=(hidden, hidden)),
        "bh": np.zeros(hidden),
        "Why": rng.normal(scale=0.3, size=(vocab, hidden)),
        "by": np.zeros(vocab),
    }


def measure(fn, *args, repeat=3):
    """(best time in seconds, peak traced memory in bytes) of fn(*args)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    fn(*args)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return min(times), peak


def save_loss_curve(losses):
    """The training loss against the Adam step, as rnn_scan.png."""

    def draw(plt):
        _, ax = plt.subplots(figsize=(6, 3.5))
        ax.semilogy(np.arange(1, len(losses) + 1), losses)
        ax.set_xlabel("Adam step")
        ax.set_ylabel("cross-entropy per character")

    save_figure("rnn_scan", draw)


def main() -> int:
    chars = sorted(set(TEXT))
    text = (TEXT * (SEQ_LEN // len(TEXT) + 2))[: SEQ_LEN + 1]
    codes = np.array([chars.index(ch) for ch in text])
    inputs, targets = one_hot(codes[:-1], len(chars)), one_hot(codes[1:], len(chars))
    params = init_params(len(chars), HIDDEN)
    print(f"{SEQ_LEN} characters, vocabulary of {len(chars)}, hidden size {HIDDEN}")

    # 1. The checkpointed gradient is the same gradient.
    start = time.perf_counter()
    first, grads = value_and_grad(params, inputs, targets)
    _, grads_ck = value_and_grad_checkpointed(params, inputs, targets)
    print(f"first calls (build both derivatives): {time.perf_counter() - start:.2f} s")
    diff = max(np.max(np.abs(grads[name] - grads_ck[name])) for name in params)
    print(f"max |grad - grad with checkpoint='sqrt'| = {diff:.2e}")

    # ... and the gradient is right: central differences along one random direction.
    direction = {name: rng.normal(size=p.shape) for name, p in params.items()}
    eps = 1e-6
    shifted = [{n: params[n] + sign * eps * direction[n] for n in params} for sign in (1, -1)]
    fd = (loss(shifted[0], inputs, targets) - loss(shifted[1], inputs, targets)) / (2 * eps)
    ad = sum(np.sum(grads[n] * direction[n]) for n in params)
    err_fd = abs(ad - fd)
    print(f"directional derivative: s2sad {ad:.8f}, finite differences {fd:.8f}")

    # 2. Time and peak memory of both.
    t_plain, mem_plain = measure(value_and_grad, params, inputs, targets)
    t_ck, mem_ck = measure(value_and_grad_checkpointed, params, inputs, targets)
    print(f"gradient, no checkpointing:       {t_plain * 1e3:7.1f} ms, "
          f"peak {mem_plain / 1024:7.0f} KiB")
    print(f"gradient, checkpoint='sqrt':      {t_ck * 1e3:7.1f} ms, peak {mem_ck / 1024:7.0f} KiB")

    # 3. Train with Adam (the checkpointed gradient: same numbers, less memory).
    m = {n: np.zeros_like(p) for n, p in params.items()}
    s = {n: np.zeros_like(p) for n, p in params.items()}
    beta1, beta2 = 0.9, 0.999
    losses = []
    for step in range(1, N_STEPS + 1):
        value, grads = value_and_grad_checkpointed(params, inputs, targets)
        losses.append(value)
        for n in params:
            m[n] = beta1 * m[n] + (1 - beta1) * grads[n]
            s[n] = beta2 * s[n] + (1 - beta2) * grads[n] ** 2
            update = (m[n] / (1 - beta1**step)) / (np.sqrt(s[n] / (1 - beta2**step)) + 1e-8)
            params[n] = params[n] - LEARNING_RATE * update
        if step % (N_STEPS // 10) == 0:
            print(f"step {step:4d}   loss {value:.4f}")

    final = loss(params, inputs, targets)
    save_loss_curve(losses)
    ok = diff < 1e-12 and err_fd < 1e-6 and final < 0.5 * first
    print(f"loss before training {first:.4f} (uniform guess {np.log(len(chars)):.4f}), "
          f"after {N_STEPS} steps {final:.4f}" + ("" if ok else "  -- UNEXPECTED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
