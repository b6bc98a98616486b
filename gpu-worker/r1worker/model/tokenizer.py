"""A small byte-level BPE tokenizer trained locally, for the built-in tiny model.

Digits are split one per token before BPE (as in Llama and DeepSeek tokenizers), so numbers never
merge into multi-digit pieces and the arithmetic curriculum stays learnable by a tiny model.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import PreTrainedTokenizerFast

BOS, EOS, PAD = "<|bos|>", "<|eos|>", "<|pad|>"
THINK_OPEN, THINK_CLOSE = "<think>", "</think>"
SPECIAL_TOKENS = (BOS, EOS, PAD)
REASONING_TOKENS = (THINK_OPEN, THINK_CLOSE)

# R1-Zero style plain-text turns ("User: ...\nAssistant: ..."); the assistant turn ends with EOS.
# The generation prompt is exactly the text before an assistant turn's content, so a prompt
# rendered with add_generation_prompt=True followed by the completion equals the full chat.
CHAT_TEMPLATE = (
    "{{ bos_token }}"
    "{% for message in messages %}"
    "{% if message['role'] == 'system' %}{{ message['content'] }}\n"
    "{% elif message['role'] == 'user' %}User: {{ message['content'] }}\n"
    "{% elif message['role'] == 'assistant' %}Assistant: {{ message['content'] }}{{ eos_token }}\n"
    "{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}Assistant: {% endif %}"
)


def _train_bpe(texts: Iterable[str], vocab_size: int) -> Tokenizer:
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Digits(individual_digits=True), pre_tokenizers.ByteLevel(add_prefix_space=False)]
    )
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(texts, trainer=trainer)
    # Added after training so BPE never learns to split or merge them; not "special", so they
    # survive `decode(..., skip_special_tokens=True)` and the format reward can see them.
    tok.add_tokens([AddedToken(t, normalized=False, special=False) for t in REASONING_TOKENS])
    return tok


def build_tokenizer(
    texts: Iterable[str], vocab_size: int = 512, out_dir: str | os.PathLike | None = None
) -> PreTrainedTokenizerFast:
    """Train a byte-level BPE on `texts` and wrap it as a Hugging Face fast tokenizer.

    The vocabulary holds the 256 byte symbols, `<|bos|>`, `<|eos|>`, `<|pad|>`, the learnt
    merges up to `vocab_size`, then `<think>` and `</think>`. No BOS/EOS is added by `encode`;
    the chat template writes them. When `out_dir` is given the tokenizer is saved there in the
    standard layout (tokenizer.json, tokenizer_config.json, special_tokens_map.json), loadable by
    `AutoTokenizer.from_pretrained(out_dir)`.
    """
    if vocab_size < 256 + len(SPECIAL_TOKENS):
        raise ValueError(f"vocab_size must be at least {256 + len(SPECIAL_TOKENS)} (bytes + specials)")
    hf = PreTrainedTokenizerFast(
        tokenizer_object=_train_bpe(texts, vocab_size),
        bos_token=BOS,
        eos_token=EOS,
        pad_token=PAD,
    )
    hf.chat_template = CHAT_TEMPLATE
    if out_dir is not None:
        save_tokenizer(hf, out_dir)
    return hf


def save_tokenizer(tokenizer: PreTrainedTokenizerFast, out_dir: str | os.PathLike) -> None:
    """`save_pretrained`, plus a special_tokens_map.json for readers that still look for one."""
    out = Path(out_dir)
    tokenizer.save_pretrained(out)
    stm = out / "special_tokens_map.json"
    if not stm.exists():
        specials = {
            "bos_token": tokenizer.bos_token,
            "eos_token": tokenizer.eos_token,
            "pad_token": tokenizer.pad_token,
        }
        stm.write_text(json.dumps(specials, indent=2) + "\n")
