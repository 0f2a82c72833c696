"""Writes the reference fixtures that tests/reference/test_model_reference.c (and the clamp tests)
compare the C model against. Usage: /usr/bin/python3 make_fixtures.py OUT_DIR

Deterministic: every case draws from its own fixed torch seed, so rerunning rewrites identical
bytes. The reference computation runs in float64 on float32-valued parameters and inputs, and each
result is rounded once to float32 when stored: a fixture is the exact answer, not another float32
rounding path.

File format (little-endian; reader in fixture.c):
    magic "IHFX0001" (8 bytes), uint32 n_entries, then per entry:
    uint32 name_len, name bytes (no NUL), uint32 dtype (0 float32, 1 int32, 2 uint8),
    uint32 ndim, uint32 dims[ndim], raw data (row-major).

Entries of a model case (<case>.bin):
    cfg.<ModelConfig field>   int32 / float32 scalars (pos: 0 rope, 1 ape, 2 sinusoidal, 3 none)
    adam.lr, adam.beta1, adam.beta2, adam.eps, adam.weight_decay   float32 scalars
    batch.rows [R,D] f32, batch.example_row [B,X] i32 (some rows repeated), batch.labels [B,P] i32,
    batch.targets [B] i32
    param.<name>   every parameter tensor (names/shapes as twin.param_specs)
    out.logits [B,T,L], out.loss [1] (mean query cross-entropy, no weight-decay term)
    grad.<name>    d out.loss / d param (no weight-decay term: model_backward does not know it)
    adam3.<name>   parameters after 3 x (gradient of loss + weight-decay term, Adam step) on this batch
    act.l<l>.attn [B,H,T,T], act.l<l>.block_out [B,T,C]   for localising a mismatch
Clamp cases (clamp_<name>.bin, design 3.1-3.3) are described in fixtures/CLAMPS.txt, which this
script writes too.
"""
import json
import os
import struct
import sys

import numpy as np
import torch

import twin

MAGIC = b"IHFX0001"
DTYPES = {np.dtype(np.float32): 0, np.dtype(np.int32): 1, np.dtype(np.uint8): 2}


def write_fixture(path, entries):
    """entries: list of (name, numpy array of float32 / int32 / uint8)."""
    names = [n for n, _ in entries]
    assert len(names) == len(set(names)), "duplicate entry names"
    out = bytearray(MAGIC)
    out += struct.pack("<I", len(entries))
    for name, arr in entries:
        arr = np.ascontiguousarray(arr)
        code = DTYPES[arr.dtype]
        nb = name.encode()
        out += struct.pack("<I", len(nb)) + nb
        out += struct.pack("<II", code, arr.ndim)
        out += struct.pack("<%dI" % arr.ndim, *arr.shape)
        out += arr.astype(arr.dtype.newbyteorder("<"), copy=False).tobytes()
    with open(path, "wb") as f:
        f.write(out)


def f32(t):
    return t.detach().to(torch.float32).numpy().copy()


def i32(t):
    return t.detach().to(torch.int64).numpy().astype(np.int32)


def scalar_f32(x):
    return np.array([x], dtype=np.float32)


def scalar_i32(x):
    return np.array([x], dtype=np.int32)


def cfg_entries(cfg):
    return [
        ("cfg.input_dim", scalar_i32(cfg.input_dim)),
        ("cfg.d_model", scalar_i32(cfg.d_model)),
        ("cfg.n_heads", scalar_i32(cfg.n_heads)),
        ("cfg.depth", scalar_i32(cfg.depth)),
        ("cfg.n_labels", scalar_i32(cfg.n_labels)),
        ("cfg.context_pairs", scalar_i32(cfg.context_pairs)),
        ("cfg.pos", scalar_i32(twin.POS_CODES[cfg.pos])),
        ("cfg.pos_base", scalar_f32(cfg.pos_base)),
        ("cfg.max_positions", scalar_i32(cfg.max_positions)),
        ("cfg.layer_norm", scalar_i32(int(cfg.layer_norm))),
        ("cfg.qkv_bias", scalar_i32(int(cfg.qkv_bias))),
        ("cfg.proj_bias", scalar_i32(int(cfg.proj_bias))),
        ("cfg.mlp_ratio", scalar_i32(cfg.mlp_ratio)),
        ("cfg.init_rescale", scalar_f32(cfg.init_rescale)),
    ]


def adam_entries(adam):
    return [("adam.lr", scalar_f32(adam.lr)), ("adam.beta1", scalar_f32(adam.beta1)),
            ("adam.beta2", scalar_f32(adam.beta2)), ("adam.eps", scalar_f32(adam.eps)),
            ("adam.weight_decay", scalar_f32(adam.weight_decay))]


def random_batch(cfg, B, gen):
    """R distinct float32 rows, with fewer rows than exemplar tokens so some rows repeat; half the
    queries take a label that is in their context."""
    X, P, L = cfg.X, cfg.context_pairs, cfg.n_labels
    R = max(2, (B * X * 2) // 3)
    rows = torch.randn(R, cfg.input_dim, generator=gen, dtype=torch.float64).to(torch.float32)
    example_row = torch.randint(0, R, (B, X), generator=gen)
    example_row[0, -1] = example_row[0, 0]          # a guaranteed repeat inside one sequence
    example_row[1, 0] = example_row[0, 1]           # and one across sequences
    labels = torch.randint(0, L, (B, P), generator=gen)
    targets = torch.randint(0, L, (B,), generator=gen)
    for b in range(0, B, 2):
        targets[b] = labels[b, int(torch.randint(0, P, (1,), generator=gen))]
    return twin.Batch(rows, example_row, labels, targets)


def batch_entries(batch):
    return [("batch.rows", f32(batch.rows)), ("batch.example_row", i32(batch.example_row)),
            ("batch.labels", i32(batch.labels)), ("batch.targets", i32(batch.targets))]


def to64(params):
    return {n: t.to(torch.float64) for n, t in params.items()}


def loss_and_grads(loss_fn, params64):
    leaves = {n: t.clone().requires_grad_(True) for n, t in params64.items()}
    loss, acts = loss_fn(leaves)
    grads = torch.autograd.grad(loss, list(leaves.values()), allow_unused=True)
    grads = {n: (g if g is not None else torch.zeros_like(leaves[n]))
             for n, g in zip(leaves, grads)}
    return loss, acts, grads


def model_case(cfg, adam, B, seed):
    gen = torch.Generator().manual_seed(seed)
    params = twin.random_params(cfg, gen)
    batch = random_batch(cfg, B, gen)
    p64 = to64(params)
    b64 = twin.Batch(batch.rows.to(torch.float64), batch.example_row, batch.labels, batch.targets)
    loss, acts, grads = loss_and_grads(lambda p: twin.forward(cfg, p, b64), p64)
    after = twin.adam_train(cfg, adam, p64, b64, 3)
    entries = cfg_entries(cfg) + adam_entries(adam) + batch_entries(batch)
    entries += [("param." + n, f32(t)) for n, t in params.items()]
    entries += [("out.logits", f32(acts["logits"])), ("out.loss", f32(loss.reshape(1)))]
    entries += [("grad." + n, f32(g)) for n, g in grads.items()]
    entries += [("adam3." + n, f32(t)) for n, t in after.items()]
    for l in range(cfg.depth):
        entries += [(f"act.l{l}.attn", f32(acts[f"l{l}.attn"])),
                    (f"act.l{l}.block_out", f32(acts[f"l{l}.block_out"]))]
    return entries


def model_cases():
    """(name, cfg, adam, B, seed). Variants use a small width (C 16, D 20) to keep files small;
    only the paper case has the paper's sizes."""
    fx = twin.AdamCfg(lr=1e-3)
    small = dict(input_dim=20, d_model=16, n_heads=4)
    return [
        ("paper", twin.ModelCfg(), fx, 6, 101),
        ("no_ln", twin.ModelCfg(layer_norm=False, **small), fx, 5, 102),
        ("ape", twin.ModelCfg(pos="ape", **small), fx, 5, 103),
        ("sinusoidal", twin.ModelCfg(pos="sinusoidal", **small), fx, 5, 104),
        ("pos_none", twin.ModelCfg(pos="none", **small), fx, 5, 105),
        ("mlp", twin.ModelCfg(mlp_ratio=4, **small), fx, 5, 106),
        ("depth1", twin.ModelCfg(depth=1, **small), fx, 5, 107),
        ("depth3", twin.ModelCfg(depth=3, input_dim=20, d_model=16, n_heads=2), fx, 5, 108),
        ("no_bias", twin.ModelCfg(qkv_bias=False, proj_bias=False, **small), fx, 5, 109),
        ("context3", twin.ModelCfg(context_pairs=3, n_labels=4, **small), fx, 5, 110),
        ("weight_decay", twin.ModelCfg(**small), twin.AdamCfg(lr=1e-3, weight_decay=0.01), 5, 111),
    ]


# ---------------------------------------------------------------------------------------------
# Clamp cases (phase 2): the paper's topology (depth 2, 8 heads, L 5, P 2, RoPE, LN, biases) at a
# reduced width (C 32, HD 4, D 32) so that ~25 files stay small.
# ---------------------------------------------------------------------------------------------

REST_HEADS = ["1:0", "1:1", "1:2", "1:4", "1:5", "1:6", "1:7"]
ABLATE_REST = {"type": "ablate_heads", "heads": REST_HEADS}


def clamp_cases():
    """(name, clamp list). The paper's runs 10-15 (design 5.2) are run10..run15, except run 14
    (perfect copy from 1:3, no ablation), which is the perfect_copy case."""
    pt = {"type": "prev_token_pattern", "heads": ["0:2"], "strength": 1.0, "only_label": False}
    ih = {"type": "induction_pattern", "heads": ["1:3"], "strength": 1.0}
    copy = {"type": "perfect_copy", "head": "1:3"}
    l1 = {"type": "perfect_prev_token_input"}
    return [
        ("ablate_heads", [{"type": "ablate_heads", "heads": ["1:0", "1:1"]}]),
        ("prev_token_pattern", [pt]),
        ("prev_token_pattern_only_label", [{"type": "prev_token_pattern", "heads": ["0:2", "0:5"],
                                            "strength": 0.8, "only_label": True}]),
        ("induction_pattern", [ih]),
        ("induction_pattern_s07", [{"type": "induction_pattern", "heads": ["1:3"],
                                    "strength": 0.7}]),
        ("perfect_copy", [copy]),
        ("preserve_all", [{"type": "preserve", "what": ["patterns", "values", "queries", "keys"]}]),
        ("preserve_patterns", [{"type": "preserve", "what": ["patterns"]}]),
        ("preserve_values_ablate", [{"type": "preserve", "what": ["values"]},
                                    {"type": "ablate_heads", "heads": ["1:0", "0:4"]}]),
        ("preserve_patterns_induction", [{"type": "preserve", "what": ["patterns", "keys"]}, ih]),
        ("head_temperature", [{"type": "head_temperature", "heads": ["1:3", "1:5"],
                               "temperature": 2.0}]),
        ("disallow_prev_token", [{"type": "disallow_prev_token", "heads": ["0:2"],
                                  "only_label": False}]),
        ("disallow_prev_token_only_label", [{"type": "disallow_prev_token", "heads": ["0:2", "1:1"],
                                             "only_label": True}]),
        ("silence_non_label", [{"type": "silence_non_label", "heads": ["1:3", "1:6"]}]),
        ("match_heads", [{"type": "match_heads", "heads": ["1:3"], "temperature": 0.5}]),
        ("match_heads_hard", [{"type": "match_heads", "heads": ["1:3"], "temperature": 0.0}]),
        ("ablate_embedding", [{"type": "ablate_embedding"}]),
        ("graft_in", [{"type": "graft_in", "till_layer": 0}]),
        ("graft_out", [{"type": "graft_out", "from_layer": 0}]),
        ("perfect_prev_token_input", [l1]),
        ("run10_ablate_rest", [ABLATE_REST]),
        ("run11_pt_ablate_rest", [pt, ABLATE_REST]),
        ("run12_l1_ablate_rest", [l1, ABLATE_REST]),
        ("run13_match_ablate_rest", [ih, ABLATE_REST]),
        ("run15_l1_and_copy", [l1, copy]),
    ]


def zero_grad_expectations(cfg, name):
    """Parameter slices that design 3.4 / the gradient rules say get exactly zero gradient under
    this case's clamps: list of (tensor name, index expression) for make_fixtures' self-check."""
    C, HD = cfg.d_model, cfg.HD
    all_l = lambda l: [n for n, _ in twin.param_specs(cfg) if n.startswith(f"l{l}.")]

    def head_rows(l, h, parts="qkv"):
        out = []
        for s in ["qkv".index(p) for p in parts]:
            r = slice(s * C + h * HD, s * C + (h + 1) * HD)
            out += [(f"l{l}.wqkv", (r,)), (f"l{l}.bqkv", (r,))]
        return out

    def head_out(l, h):
        return [(f"l{l}.wo", (slice(None), slice(h * HD, (h + 1) * HD)))]

    def ablated(l, h):
        return head_rows(l, h) + head_out(l, h)

    rest = [int(s.split(":")[1]) for s in REST_HEADS]
    whole = lambda names: [(n, (Ellipsis,)) for n in names]
    head_names = ["wu", "bu", "lnf_g", "lnf_b"]
    copy_zero = (whole(head_names + ["l1.wo", "l1.bo"])
                 + sum([head_rows(1, h, "v") for h in range(cfg.n_heads)], [])
                 + sum([head_rows(1, h, "qk") for h in range(cfg.n_heads) if h != 3], []))
    table = {
        "ablate_heads": ablated(1, 0) + ablated(1, 1),
        "prev_token_pattern": head_rows(0, 2, "qk"),
        "induction_pattern": head_rows(1, 3, "qk"),
        "induction_pattern_s07": head_rows(1, 3, "qk"),
        "perfect_copy": copy_zero,
        # 0:4 still learns through P0, whose layer-0 output feeds the preserved layer-1 values
        "preserve_values_ablate": ablated(1, 0),
        "match_heads": head_rows(1, 3, "qk"),
        "match_heads_hard": head_rows(1, 3, "qk"),
        "ablate_embedding": whole(["wx", "bx", "wy"]),
        "graft_in": whole(["wx", "bx", "wy"] + all_l(0)),
        "graft_out": whole(all_l(1) + head_names),
        "perfect_prev_token_input": whole(all_l(0)),
        "run10_ablate_rest": sum([ablated(1, h) for h in rest], []),
        "run11_pt_ablate_rest": head_rows(0, 2, "qk") + sum([ablated(1, h) for h in rest], []),
        "run12_l1_ablate_rest": whole(all_l(0)) + sum([ablated(1, h) for h in rest], []),
        "run13_match_ablate_rest": head_rows(1, 3, "qk") + sum([ablated(1, h) for h in rest], []),
        "run15_l1_and_copy": whole(all_l(0)) + copy_zero,
    }
    return table.get(name, [])


def clamp_batch(cfg, B, gen):
    """Training-like batch: distinct context labels, every query label in its context (as in the
    paper's few-shot sequences, so perfect-copy logits stay finite), except that sequence 2 has two
    equal context labels (induction weights, perfect-copy overwrite)."""
    batch = random_batch(cfg, B, gen)
    for b in range(B):
        batch.labels[b] = torch.randperm(cfg.n_labels, generator=gen)[: cfg.context_pairs]
        batch.targets[b] = batch.labels[b, b % cfg.context_pairs]
    batch.labels[2, :] = batch.labels[2, 0]
    batch.targets[2] = batch.labels[2, 0]
    return batch


def directional_check(cfg, p64, b64, clamps, frozen, grads, gen):
    """Central difference of the clamped loss along a random direction against autograd (float64):
    catches an accidental stop-gradient in the twin."""
    u = {n: torch.randn(t.shape, generator=gen, dtype=torch.float64) for n, t in p64.items()}
    eps = 1e-6
    f = lambda sgn: twin.clamped_forward(cfg, {n: p64[n] + sgn * eps * u[n] for n in p64}, b64,
                                         clamps, frozen)[0].item()
    fd = (f(1) - f(-1)) / (2 * eps)
    an = sum((grads[n] * u[n]).sum().item() for n in p64)
    assert abs(fd - an) <= 1e-6 * max(1.0, abs(an)), (fd, an)


def clamp_case(name, clamps, seed=201):
    cfg = twin.ModelCfg(input_dim=32, d_model=32, n_heads=8)
    gen = torch.Generator().manual_seed(seed)  # same parameters and batch for every clamp case
    params = twin.random_params(cfg, gen)
    frozen = twin.random_params(cfg, gen)
    batch = clamp_batch(cfg, 6, gen)
    p64 = to64(params)
    f64 = to64(frozen)
    b64 = twin.Batch(batch.rows.to(torch.float64), batch.example_row, batch.labels, batch.targets)
    loss, (acts, qlogits), grads = loss_and_grads(
        lambda p: _split(twin.clamped_forward(cfg, p, b64, clamps, f64)), p64)
    for tname, idx in zero_grad_expectations(cfg, name):
        g = grads[tname][idx]
        assert torch.all(g == 0), f"{name}: {tname}{idx} should get no gradient, max {g.abs().max()}"
    assert any(torch.any(g != 0) for g in grads.values()), f"{name}: no gradient at all"
    directional_check(cfg, p64, b64, clamps, f64, grads, gen)
    text = json.dumps(clamps, separators=(",", ":")).encode()
    entries = cfg_entries(cfg) + batch_entries(batch)
    entries.append(("clamps.json", np.frombuffer(text, dtype=np.uint8).copy()))
    entries += [("param." + n, f32(t)) for n, t in params.items()]
    if any(c["type"] in ("graft_in", "graft_out") for c in clamps):
        entries += [("frozen." + n, f32(t)) for n, t in frozen.items()]
    entries += [("out.loss", f32(loss.reshape(1))), ("out.query_logits", f32(qlogits))]
    entries += [("grad." + n, f32(g)) for n, g in grads.items()]
    for l in range(cfg.depth):
        entries += [(f"act.l{l}.attn", f32(acts[f"l{l}.attn"])),
                    (f"act.l{l}.block_out", f32(acts[f"l{l}.block_out"]))]
    return entries


def _split(result):
    loss, acts, qlogits = result
    return loss, (acts, qlogits)


CLAMPS_TXT = """Clamp fixtures (clamp_<name>.bin), written by tests/reference/make_fixtures.py from the
PyTorch twin (tests/reference/twin.py, clamped_forward). Format and common entries: see the header
of make_fixtures.py. Model: the paper's topology at reduced width: depth 2, 8 heads, L 5, P 2
(T 5), RoPE, LayerNorm, qkv and proj biases, d_model 32 (head dim 4), input_dim 32. B 6; every
query label is in its context; sequence 2 has two equal context labels. All cases share the same
parameters and batch.

Entries of a clamp case:
  cfg.*, batch.*, param.<name>   as in the model cases (no adam.*)
  clamps.json     uint8 [n]: the clamp list as JSON text (no NUL)
  frozen.<name>   graft_in / graft_out only: the frozen model's parameters (same config)
  out.loss [1]    mean query cross-entropy of the trained output (final pass, or the frozen
                  model's output for graft_out)
  out.query_logits [B,L]   that output's query logits
  grad.<name>     d out.loss / d param through every pass (no stop-gradient), frozen excluded
  act.l<l>.attn [B,H,T,T], act.l<l>.block_out [B,T,C]   of the current model's final pass

Semantics (design 3.1-3.3): a = where(mask, cache, value) at each clamped site; gradients flow into
both; constants and frozen parameters get none. Choices where the paper and doc/design.md are silent:
- label positions of the query row are 2j+1 (j = 0..P-1); the query row is T-1.
- induction_pattern: w_j = s if y_j == y_q else 1-s at 2j+1, 0 elsewhere, not renormalised.
- perfect_copy: query logits all -1e9, then for j = 0..P-1 in order logit[y_j] = S[T-1, 2j+1]
  (pre-softmax score of that head in P0, or in the pattern pass with perfect_prev_token_input);
  equal context labels: the later position overwrites, the earlier score gets no gradient.
- match_heads: cos(x_j, x_q) on the raw input rows; tau 0 = one-hot on the first maximum.
- prev_token_pattern only_label: only label rows 2j+1 are clamped. disallow_prev_token
  only_label: entries [n, n-1] for n = 2j+1 only; otherwise all n >= 1.
- silence_non_label: last layer, query row, key positions 0, 2, ..., 2P (query included).
- head_temperature: the whole layer's attn_pre = P0's, listed heads divided by the temperature.
- graft_in / graft_out: the frozen model runs without clamps of its own.
- perfect_prev_token_input: E = P0's embedding; pattern pass with block_out[0] = [E0, E0, E1,
  ..., E_{T-3}, E_{T-1}] (label 2j+1 gets exemplar E_2j, exemplar 2j (j >= 1) gets label
  E_{2j-1}, the query keeps its own); final pass with block_out[0] = E and all of layer 1's attn =
  the pattern pass's; ablate_heads (layer 1) zero v in the final pass; perfect_copy uses the
  pattern pass's scores.
Self-checks made when the fixtures are written: a central difference of the clamped loss along a
random direction matches the gradient (no accidental stop-gradient), and the parameters that spec
3.4 says cannot learn under each clamp have exactly zero gradient.

Paper runs (design 5.2): 10 = clamp_run10_ablate_rest, 11 = clamp_run11_pt_ablate_rest,
12 = clamp_run12_l1_ablate_rest, 13 = clamp_run13_match_ablate_rest, 14 = clamp_perfect_copy,
15 = clamp_run15_l1_and_copy (REST = 1:0 1:1 1:2 1:4 1:5 1:6 1:7, PT head 0:2, IH head 1:3).

Cases:
"""


def write_clamp_fixtures(out_dir):
    lines = []
    for name, clamps in clamp_cases():
        path = os.path.join(out_dir, f"clamp_{name}.bin")
        write_fixture(path, clamp_case(name, clamps))
        print(f"{path}: {os.path.getsize(path)} bytes")
        lines.append(f"  clamp_{name}.bin: {json.dumps(clamps)}")
    with open(os.path.join(out_dir, "CLAMPS.txt"), "w") as f:
        f.write(CLAMPS_TXT + "\n".join(lines) + "\n")


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: make_fixtures.py OUT_DIR\n")
        return 64
    out_dir = argv[1]
    os.makedirs(out_dir, exist_ok=True)
    torch.set_num_threads(1)
    for name, cfg, adam, B, seed in model_cases():
        path = os.path.join(out_dir, name + ".bin")
        write_fixture(path, model_case(cfg, adam, B, seed))
        print(f"{path}: {os.path.getsize(path)} bytes")
    write_clamp_fixtures(out_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
