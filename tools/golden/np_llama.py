"""Independent float64 numpy forward of a Llama model, read from the raw model file (GGUF tensors
as stored, with llama.cpp's interleaved RoPE on the permuted Q/K; Hugging Face safetensors with
rotate-half RoPE). Used by make_golden.py (cross-check of transformers' logits) and by
tools/reference/attention_stats_ref.py (prefill attention statistics from an independent softmax).
Needs numpy, plus gguf or safetensors for the file format read."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np


class NpLlama:
    """Plain Llama forward in float64. rope='interleaved' (llama.cpp / GGUF Q,K layout) or 'half'
    (Hugging Face rotate-half layout). Weights are (out, in) matrices exactly as stored in the file."""

    def __init__(self, w, n_layers, n_heads, n_kv_heads, head_dim, rope_theta, eps, rope):
        self.w, self.L, self.H, self.KV, self.hd = w, n_layers, n_heads, n_kv_heads, head_dim
        self.theta, self.eps, self.rope = rope_theta, eps, rope

    def _norm(self, x, g):
        return x / np.sqrt((x * x).mean(-1, keepdims=True) + self.eps) * g.astype(np.float64)

    @staticmethod
    def _mm(x, wmat):
        return x @ wmat.astype(np.float64).T

    def _rope(self, x, pos):  # x [T, H, hd]
        half = self.hd // 2
        inv = self.theta ** (-np.arange(0, half, dtype=np.float64) * 2.0 / self.hd)
        ang = pos[:, None].astype(np.float64) * inv[None, :]
        c, s = np.cos(ang)[:, None, :], np.sin(ang)[:, None, :]
        out = np.empty_like(x)
        if self.rope == "interleaved":
            a, b = x[..., 0::2], x[..., 1::2]
            out[..., 0::2] = a * c - b * s
            out[..., 1::2] = a * s + b * c
        else:
            a, b = x[..., :half], x[..., half:]
            out[..., :half] = a * c - b * s
            out[..., half:] = a * s + b * c
        return out

    def logits(self, ids, on_attention=None):
        """Logits [T, vocab] of the prompt; on_attention(layer, att) sees each layer's softmax
        attention [H, T, T] (float64, causal) as it is computed."""
        w, T = self.w, len(ids)
        pos = np.arange(T)
        x = w["embed"][np.asarray(ids)].astype(np.float64)
        mask = np.triu(np.full((T, T), -np.inf), 1)
        rep = self.H // self.KV
        for l in range(self.L):
            p = f"l{l}."
            h = self._norm(x, w[p + "attn_norm"])
            q = self._rope(self._mm(h, w[p + "wq"]).reshape(T, self.H, self.hd), pos)
            k = self._rope(self._mm(h, w[p + "wk"]).reshape(T, self.KV, self.hd), pos)
            v = self._mm(h, w[p + "wv"]).reshape(T, self.KV, self.hd)
            k = np.repeat(k, rep, axis=1)
            v = np.repeat(v, rep, axis=1)
            att = np.einsum("thd,shd->hts", q, k) / math.sqrt(self.hd) + mask
            att = np.exp(att - att.max(-1, keepdims=True))
            att /= att.sum(-1, keepdims=True)
            if on_attention is not None:
                on_attention(l, att)
            o = np.einsum("hts,shd->thd", att, v).reshape(T, self.H * self.hd)
            x = x + self._mm(o, w[p + "wo"])
            h = self._norm(x, w[p + "ffn_norm"])
            g = self._mm(h, w[p + "w_gate"])
            u = self._mm(h, w[p + "w_up"])
            x = x + self._mm(g / (1.0 + np.exp(-g)) * u, w[p + "w_down"])
        x = self._norm(x, w["out_norm"])
        return self._mm(x, w["lm_head"])


def np_llama_from_gguf(path: Path) -> NpLlama:
    import gguf

    r = gguf.GGUFReader(str(path))

    def field(key, default=None):
        f = r.fields.get(key)
        return f.contents() if f is not None else default

    tensors = {}
    for t in r.tensors:
        a = np.asarray(t.data)
        if t.tensor_type not in (gguf.GGMLQuantizationType.F32,):
            a = gguf.quants.dequantize(a, t.tensor_type)
        rows = int(t.shape[1]) if len(t.shape) > 1 else 1
        tensors[t.name] = a.reshape(rows, -1) if len(t.shape) > 1 else a.reshape(-1)
    arch = field("general.architecture")
    n_layers = field(f"{arch}.block_count")
    D = field(f"{arch}.embedding_length")
    H = field(f"{arch}.attention.head_count")
    KV = field(f"{arch}.attention.head_count_kv", H)
    w = {
        "embed": tensors["token_embd.weight"],
        "out_norm": tensors["output_norm.weight"],
        "lm_head": tensors.get("output.weight", tensors["token_embd.weight"]),
    }
    names = {"attn_norm": "attn_norm", "wq": "attn_q", "wk": "attn_k", "wv": "attn_v", "wo": "attn_output",
             "ffn_norm": "ffn_norm", "w_gate": "ffn_gate", "w_up": "ffn_up", "w_down": "ffn_down"}
    for l in range(n_layers):
        for k, g in names.items():
            w[f"l{l}.{k}"] = tensors[f"blk.{l}.{g}.weight"]
    return NpLlama(w, n_layers, H, KV, D // H, float(field(f"{arch}.rope.freq_base", 10000.0)),
                   float(field(f"{arch}.attention.layer_norm_rms_epsilon")), "interleaved")


def np_llama_from_hf(d: Path) -> NpLlama:
    from safetensors.numpy import load_file

    cfg = json.loads((d / "config.json").read_text())
    t = load_file(str(d / "model.safetensors"))
    # with tied embeddings the checkpoint may keep only one of the two names (TinyStories-656K keeps lm_head)
    emb = t.get("model.embed_tokens.weight", t.get("lm_head.weight"))
    w = {
        "embed": emb,
        "out_norm": t["model.norm.weight"],
        "lm_head": t.get("lm_head.weight", emb),
    }
    names = {"attn_norm": "input_layernorm", "wq": "self_attn.q_proj", "wk": "self_attn.k_proj",
             "wv": "self_attn.v_proj", "wo": "self_attn.o_proj", "ffn_norm": "post_attention_layernorm",
             "w_gate": "mlp.gate_proj", "w_up": "mlp.up_proj", "w_down": "mlp.down_proj"}
    for l in range(cfg["num_hidden_layers"]):
        for k, g in names.items():
            w[f"l{l}.{k}"] = t[f"model.layers.{l}.{g}.weight"]
    H = cfg["num_attention_heads"]
    return NpLlama(w, cfg["num_hidden_layers"], H, cfg.get("num_key_value_heads", H),
                   cfg.get("head_dim") or cfg["hidden_size"] // H, float(cfg.get("rope_theta", 10000.0)),
                   float(cfg["rms_norm_eps"]), "half")
