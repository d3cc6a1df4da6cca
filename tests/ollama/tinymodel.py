"""Write the tiny llama-architecture GGUF model (and its Modelfile) that tests serve with a real Ollama.

    python -m tests.ollama.tinymodel --out .tools/ollama-models

The model is under 1 MB: 2 layers, width 64, a SentencePiece-style vocabulary (the 256 byte tokens,
printable ASCII, a few hundred words) with ChatML control tokens and a ChatML chat template in its
metadata, so Ollama recognises the template on `ollama create`. It runs in Ollama's llama.cpp runner in
milliseconds on one thread.

Its weights are random except for one planted path: the residual stream is dominated by the current
token's embedding (attention and feed-forward outputs are scaled down to a small perturbation), and the
output matrix maps the embedding of a few chosen tokens to a chosen successor. A ChatML prompt always
ends with "<|im_start|>assistant\\n", so every chat answer is the same sentence, ANSWER, followed by the
end-of-turn token (done_reason "stop", finish_reason "stop"). Any other context (a raw prompt) gives
noise, capped by the Modelfile's num_predict. Everything Ollama does around it (template, tokeniser,
sampling, streaming, errors, /api/tags, /api/show) is real.

Deterministic: a fixed seed and fixed sizes give the same bytes for the same `gguf` version; a stamp
file makes a second run a no-op.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from importlib.metadata import version
from pathlib import Path

import gguf
import numpy as np

MODEL_VERSION = "1"                   # bump when anything below changes what is written
MODEL_NAME = "packgate-tiny"          # the name `ollama create` gives it (listed as packgate-tiny:latest)
GGUF_FILE = "packgate-tiny.gguf"
MODELFILE = "Modelfile"
STAMP = "VERSION"

ANSWER = "Hello from the tiny test model."
# The tokens of ANSWER, in order; the first carries no "▁" so the answer has no leading space.
ANSWER_TOKENS = ["Hello", "▁from", "▁the", "▁tiny", "▁test", "▁model", "."]
NUM_PREDICT = 48                      # cap for contexts that do not end a ChatML prompt (noise)

N_EMBD = 64
N_LAYER = 2
N_HEAD = 4
N_FF = 128
N_CTX = 4096
SEED = 20261130

# jinja ChatML as most ChatML models ship it (one of the forms Ollama's template index calls "chatml")
CHAT_TEMPLATE = (
    "{% if not add_generation_prompt is defined %}{% set add_generation_prompt = false %}{% endif %}"
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + "
    "'<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)

WORDS = """
the of and to a in is you that it he was for on are as with his they I at be this have from or one had by
word but not what all were we when your can said there use an each which she do how their if will up other
about out many then them these so some her would make like him into time has look two more write go see
number no way could people my than first water been call who oil its now find long down day did get come
made may part hello model tiny test patient doctor clinic note answer question dose pain blood heart
""".split()

SPECIALS = ["<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>"]


def vocabulary() -> tuple[list[str], list[float], list[int]]:
    """SentencePiece-style pieces: specials, the 256 byte tokens, then normal pieces by falling score."""
    T = gguf.TokenType
    tokens: list[str] = []
    types: list[int] = []
    for s in SPECIALS:
        tokens.append(s)
        types.append(T.UNKNOWN if s == "<unk>" else T.CONTROL)
    for b in range(256):
        tokens.append(f"<0x{b:02X}>")
        types.append(T.BYTE)
    normal: list[str] = ["▁"] + [chr(c) for c in range(33, 127)]
    for w in WORDS + ANSWER_TOKENS:
        for piece in (w if w.startswith("▁") or w in ANSWER_TOKENS else "▁" + w, w.lstrip("▁")):
            if piece and piece not in normal:
                normal.append(piece)
    tokens += normal
    types += [T.NORMAL] * len(normal)
    # byte and control pieces score 0; longer normal pieces score higher, so merges prefer whole words
    scores = [0.0] * (len(SPECIALS) + 256) + [-1000.0 + 10.0 * len(p) - i * 1e-3 for i, p in enumerate(normal)]
    return tokens, scores, [int(t) for t in types]


def build_tensors(tokens: list[str]) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(SEED)
    ids = {t: i for i, t in enumerate(tokens)}
    n_vocab = len(tokens)

    def rand(*shape: int, scale: float) -> np.ndarray:
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    # embeddings with RMS 1, so after RMSNorm a token's own embedding has squared norm ~N_EMBD
    embd = rand(n_vocab, N_EMBD, scale=1.0)
    # output rows: noise by default; the planted chain "\n" -> ANSWER_TOKENS -> <|im_end|>
    output = rand(n_vocab, N_EMBD, scale=0.02)
    chain = ["<0x0A>"] + ANSWER_TOKENS + ["<|im_end|>"]
    for cur, nxt in zip(chain, chain[1:]):
        output[ids[nxt]] = 0.5 * embd[ids[cur]] / np.sqrt(np.mean(embd[ids[cur]] ** 2))

    t: dict[str, np.ndarray] = {
        "token_embd.weight": embd,
        "output_norm.weight": np.ones(N_EMBD, dtype=np.float32),
        "output.weight": output,
    }
    small = 0.02   # attention and MLP run for real but only nudge the residual stream
    for layer in range(N_LAYER):
        p = f"blk.{layer}."
        t[p + "attn_norm.weight"] = np.ones(N_EMBD, dtype=np.float32)
        t[p + "attn_q.weight"] = rand(N_EMBD, N_EMBD, scale=0.1)
        t[p + "attn_k.weight"] = rand(N_EMBD, N_EMBD, scale=0.1)
        t[p + "attn_v.weight"] = rand(N_EMBD, N_EMBD, scale=0.1)
        t[p + "attn_output.weight"] = rand(N_EMBD, N_EMBD, scale=small)
        t[p + "ffn_norm.weight"] = np.ones(N_EMBD, dtype=np.float32)
        t[p + "ffn_gate.weight"] = rand(N_FF, N_EMBD, scale=0.1)
        t[p + "ffn_up.weight"] = rand(N_FF, N_EMBD, scale=0.1)
        t[p + "ffn_down.weight"] = rand(N_EMBD, N_FF, scale=small)
    return t


def write_gguf(path: Path) -> None:
    tokens, scores, types = vocabulary()
    ids = {t: i for i, t in enumerate(tokens)}
    w = gguf.GGUFWriter(str(path), gguf.MODEL_ARCH_NAMES[gguf.MODEL_ARCH.LLAMA])
    w.add_name("packgate tiny test model")
    w.add_description("Random-weight test model for packgate's end-to-end tests; its output is not language.")
    w.add_file_type(gguf.LlamaFileType.ALL_F32)
    w.add_context_length(N_CTX)
    w.add_embedding_length(N_EMBD)
    w.add_block_count(N_LAYER)
    w.add_feed_forward_length(N_FF)
    w.add_head_count(N_HEAD)
    w.add_head_count_kv(N_HEAD)
    w.add_rope_dimension_count(N_EMBD // N_HEAD)
    w.add_rope_freq_base(10000.0)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_vocab_size(len(tokens))
    w.add_tokenizer_model("llama")
    w.add_token_list(tokens)
    w.add_token_scores(scores)
    w.add_token_types(types)
    w.add_unk_token_id(ids["<unk>"])
    w.add_bos_token_id(ids["<s>"])
    w.add_eos_token_id(ids["<|im_end|>"])
    w.add_add_bos_token(True)
    w.add_add_eos_token(False)
    w.add_chat_template(CHAT_TEMPLATE)
    for name, arr in build_tensors(tokens).items():
        w.add_tensor(name, arr)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def modelfile_text() -> str:
    # num_thread 1: with the default two threads the runner spins against other load (up to 2 s a reply).
    return (f"FROM ./{GGUF_FILE}\n"
            "PARAMETER num_thread 1\n"
            f"PARAMETER num_predict {NUM_PREDICT}\n")


def stamp_text() -> str:
    return json.dumps({"model_version": MODEL_VERSION, "gguf": version("gguf"), "numpy": version("numpy")},
                      sort_keys=True) + "\n"


def write_model(out: Path, *, force: bool = False) -> Path:
    """Write GGUF_FILE, MODELFILE and STAMP into `out` unless the stamp already matches; returns the Modelfile."""
    out.mkdir(parents=True, exist_ok=True)
    stamp, modelfile, model = out / STAMP, out / MODELFILE, out / GGUF_FILE
    if not force and model.exists() and modelfile.exists() and stamp.exists() and stamp.read_text() == stamp_text():
        return modelfile
    tmp = out / (GGUF_FILE + ".tmp")
    write_gguf(tmp)
    tmp.replace(model)
    modelfile.write_text(modelfile_text())
    stamp.write_text(stamp_text())
    digest = hashlib.sha256(model.read_bytes()).hexdigest()[:12]
    print(f"tiny model: wrote {model} ({model.stat().st_size / 1024:.0f} KiB, sha256 {digest}...)")
    return modelfile


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[2] / ".tools" / "ollama-models")
    ap.add_argument("--force", action="store_true", help="write even when the stamp matches")
    args = ap.parse_args(argv)
    write_model(args.out, force=args.force)
    return 0


if __name__ == "__main__":
    sys.exit(main())
