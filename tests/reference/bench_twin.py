"""Benchmark: training steps per second of the PyTorch twin on the paper configuration (design 2.1:
B 32, D 512, C 64, 8 heads, 2 layers, L 5, P 2, RoPE, LayerNorm, qkv/proj biases; Adam lr 1e-5),
float32, eager mode, one thread. The baseline that `ihsweep bench` is compared with
(bench_compare.sh). Not a test: it reports a number and checks nothing.

Inputs are synthetic and shaped like `ihsweep bench`'s: 50 classes with one exemplar vector each,
so a batch's exemplar tokens index a table of 50 rows (the twin, like the C model, projects the
distinct rows once and gathers). A pool of 16 pre-drawn batches is cycled through, so data
generation is not timed. Each step: zero grads, forward, query loss, backward, Adam step.

Usage: /usr/bin/python3 bench_twin.py [--steps N] [--warmup W] [--threads T]
Last line of output: steps_per_sec=<number>
"""
import argparse
import time

import torch

import twin


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--warmup", type=int, default=50)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    cfg = twin.ModelCfg()  # the paper configuration
    B = 32
    gen = torch.Generator().manual_seed(0)
    params = {n: t.clone().requires_grad_(True) for n, t in twin.random_params(cfg, gen).items()}
    n_classes = 50
    rows = torch.randn(n_classes, cfg.input_dim, generator=gen)
    pool = []
    for _ in range(16):
        pool.append(twin.Batch(rows, torch.randint(0, n_classes, (B, cfg.X), generator=gen),
                               torch.randint(0, cfg.n_labels, (B, cfg.context_pairs), generator=gen),
                               torch.randint(0, cfg.n_labels, (B,), generator=gen)))
    opt = torch.optim.Adam(params.values(), lr=1e-5, betas=(0.9, 0.999), eps=1e-8)

    def step(i):
        opt.zero_grad(set_to_none=True)
        loss, _ = twin.forward(cfg, params, pool[i % len(pool)])
        loss.backward()
        opt.step()
        return loss

    for i in range(args.warmup):
        step(i)
    t0 = time.perf_counter()
    for i in range(args.steps):
        loss = step(i)
    dt = time.perf_counter() - t0
    sps = args.steps / dt
    print(f"pytorch {torch.__version__} float32 eager, {torch.get_num_threads()} thread(s): "
          f"{args.steps} steps in {dt:.3f} s ({1e3 * dt / args.steps:.3f} ms/step), "
          f"final loss {loss.item():.4f}")
    print(f"steps_per_sec={sps:.2f}")


if __name__ == "__main__":
    main()
