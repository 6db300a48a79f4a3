"""Independent float64 numpy forward of a Gemma 3 GGUF, written from Hugging Face's
modeling_gemma3.py (Gemma3ForCausalLM) and llama.cpp's src/models/gemma3.cpp, with no Kvasir code.
Weights are the GGUF tensors dequantized by the `gguf` package (llama.cpp's converter has already
added Gemma's 1 to every RMSNorm weight, so the norms multiply by the stored weight).

Per layer l (local when l % 6 < 5, i.e. HF's layer_types "sliding_attention"):
    h = x + post_attention_norm(attn(attn_norm(x)))
    x = h + post_ffw_norm(down(gelu_tanh(gate(ffn_norm(h))) * up(ffn_norm(h))))
attn: q, k RMS-normed per head (q_norm/k_norm), NEOX (rotate-half) RoPE with base 10k on local and
1M on global layers, scores * query_pre_attn_scalar^-0.5, causal mask, and on local layers only the
keys with q_pos - k_pos < sliding_window. Embeddings * sqrt(hidden). Tied lm_head; optional final
logit soft-capping. Keys and values are kept for every position (no ring): the window is a mask here,
so this checks the engine's ring independently.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np


class NpGemma3:
    def __init__(self, path: Path):
        import gguf

        r = gguf.GGUFReader(str(path))

        def field(key, default=None):
            f = r.fields.get(key)
            return f.contents() if f is not None else default

        arch = field("general.architecture")
        if arch != "gemma3":
            raise ValueError(f"{path}: architecture {arch}, not gemma3")
        self.t = {}
        for t in r.tensors:
            a = np.asarray(t.data)
            if t.tensor_type != gguf.GGMLQuantizationType.F32:
                a = gguf.quants.dequantize(a, t.tensor_type)
            self.t[t.name] = a.reshape(int(t.shape[1]), -1) if len(t.shape) > 1 else a.reshape(-1)
        self.L = field("gemma3.block_count")
        self.D = field("gemma3.embedding_length")
        self.H = field("gemma3.attention.head_count")
        self.KV = field("gemma3.attention.head_count_kv", self.H)
        self.hd = field("gemma3.attention.key_length", self.D // self.H)
        self.eps = float(field("gemma3.attention.layer_norm_rms_epsilon"))
        self.theta_global = float(field("gemma3.rope.freq_base", 10000.0))
        self.theta_local = float(field("gemma3.rope.freq_base_swa", 10000.0))
        self.window = int(field("gemma3.attention.sliding_window", 0))
        pattern = field("gemma3.attention.sliding_window_pattern", 6)
        self.local = [bool(self.window) and (l % pattern < pattern - 1) for l in range(self.L)]
        self.softcap = float(field("gemma3.final_logit_softcapping", 0.0) or 0.0)
        # HF: query_pre_attn_scalar = head_dim for every size but 27B (hidden / heads)
        self.scale = (self.D / self.H if self.L == 62 else self.hd) ** -0.5
        self.embed = self.t["token_embd.weight"]  # float32 [vocab, D]
        self.lm_head = self.t.get("output.weight", self.embed)
        self.reset()

    def reset(self):
        self.k = [np.zeros((0, self.KV, self.hd)) for _ in range(self.L)]
        self.v = [np.zeros((0, self.KV, self.hd)) for _ in range(self.L)]
        self.pos = 0

    def _w(self, name):
        return self.t[name].astype(np.float64)

    def _norm(self, x, name):
        return x / np.sqrt((x * x).mean(-1, keepdims=True) + self.eps) * self._w(name)

    def _rope(self, x, pos, theta):  # x [T, H, hd], rotate-half pairing (i, i + hd/2)
        half = self.hd // 2
        inv = theta ** (-np.arange(0, half, dtype=np.float64) * 2.0 / self.hd)
        ang = pos[:, None].astype(np.float64) * inv[None, :]
        c, s = np.cos(ang)[:, None, :], np.sin(ang)[:, None, :]
        a, b = x[..., :half], x[..., half:]
        return np.concatenate([a * c - b * s, a * s + b * c], axis=-1)

    @staticmethod
    def _gelu_tanh(x):
        return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))

    def forward(self, ids) -> np.ndarray:
        """Appends tokens `ids` at the next positions; returns the float64 logits of the last one."""
        T = len(ids)
        pos = np.arange(self.pos, self.pos + T)
        x = self.embed[np.asarray(ids)].astype(np.float64) * math.sqrt(self.D)
        rep = self.H // self.KV
        for l in range(self.L):
            p = f"blk.{l}."
            h = self._norm(x, p + "attn_norm.weight")
            q = (h @ self._w(p + "attn_q.weight").T).reshape(T, self.H, self.hd)
            k = (h @ self._w(p + "attn_k.weight").T).reshape(T, self.KV, self.hd)
            v = (h @ self._w(p + "attn_v.weight").T).reshape(T, self.KV, self.hd)
            q = self._norm(q, p + "attn_q_norm.weight")
            k = self._norm(k, p + "attn_k_norm.weight")
            theta = self.theta_local if self.local[l] else self.theta_global
            q = self._rope(q, pos, theta)
            k = self._rope(k, pos, theta)
            self.k[l] = np.concatenate([self.k[l], k])
            self.v[l] = np.concatenate([self.v[l], v])
            K = np.repeat(self.k[l], rep, axis=1)
            V = np.repeat(self.v[l], rep, axis=1)
            kpos = np.arange(K.shape[0])
            allowed = kpos[None, :] <= pos[:, None]
            if self.local[l]:
                allowed &= (pos[:, None] - kpos[None, :]) < self.window
            att = np.einsum("thd,shd->hts", q, K) * self.scale
            att = np.where(allowed[None], att, -np.inf)
            att = np.exp(att - att.max(-1, keepdims=True))
            att /= att.sum(-1, keepdims=True)
            o = np.einsum("hts,shd->thd", att, V).reshape(T, self.H * self.hd)
            a = o @ self._w(p + "attn_output.weight").T
            x = x + self._norm(a, p + "post_attention_norm.weight")
            h = self._norm(x, p + "ffn_norm.weight")
            g = h @ self._w(p + "ffn_gate.weight").T
            u = h @ self._w(p + "ffn_up.weight").T
            m = (self._gelu_tanh(g) * u) @ self._w(p + "ffn_down.weight").T
            x = x + self._norm(m, p + "post_ffw_norm.weight")
        self.pos += T
        last = self._norm(x[-1:], "output_norm.weight")[0]
        logits = np.empty(self.lm_head.shape[0])
        for r in range(0, self.lm_head.shape[0], 32768):
            logits[r:r + 32768] = self.lm_head[r:r + 32768].astype(np.float64) @ last
        if self.softcap > 0:
            logits = self.softcap * np.tanh(logits / self.softcap)
        return logits
