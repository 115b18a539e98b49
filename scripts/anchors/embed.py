#!/usr/bin/env python3
"""Anchor for `hive bench embed`: sentence-transformers (torch CPU) and onnxruntime running
all-MiniLM-L6-v2 on the same sentences, batch sizes and thread counts, in one run.

The ONNX model is exported here from the same weights (torch.onnx.export, offline) and cached
next to the output. Both pipelines include tokenisation, as Hive's does. Prints nothing but
progress on stderr; writes JSON to --out:

  {"sentence_transformers": {"t1_b1": {"sentences_per_s", "p50_ms"}, ...},
   "onnxruntime": {...}, "cold_start_ms": {"sentence_transformers", "onnxruntime"},
   "reference": [[...], ...]}   # sentence-transformers embeddings of the first sentences

Usage: embed.py --model DIR --sentences FILE.json --out FILE.json [--threads 1,2] [--batches 1,32]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def export_onnx(model_dir, path):
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(model_dir).eval()
    ids = torch.ones((2, 12), dtype=torch.long)
    mask = torch.ones((2, 12), dtype=torch.long)
    types = torch.zeros((2, 12), dtype=torch.long)

    class Wrapper(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    wrapper = Wrapper(model).eval()
    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {n: {0: "batch", 1: "sequence"} for n in names}
    axes["last_hidden_state"] = {0: "batch", 1: "sequence"}
    with torch.no_grad():
        try:
            torch.onnx.export(wrapper, (ids, mask, types), path, input_names=names,
                              output_names=["last_hidden_state"], dynamic_axes=axes, opset_version=17,
                              dynamo=False)
        except Exception as error:  # newer torch: only the dynamo exporter
            log(f"legacy ONNX export failed ({error}); using the dynamo exporter")
            batch = torch.export.Dim("batch")
            seq = torch.export.Dim("sequence", max=512)
            shapes = {n: {0: batch, 1: seq} for n in names}
            torch.onnx.export(wrapper, (ids, mask, types), path, input_names=names,
                              output_names=["last_hidden_state"], dynamic_shapes=shapes, dynamo=True)


def measure(embed_batch, sentences, batch):
    # Warm-up: one pass over a few batches.
    for i in range(0, min(len(sentences), 2 * batch), batch):
        embed_batch(sentences[i:i + batch])
    latencies = []
    start = time.perf_counter()
    cpu_start = time.process_time()
    for i in range(0, len(sentences), batch):
        t0 = time.perf_counter()
        embed_batch(sentences[i:i + batch])
        latencies.append((time.perf_counter() - t0) * 1000)
    total = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    # Sentences per CPU-second (all threads): steadier than wall time on a shared, loaded machine.
    return {"sentences_per_s": len(sentences) / total, "p50_ms": statistics.median(latencies),
            "sentences_per_cpu_s": len(sentences) / max(cpu, 1e-9)}


COLD_ST = """
import os, sys, time
os.environ["HF_HUB_OFFLINE"] = "1"
import torch
torch.set_num_threads(1)
from sentence_transformers import SentenceTransformer
m = SentenceTransformer(sys.argv[1], device="cpu")
m.encode(["hello world"])
"""

COLD_ORT = """
import os, sys
import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer
o = ort.SessionOptions(); o.intra_op_num_threads = 1; o.inter_op_num_threads = 1
s = ort.InferenceSession(sys.argv[2], o, providers=["CPUExecutionProvider"])
t = Tokenizer.from_file(os.path.join(sys.argv[1], "tokenizer.json"))
e = t.encode("hello world")
ids = np.array([e.ids], dtype=np.int64); mask = np.array([e.attention_mask], dtype=np.int64)
h = s.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})[0]
v = (h * mask[..., None]).sum(1) / mask.sum(1, keepdims=True); v /= np.linalg.norm(v, axis=1, keepdims=True)
"""


def cold_start(code, args, runs):
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", code] + args, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True)
    parser.add_argument("--sentences", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--threads", default="1,2")
    # The sentence-transformers anchors are single-threaded; torch with 2 threads on a busy
    # 2-core machine mostly spins, so it is measured only when asked for.
    parser.add_argument("--st-threads", default="1")
    parser.add_argument("--batches", default="1,32")
    parser.add_argument("--reference-count", type=int, default=64)
    parser.add_argument("--cold-runs", type=int, default=3)
    parser.add_argument("--onnx", default=os.path.join(tempfile.gettempdir(), "hive-anchor-minilm.onnx"))
    args = parser.parse_args()

    import numpy as np
    import onnxruntime as ort
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers import AutoTokenizer

    with open(args.sentences, encoding="utf-8") as f:
        sentences = json.load(f)
    threads = [int(x) for x in args.threads.split(",")]
    batches = [int(x) for x in args.batches.split(",")]
    result = {"sentence_transformers": {}, "onnxruntime": {}, "cold_start_ms": {}}

    model = SentenceTransformer(args.model, device="cpu")
    for t in [int(x) for x in args.st_threads.split(",")]:
        torch.set_num_threads(t)
        for b in batches:
            r = measure(lambda xs: model.encode(xs, batch_size=b, convert_to_numpy=True), sentences, b)
            result["sentence_transformers"][f"t{t}_b{b}"] = r
            log(f"sentence-transformers threads={t} batch={b}: {r['sentences_per_s']:.1f}/s p50 {r['p50_ms']:.2f} ms")
    torch.set_num_threads(1)
    reference = model.encode(sentences[:args.reference_count], convert_to_numpy=True)
    result["reference"] = [[float(v) for v in row] for row in reference]

    if not os.path.exists(args.onnx) or os.path.getmtime(args.onnx) < os.path.getmtime(
            os.path.join(args.model, "model.safetensors")):
        log(f"exporting ONNX model to {args.onnx}")
        export_onnx(args.model, args.onnx)
    tokenizer = AutoTokenizer.from_pretrained(args.model)
    for t in threads:
        options = ort.SessionOptions()
        options.intra_op_num_threads = t
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        session = ort.InferenceSession(args.onnx, options, providers=["CPUExecutionProvider"])

        def embed(xs):
            enc = tokenizer(xs, padding=True, truncation=True, max_length=256, return_tensors="np")
            ids = enc["input_ids"].astype(np.int64)
            mask = enc["attention_mask"].astype(np.int64)
            hidden = session.run(None, {"input_ids": ids, "attention_mask": mask,
                                        "token_type_ids": np.zeros_like(ids)})[0]
            m = mask[..., None].astype(np.float32)
            v = (hidden * m).sum(1) / np.maximum(m.sum(1), 1e-9)
            return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)

        check = embed(sentences[:8])
        cos = float(np.min(np.sum(check * reference[:8], axis=1)))
        if cos < 0.9999:
            raise SystemExit(f"onnxruntime disagrees with sentence-transformers (cosine {cos})")
        for b in batches:
            r = measure(embed, sentences, b)
            result["onnxruntime"][f"t{t}_b{b}"] = r
            log(f"onnxruntime threads={t} batch={b}: {r['sentences_per_s']:.1f}/s p50 {r['p50_ms']:.2f} ms")

    result["cold_start_ms"]["sentence_transformers"] = cold_start(COLD_ST, [args.model], args.cold_runs)
    result["cold_start_ms"]["onnxruntime"] = cold_start(COLD_ORT, [args.model, args.onnx], args.cold_runs)
    log(f"cold start: {result['cold_start_ms']}")
    with open(args.out, "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
