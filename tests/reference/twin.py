"""PyTorch twin of ihsweep's model (design 2.1-2.3): an independent reference for the C model.

Written from doc/design.md and from the names/layout in include/ihsweep/model.h only (not from
src/model/*.c), so that an agreement between the two is evidence, not an echo. The twin is
functional: parameters are a dict name -> tensor in the fixed order of param_specs(), the forward
pass returns every named activation ("site"), and any site can be overridden by a cache entry
(mask, value) as a = where(mask, value, computed) -- the clamp mechanism of design 3.1, with
gradients flowing into both the computed value and the cached one (no stop-gradient).

It computes in whatever dtype the parameters have: make_fixtures.py uses float64 (the fixtures
hold the exact answer, rounded once to float32); bench_twin.py uses float32.

What it does not do: the C initialisation (fixtures use arbitrary random parameters), data
sampling, or training schedules. Clamp plans (design 3.3) live in the second half of this file.

Run with /usr/bin/python3 (Debian python3-torch 1.13).
"""
import functools
import math
from dataclasses import dataclass

import torch

POS_CODES = {"rope": 0, "ape": 1, "sinusoidal": 2, "none": 3}
LN_EPS = 1e-5
MASK_VALUE = -1e20      # causal mask (design 2.1)
CLAMP_NEG = -1e9        # value clamps write for "never attend" / "not a context label" (design 3.3)


@dataclass
class ModelCfg:
    """Mirror of ModelConfig in include/ihsweep/model.h (same fields, same meaning)."""
    input_dim: int = 512
    d_model: int = 64
    n_heads: int = 8
    depth: int = 2
    n_labels: int = 5
    context_pairs: int = 2
    pos: str = "rope"
    pos_base: float = 10000.0
    max_positions: int = 32
    layer_norm: bool = True
    qkv_bias: bool = True
    proj_bias: bool = True
    mlp_ratio: int = 0
    init_rescale: float = 1.0

    @property
    def T(self):
        return 2 * self.context_pairs + 1

    @property
    def X(self):
        return self.context_pairs + 1

    @property
    def HD(self):
        return self.d_model // self.n_heads


@dataclass
class AdamCfg:
    """Mirror of AdamConfig."""
    lr: float = 1e-5
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    weight_decay: float = 0.0


def param_specs(cfg):
    """[(name, shape)] in the fixed order of the C model; disabled tensors are absent."""
    C, D, L, F = cfg.d_model, cfg.input_dim, cfg.n_labels, cfg.mlp_ratio * cfg.d_model
    specs = [("wx", (C, D)), ("bx", (C,)), ("wy", (C, L))]
    if cfg.pos == "ape":
        specs.append(("wpe", (cfg.max_positions, C)))
    for l in range(cfg.depth):
        p = f"l{l}."
        if cfg.layer_norm:
            specs += [(p + "ln1_g", (C,)), (p + "ln1_b", (C,))]
        specs.append((p + "wqkv", (3 * C, C)))
        if cfg.qkv_bias:
            specs.append((p + "bqkv", (3 * C,)))
        specs.append((p + "wo", (C, C)))
        if cfg.proj_bias:
            specs.append((p + "bo", (C,)))
        if cfg.mlp_ratio > 0:
            if cfg.layer_norm:
                specs += [(p + "ln2_g", (C,)), (p + "ln2_b", (C,))]
            specs += [(p + "wfc", (F, C)), (p + "bfc", (F,)), (p + "wproj", (C, F)),
                      (p + "bproj", (C,))]
    if cfg.layer_norm:
        specs += [("lnf_g", (C,)), ("lnf_b", (C,))]
    specs += [("wu", (L, C)), ("bu", (L,))]
    return specs


def random_params(cfg, gen):
    """Random float32 parameters with realistic scales (not the C init): weights normal/sqrt(fan_in),
    LN gains 1 + 0.1 normal, biases 0.1 normal, label embedding 0.5 normal, APE 0.1 normal."""
    out = {}
    for name, shape in param_specs(cfg):
        base = name.split(".")[-1]
        z = torch.randn(shape, generator=gen, dtype=torch.float64)
        if base.endswith("_g"):
            t = 1.0 + 0.1 * z
        elif base.endswith("_b") or base.startswith("b"):
            t = 0.1 * z
        elif base == "wy":
            t = 0.5 * z
        elif base == "wpe":
            t = 0.1 * z
        else:
            t = z / math.sqrt(shape[1])
        out[name] = t.to(torch.float32)
    return out


@dataclass
class Batch:
    """Mirror of ModelBatch: R distinct exemplar rows and an index per exemplar token."""
    rows: torch.Tensor         # [R, D] float
    example_row: torch.Tensor  # [B, X] int64
    labels: torch.Tensor       # [B, P] int64
    targets: torch.Tensor      # [B] int64

    @property
    def B(self):
        return self.example_row.shape[0]

    def exemplars(self):
        """[B, X, D] raw exemplar vectors (x_1..x_P, x_q)."""
        return self.rows[self.example_row]


# ---------------------------------------------------------------------------------------------
# Model (design 2.1)
# ---------------------------------------------------------------------------------------------

def layer_norm(x, g, b, enabled):
    if not enabled:
        return x
    mu = x.mean(dim=-1, keepdim=True)
    var = ((x - mu) ** 2).mean(dim=-1, keepdim=True)  # biased variance
    return (x - mu) / torch.sqrt(var + LN_EPS) * g + b


def gelu_tanh(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


@functools.lru_cache(maxsize=None)
def rope_tables(T, HD, base, dtype):
    """cos, sin of p * theta_i, theta_i = base^(-2i/HD): [T, HD/2] each (computed in float64)."""
    i = torch.arange(HD // 2, dtype=torch.float64)
    theta = base ** (-2.0 * i / HD)
    ang = torch.arange(T, dtype=torch.float64)[:, None] * theta[None, :]
    return torch.cos(ang).to(dtype), torch.sin(ang).to(dtype)


def rope(x, base):
    """Interleaved-pair (GPT-J) rotary embedding of x [B, H, T, HD], position = token index."""
    cos, sin = rope_tables(x.shape[2], x.shape[3], float(base), x.dtype)
    x0, x1 = x[..., 0::2], x[..., 1::2]
    y0 = x0 * cos - x1 * sin
    y1 = x1 * cos + x0 * sin
    return torch.stack([y0, y1], dim=-1).reshape(x.shape)


def sinusoidal_table(T, C, base, dtype):
    """pe[p, 2i] = sin(p / base^(2i/C)), pe[p, 2i+1] = cos(p / base^(2i/C))."""
    p = torch.arange(T, dtype=torch.float64)[:, None]
    i = torch.arange(C // 2, dtype=torch.float64)[None, :]
    ang = p / base ** (2.0 * i / C)
    pe = torch.zeros(T, C, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(ang)
    pe[:, 1::2] = torch.cos(ang)
    return pe.to(dtype)


@functools.lru_cache(maxsize=None)
def causal_mask(T):
    """[T, T] bool, True where key m > query n."""
    return torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)


class Sites:
    """Records activations by site name and applies cache overrides: where(mask, cache, value).

    Site names: "tok_embedding" [B,T,C], "embedding" [B,T,C] (after positional terms),
    "l{l}.q"/"l{l}.k"/"l{l}.v" [B,H,T,HD] (q, k after RoPE), "l{l}.attn_pre" [B,H,T,T] (scaled,
    causal mask applied), "l{l}.attn" [B,H,T,T], "l{l}.block_out" [B,T,C], "logits" [B,T,L]."""

    def __init__(self, cache=None):
        self.cache = cache or {}
        self.acts = {}

    def __call__(self, name, value):
        if name in self.cache:
            mask, cval = self.cache[name]
            value = torch.where(mask, cval, value)
        self.acts[name] = value
        return value


def embed(cfg, params, batch, sites):
    """Token embeddings [B,T,C]: position 2j = W_x x_j + b_x, position 2j+1 = W_y onehot(y_j)."""
    dtype = params["wx"].dtype
    rows_e = batch.rows.to(dtype) @ params["wx"].T + params["bx"]        # [R, C]
    ex = rows_e[batch.example_row]                                       # [B, X, C]
    lab = params["wy"].T[batch.labels]                                   # [B, P, C]
    B, P, C = batch.B, cfg.context_pairs, cfg.d_model
    pairs = torch.stack([ex[:, :P], lab], dim=2).reshape(B, 2 * P, C)   # x_1, y_1, ..., x_P, y_P
    tok = sites("tok_embedding", torch.cat([pairs, ex[:, P:]], dim=1))
    if cfg.pos == "ape":
        tok = tok + params["wpe"][: cfg.T]
    elif cfg.pos == "sinusoidal":
        tok = tok + sinusoidal_table(cfg.T, C, cfg.pos_base, dtype)
    return sites("embedding", tok)


def block(cfg, params, l, h, sites):
    """Pre-LN block l: h + attn(LN1(h)) [+ mlp(LN2(.))], recording its sites."""
    p = f"l{l}."
    B, T, C, H, HD = h.shape[0], cfg.T, cfg.d_model, cfg.n_heads, cfg.HD
    ln = cfg.layer_norm
    u = layer_norm(h, params.get(p + "ln1_g"), params.get(p + "ln1_b"), ln)
    qkv = u @ params[p + "wqkv"].T
    if cfg.qkv_bias:
        qkv = qkv + params[p + "bqkv"]
    qkv = qkv.reshape(B, T, 3, H, HD).permute(2, 0, 3, 1, 4)             # [3, B, H, T, HD]
    q, k, v = qkv[0], qkv[1], qkv[2]
    if cfg.pos == "rope":
        q, k = rope(q, cfg.pos_base), rope(k, cfg.pos_base)
    q = sites(p + "q", q)
    k = sites(p + "k", k)
    v = sites(p + "v", v)
    s = (q @ k.transpose(-1, -2)) / math.sqrt(HD)
    s = s.masked_fill(causal_mask(T), MASK_VALUE)
    s = sites(p + "attn_pre", s)
    a = torch.softmax(s, dim=-1)
    a = sites(p + "attn", a)
    z = (a @ v).permute(0, 2, 1, 3).reshape(B, T, C)                    # heads concatenated
    o = z @ params[p + "wo"].T
    if cfg.proj_bias:
        o = o + params[p + "bo"]
    h = h + o
    if cfg.mlp_ratio > 0:
        u2 = layer_norm(h, params.get(p + "ln2_g"), params.get(p + "ln2_b"), ln)
        f = gelu_tanh(u2 @ params[p + "wfc"].T + params[p + "bfc"])
        h = h + f @ params[p + "wproj"].T + params[p + "bproj"]
    return sites(p + "block_out", h)


def head(cfg, params, h, sites):
    u = layer_norm(h, params.get("lnf_g"), params.get("lnf_b"), cfg.layer_norm)
    return sites("logits", u @ params["wu"].T + params["bu"])


def query_loss(logits, targets):
    """Mean over the batch of the cross-entropy at the query (last) position."""
    ql = logits[:, -1, :]
    return (torch.logsumexp(ql, dim=-1) - ql.gather(1, targets[:, None])[:, 0]).mean()


def forward(cfg, params, batch, cache=None):
    """Plain (or cache-clamped) forward. Returns (loss, acts) with acts[site] as in Sites."""
    sites = Sites(cache)
    h = embed(cfg, params, batch, sites)
    for l in range(cfg.depth):
        h = block(cfg, params, l, h, sites)
    logits = head(cfg, params, h, sites)
    return query_loss(logits, batch.targets), sites.acts


def weight_decay_term(params, wd):
    """wd * sum over tensors of the (non-squared) L2 norm (design 2.3)."""
    return wd * sum(torch.linalg.vector_norm(t) for t in params.values())


def adam_train(cfg, adam, params, batch, steps, loss_fn=None):
    """`steps` Adam updates (design 2.3: bias correction, theta -= lr mhat/(sqrt(vhat)+eps)) on the
    same batch; the gradient is that of the query loss plus the weight-decay term. Returns the new
    parameters (same dtype as params)."""
    loss_fn = loss_fn or (lambda p: forward(cfg, p, batch)[0])
    theta = {n: t.detach().clone() for n, t in params.items()}
    m = {n: torch.zeros_like(t) for n, t in theta.items()}
    v = {n: torch.zeros_like(t) for n, t in theta.items()}
    names = list(theta)
    for t in range(1, steps + 1):
        leaves = {n: theta[n].clone().requires_grad_(True) for n in names}
        loss = loss_fn(leaves)
        if adam.weight_decay:
            loss = loss + weight_decay_term(leaves, adam.weight_decay)
        grads = torch.autograd.grad(loss, [leaves[n] for n in names])
        for n, g in zip(names, grads):
            m[n] = adam.beta1 * m[n] + (1 - adam.beta1) * g
            v[n] = adam.beta2 * v[n] + (1 - adam.beta2) * g * g
            mhat = m[n] / (1 - adam.beta1 ** t)
            vhat = v[n] / (1 - adam.beta2 ** t)
            theta[n] = theta[n] - adam.lr * mhat / (torch.sqrt(vhat) + adam.eps)
    return theta


# ---------------------------------------------------------------------------------------------
# Clamps (design 3.1-3.3): multi-pass forward with where(mask, cache, value) overrides
# ---------------------------------------------------------------------------------------------
#
# A clamp plan is a JSON list of objects (layers and heads 0-indexed, heads as "L:H"):
#   {"type": "ablate_heads", "heads": ["1:0", ...]}                 v of those heads = 0
#   {"type": "prev_token_pattern", "heads": [...], "strength": s, "only_label": false}
#   {"type": "induction_pattern", "heads": [...], "strength": s}
#   {"type": "perfect_copy", "head": "1:3"}
#   {"type": "preserve", "what": ["patterns", "values", "queries", "keys"]}   (any subset)
#   {"type": "head_temperature", "heads": [...one layer...], "temperature": t}
#   {"type": "disallow_prev_token", "heads": [...], "only_label": false}
#   {"type": "silence_non_label", "heads": [...last layer...]}
#   {"type": "match_heads", "heads": [...], "temperature": tau}    (tau 0: hardmax)
#   {"type": "ablate_embedding"}
#   {"type": "graft_in", "till_layer": l}      needs a frozen model
#   {"type": "graft_out", "from_layer": l}     needs a frozen model
#   {"type": "perfect_prev_token_input"}       2-layer models; may be combined only with
#                                              ablate_heads (layer 1) and perfect_copy
#
# Choices where the paper and doc/design.md are silent, stated once here (fixtures/CLAMPS.txt repeats them):
# - Label positions of the query row are 2j+1, j = 0..P-1 (design 4.2: [0, w1, 0, w2, 0] for P 2).
# - Induction pattern: w_j = s if y_j == y_q else 1 - s; the row is not renormalised.
# - Perfect copy: query logits = -1e9, then for j = 0..P-1 in order logit[y_j] = S[q, 2j+1]; when
#   two context labels are equal the later position wins (overwrites), so the earlier score gets
#   no gradient.
# - Match heads, tau = 0: one-hot on the first maximum of cos(x_j, x_q).
# - prev_token_pattern only_label: only the label rows 2j+1 are clamped (mask), other rows are
#   computed. disallow_prev_token only_label: entries [n, n-1] for label rows n = 2j+1.
# - graft_in/graft_out: the frozen model runs plain (no clamps of its own); graft_out runs the
#   frozen model's layers > l and its final LN and unembedding on the current model's (clamped)
#   block_out[l], and that is the output whose loss is trained.
# - perfect_prev_token_input: E is the "embedding" site of the plain pass P0 (token embeddings
#   plus positional terms; equal to the token embeddings for RoPE). Shifted stream: position 0
#   keeps E_0, positions p = 1..T-2 get E_{p-1}, the query (T-1) keeps E_{T-1}.


def parse_head(s):
    l, h = s.split(":")
    return int(l), int(h)


class Cache(dict):
    """site -> (mask, value), both of the site's full shape. A later write overwrites the earlier
    value where its own mask is set (design 3.3: "later writes to the same slot overwrite")."""

    def write(self, site, mask, value):
        if site in self:
            m0, v0 = self[site]
            self[site] = (m0 | mask, torch.where(mask, value, v0))
        else:
            self[site] = (mask, value)


def _shapes(cfg, B):
    T, H = cfg.T, cfg.n_heads
    return {"attn": (B, H, T, T), "v": (B, H, T, cfg.HD), "logits": (B, T, cfg.n_labels)}


def _heads_mask(shape, heads):
    """bool mask of shape [B,H,...] selecting the given heads (all other dims)."""
    m = torch.zeros(shape, dtype=torch.bool)
    for h in heads:
        m[:, h] = True
    return m


def _by_layer(heads):
    out = {}
    for s in heads:
        l, h = parse_head(s)
        out.setdefault(l, []).append(h)
    return out


def _label_positions(cfg):
    return [2 * j + 1 for j in range(cfg.context_pairs)]


def perfect_copy_logits(cfg, batch, scores, dtype):
    """Query logits of the perfect-copy clamp from pre-softmax scores [B, T, T] of one head."""
    B, T, L = batch.B, cfg.T, cfg.n_labels
    rows = []
    for b in range(B):
        row = [torch.tensor(CLAMP_NEG, dtype=dtype)] * L
        for j in range(cfg.context_pairs):           # later positions overwrite earlier ones
            row[int(batch.labels[b, j])] = scores[b, T - 1, 2 * j + 1]
        rows.append(torch.stack(row))
    value = torch.zeros(B, T, L, dtype=dtype)
    value = torch.cat([value[:, : T - 1], torch.stack(rows)[:, None, :]], dim=1)
    mask = torch.zeros(B, T, L, dtype=torch.bool)
    mask[:, T - 1] = True
    return mask, value


def validate_clamps(cfg, clamps, frozen):
    known = {"ablate_heads", "prev_token_pattern", "induction_pattern", "perfect_copy", "preserve",
             "head_temperature", "disallow_prev_token", "silence_non_label", "match_heads",
             "ablate_embedding", "graft_in", "graft_out", "perfect_prev_token_input"}
    types = [c["type"] for c in clamps]
    for t in types:
        if t not in known:
            raise ValueError(f"unknown clamp type {t}")
    if ("graft_in" in types or "graft_out" in types) and frozen is None:
        raise ValueError("graft clamps need a frozen model")
    if "perfect_prev_token_input" in types:
        if cfg.depth != 2:
            raise ValueError("perfect_prev_token_input needs a 2-layer model")
        extra = set(types) - {"perfect_prev_token_input", "ablate_heads", "perfect_copy"}
        if extra:
            raise ValueError(f"perfect_prev_token_input cannot be combined with {sorted(extra)}")
        for c in clamps:
            if c["type"] == "ablate_heads" and any(parse_head(s)[0] != 1 for s in c["heads"]):
                raise ValueError("with perfect_prev_token_input, ablate_heads must be layer 1")
    for c in clamps:
        if c["type"] == "silence_non_label" and any(parse_head(s)[0] != cfg.depth - 1
                                                    for s in c["heads"]):
            raise ValueError("silence_non_label applies to the last layer only")
        if c["type"] == "head_temperature" and len(_by_layer(c["heads"])) != 1:
            raise ValueError("head_temperature: heads of one layer only")


def clamped_forward(cfg, params, batch, clamps, frozen=None):
    """The clamped training forward of design 3.3. Returns (loss, acts of the final pass, query
    logits [B, L] of the output that is trained). Gradients flow into params through every pass
    (no stop-gradient); constant clamps and the frozen model's parameters are leaves without
    gradient (the caller passes frozen tensors that do not require grad)."""
    validate_clamps(cfg, clamps, frozen)
    if any(c["type"] == "perfect_prev_token_input" for c in clamps):
        return _perfect_prev_token_input(cfg, params, batch, clamps)
    dtype = params["wx"].dtype
    B, T, H = batch.B, cfg.T, cfg.n_heads
    shp = _shapes(cfg, B)
    cache = Cache()
    # 2-3. reference pass P0 and the slots taken from it
    need_p0 = any(c["type"] in ("preserve", "perfect_copy", "head_temperature") for c in clamps)
    acts0 = forward(cfg, params, batch)[1] if need_p0 else None
    for c in clamps:
        if c["type"] == "preserve":
            names = {"patterns": "attn", "values": "v", "queries": "q", "keys": "k"}
            for what in c["what"]:
                for l in range(cfg.depth):
                    site = f"l{l}.{names[what]}"
                    val = acts0[site]
                    cache.write(site, torch.ones(val.shape, dtype=torch.bool), val)
        elif c["type"] == "head_temperature":
            (l, heads), = _by_layer(c["heads"]).items()
            div = torch.ones(H, dtype=dtype)
            for h in heads:
                div[h] = c["temperature"]
            val = acts0[f"l{l}.attn_pre"] / div[None, :, None, None]
            cache.write(f"l{l}.attn_pre", torch.ones(shp["attn"], dtype=torch.bool), val)
        elif c["type"] == "perfect_copy":
            l, h = parse_head(c["head"])
            mask, val = perfect_copy_logits(cfg, batch, acts0[f"l{l}.attn_pre"][:, h], dtype)
            cache.write("logits", mask, val)
    # 4. graft-in: the frozen model's residual stream after layer l (a constant)
    for c in clamps:
        if c["type"] == "graft_in":
            l = c["till_layer"]
            with torch.no_grad():
                val = forward(cfg, frozen, batch)[1][f"l{l}.block_out"]
            cache.write(f"l{l}.block_out", torch.ones(val.shape, dtype=torch.bool), val)
    # 5. ablate embedding
    for c in clamps:
        if c["type"] == "ablate_embedding":
            z = torch.zeros(B, T, cfg.d_model, dtype=dtype)
            cache.write("tok_embedding", torch.ones(z.shape, dtype=torch.bool), z)
    # 6. head ablations: v = 0
    for c in clamps:
        if c["type"] == "ablate_heads":
            for l, heads in _by_layer(c["heads"]).items():
                cache.write(f"l{l}.v", _heads_mask(shp["v"], heads),
                            torch.zeros(shp["v"], dtype=dtype))
    # 7. previous-token patterns
    for c in clamps:
        if c["type"] == "prev_token_pattern":
            s = c.get("strength", 1.0)
            pat = torch.zeros(T, T, dtype=dtype)
            pat[0, 0] = 1.0
            for n in range(1, T):
                pat[n, n - 1] = s
                pat[n, n] = 1.0 - s
            rows = _label_positions(cfg) if c.get("only_label", False) else list(range(T))
            for l, heads in _by_layer(c["heads"]).items():
                mask = torch.zeros(shp["attn"], dtype=torch.bool)
                for h in heads:
                    mask[:, h, rows, :] = True
                cache.write(f"l{l}.attn", mask, pat.expand(shp["attn"]).clone())
    # 8. induction patterns (query row)
    for c in clamps:
        if c["type"] == "induction_pattern":
            s = c.get("strength", 1.0)
            row = torch.zeros(B, T, dtype=dtype)
            for j in range(cfg.context_pairs):
                match = (batch.labels[:, j] == batch.targets).to(dtype)
                row[:, 2 * j + 1] = match * s + (1 - match) * (1 - s)
            _write_query_rows(cfg, cache, shp, c["heads"], row)
    # 9. match heads (query row from input-vector cosine similarity)
    for c in clamps:
        if c["type"] == "match_heads":
            x = batch.exemplars().to(dtype)                                  # [B, X, D]
            cos = torch.nn.functional.cosine_similarity(x[:, :-1], x[:, -1:], dim=-1)  # [B, P]
            tau = c["temperature"]
            if tau == 0:
                a = torch.nn.functional.one_hot(cos.argmax(dim=-1), cfg.context_pairs).to(dtype)
            else:
                a = torch.softmax(cos / tau, dim=-1)
            row = torch.zeros(B, T, dtype=dtype)
            row[:, _label_positions(cfg)] = a
            _write_query_rows(cfg, cache, shp, c["heads"], row)
    # 10. disallow previous-token attention (pre-softmax)
    for c in clamps:
        if c["type"] == "disallow_prev_token":
            rows = _label_positions(cfg) if c.get("only_label", False) else list(range(1, T))
            for l, heads in _by_layer(c["heads"]).items():
                mask = torch.zeros(shp["attn"], dtype=torch.bool)
                for h in heads:
                    for n in rows:
                        mask[:, h, n, n - 1] = True
                cache.write(f"l{l}.attn_pre", mask, torch.full(shp["attn"], CLAMP_NEG, dtype=dtype))
    # 11. silence non-label keys of the last layer's query row
    for c in clamps:
        if c["type"] == "silence_non_label":
            for l, heads in _by_layer(c["heads"]).items():
                mask = torch.zeros(shp["attn"], dtype=torch.bool)
                for h in heads:
                    mask[:, h, T - 1, 0::2] = True
                cache.write(f"l{l}.attn_pre", mask, torch.full(shp["attn"], CLAMP_NEG, dtype=dtype))
    # 12. final pass, then graft-out
    loss, acts = forward(cfg, params, batch, cache)
    for c in clamps:
        if c["type"] == "graft_out":
            l = c["from_layer"]
            sites = Sites()
            h = acts[f"l{l}.block_out"]
            for m in range(l + 1, cfg.depth):
                h = block(cfg, frozen, m, h, sites)
            logits = head(cfg, frozen, h, sites)
            return query_loss(logits, batch.targets), acts, logits[:, -1]
    return loss, acts, acts["logits"][:, -1]


def _write_query_rows(cfg, cache, shp, heads, row):
    """Clamps the query row of attn of the given heads to row [B, T]."""
    T = cfg.T
    for l, hs in _by_layer(heads).items():
        mask = torch.zeros(shp["attn"], dtype=torch.bool)
        val = torch.zeros(shp["attn"], dtype=row.dtype)
        for h in hs:
            mask[:, h, T - 1, :] = True
            val[:, h, T - 1, :] = row
        cache.write(f"l{l}.attn", mask, val)


def _perfect_prev_token_input(cfg, params, batch, clamps):
    """design 3.3 specific_fn perfect_prev_token_input (the layer-1 clamp, subcircuit A)."""
    dtype = params["wx"].dtype
    B, T = batch.B, cfg.T
    shp = _shapes(cfg, B)
    E = forward(cfg, params, batch)[1]["embedding"]                         # plain pass P0
    shifted = torch.cat([E[:, :1], E[:, 0 : T - 2], E[:, T - 1 :]], dim=1)   # [E0,E0,E1,..,E_{T-3},E_q]
    full = torch.ones(E.shape, dtype=torch.bool)
    acts_pat = forward(cfg, params, batch, Cache({"l0.block_out": (full, shifted)}))[1]
    cache = Cache({"l0.block_out": (full, E)})
    cache.write("l1.attn", torch.ones(shp["attn"], dtype=torch.bool), acts_pat["l1.attn"])
    for c in clamps:
        if c["type"] == "ablate_heads":
            for l, heads in _by_layer(c["heads"]).items():
                cache.write(f"l{l}.v", _heads_mask(shp["v"], heads),
                            torch.zeros(shp["v"], dtype=dtype))
    for c in clamps:
        if c["type"] == "perfect_copy":
            l, h = parse_head(c["head"])
            mask, val = perfect_copy_logits(cfg, batch, acts_pat[f"l{l}.attn_pre"][:, h], dtype)
            cache.write("logits", mask, val)
    loss, acts = forward(cfg, params, batch, cache)
    return loss, acts, acts["logits"][:, -1]
