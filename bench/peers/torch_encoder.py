#!/usr/bin/python3
"""PyTorch eager peer of bench/throughput: the same BERT-layout encoder classifier, the same weights
(read from guardian's safetensors file), the same token ids, timed the same way.

Usage: torch_encoder.py WEIGHTS.safetensors CONFIG.json IDS.json THREADS
Prints one JSON line per batch size: {"batch", "messages_per_second", "p50_ms", "p99_ms"}.
"""
import json
import math
import struct
import sys
import time

import torch


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        assert info["dtype"] == "F32"
        out[name] = torch.frombuffer(bytearray(data[base + begin:base + end]), dtype=torch.float32).reshape(info["shape"])
    return out


class Encoder(torch.nn.Module):
    def __init__(self, w, c):
        super().__init__()
        self.w, self.c = w, c
        self.heads = c["num_attention_heads"]

    def forward(self, ids, mask):
        w, c = self.w, self.c
        eps = c["layer_norm_eps"]
        h = c["hidden_size"]
        seq = ids.shape[1]
        x = (w["bert.embeddings.word_embeddings.weight"][ids] + w["bert.embeddings.position_embeddings.weight"][:seq]
             + w["bert.embeddings.token_type_embeddings.weight"][0])
        x = torch.nn.functional.layer_norm(x, (h,), w["bert.embeddings.LayerNorm.weight"], w["bert.embeddings.LayerNorm.bias"], eps)
        add = (1.0 - mask.float())[:, None, None, :] * -1e4
        b, d = ids.shape[0], h // self.heads
        lin = torch.nn.functional.linear
        for i in range(c["num_hidden_layers"]):
            p = "bert.encoder.layer.%d." % i
            def split(t):
                return t.view(b, seq, self.heads, d).transpose(1, 2)
            q = split(lin(x, w[p + "attention.self.query.weight"], w[p + "attention.self.query.bias"]))
            k = split(lin(x, w[p + "attention.self.key.weight"], w[p + "attention.self.key.bias"]))
            v = split(lin(x, w[p + "attention.self.value.weight"], w[p + "attention.self.value.bias"]))
            a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d) + add, -1) @ v
            a = a.transpose(1, 2).reshape(b, seq, h)
            x = torch.nn.functional.layer_norm(lin(a, w[p + "attention.output.dense.weight"], w[p + "attention.output.dense.bias"]) + x,
                                               (h,), w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"], eps)
            f = torch.nn.functional.gelu(lin(x, w[p + "intermediate.dense.weight"], w[p + "intermediate.dense.bias"]))
            x = torch.nn.functional.layer_norm(lin(f, w[p + "output.dense.weight"], w[p + "output.dense.bias"]) + x,
                                               (h,), w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], eps)
        m = mask.float().unsqueeze(-1)
        pooled = (x * m).sum(1) / m.sum(1).clamp_min(1.0)
        return lin(pooled, w["heads.0.weight"], w["heads.0.bias"])


def batches(rows, size):
    order = sorted(range(len(rows)), key=lambda i: len(rows[i]))
    return [order[i:i + size] for i in range(0, len(order), size)]


def tensor_batch(rows, idx, pad):
    longest = max(len(rows[i]) for i in idx)
    ids = torch.full((len(idx), longest), pad, dtype=torch.long)
    mask = torch.zeros((len(idx), longest), dtype=torch.long)
    for r, i in enumerate(idx):
        ids[r, :len(rows[i])] = torch.tensor(rows[i])
        mask[r, :len(rows[i])] = 1
    return ids, mask


def main():
    weights, config, ids_path, threads = sys.argv[1:5]
    torch.set_num_threads(int(threads))
    c = json.load(open(config))
    model = Encoder(read_safetensors(weights), c)
    rows = json.load(open(ids_path))
    pad = c.get("pad_token_id", 0)
    with torch.inference_mode():
        for size in (1, 64):
            groups = [tensor_batch(rows, idx, pad) for idx in batches(rows, size)]
            for ids, mask in groups[:10]:
                model(ids, mask)
            lat = []
            start = time.perf_counter()
            for ids, mask in groups:
                t = time.perf_counter()
                model(ids, mask)
                lat.append((time.perf_counter() - t) * 1000)
            total = time.perf_counter() - start
            lat.sort()
            print(json.dumps({"batch": size, "messages_per_second": len(rows) / total,
                              "p50_ms": lat[len(lat) // 2], "p99_ms": lat[min(len(lat) - 1, int(len(lat) * 0.99))]}), flush=True)


if __name__ == "__main__":
    main()
