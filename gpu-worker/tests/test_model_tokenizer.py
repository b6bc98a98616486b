"""The locally trained byte-level BPE tokenizer of the built-in tiny model."""

import json

import pytest
from transformers import AutoTokenizer

from r1worker.model.corpus import arithmetic_corpus
from r1worker.model.tokenizer import build_tokenizer


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    out = tmp_path_factory.mktemp("tok")
    build_tokenizer(arithmetic_corpus(n=2000, seed=0), vocab_size=512, out_dir=out)
    return out, AutoTokenizer.from_pretrained(out)


def test_corpus_is_deterministic_and_covers_the_format():
    a, b = arithmetic_corpus(50, seed=3), arithmetic_corpus(50, seed=3)
    assert a == b and a != arithmetic_corpus(50, seed=4)
    text = "\n".join(a)
    for piece in ("Compute", "Step", "answer", "<think>", "</think>", "+", "*", "=", "(", ")"):
        assert piece in text


def test_saved_in_standard_layout(saved):
    out, tok = saved
    for name in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        assert (out / name).exists(), name
    specials = json.loads((out / "special_tokens_map.json").read_text())
    assert specials["bos_token"] == "<|bos|>" and specials["pad_token"] == "<|pad|>"
    assert (tok.bos_token, tok.eos_token, tok.pad_token) == ("<|bos|>", "<|eos|>", "<|pad|>")
    assert len(tok) <= 512 + 2


@pytest.mark.parametrize(
    "text",
    [
        "User: Compute (12 + 7) * 3.\nAssistant: <think> Step 1: 12 + 7 = 19. </think> 57",
        "  spaces,\ttabs and unicode: é ∑ 数学 ",
        "",
    ],
)
def test_round_trip(saved, text):
    _, tok = saved
    assert tok.decode(tok.encode(text, add_special_tokens=False)) == text


def test_digits_are_single_tokens(saved):
    _, tok = saved
    pieces = tok.convert_ids_to_tokens(tok.encode("1234567890", add_special_tokens=False))
    assert pieces == list("1234567890")
    pieces = tok.convert_ids_to_tokens(tok.encode("x=987", add_special_tokens=False))
    assert [p for p in pieces if any(c.isdigit() for c in p)] == ["9", "8", "7"]


def test_think_tags_are_single_tokens_kept_by_decode(saved):
    _, tok = saved
    for tag in ("<think>", "</think>"):
        ids = tok.encode(tag, add_special_tokens=False)
        assert len(ids) == 1 and tok.convert_ids_to_tokens(ids) == [tag]
    ids = tok.encode("<think> 1 + 1 = 2 </think> 2", add_special_tokens=False)
    assert tok.decode(ids, skip_special_tokens=True) == "<think> 1 + 1 = 2 </think> 2"
    eos = tok.eos_token_id
    assert tok.decode(ids + [eos], skip_special_tokens=True).endswith("</think> 2")


def test_chat_template(saved):
    _, tok = saved
    prompt = tok.apply_chat_template(
        [{"role": "user", "content": "Compute 2 + 2."}], tokenize=False, add_generation_prompt=True
    )
    assert prompt == "<|bos|>User: Compute 2 + 2.\nAssistant: "
    full = tok.apply_chat_template(
        [
            {"role": "user", "content": "Compute 2 + 2."},
            {"role": "assistant", "content": "<think> 2 + 2 = 4 </think> 4"},
        ],
        tokenize=False,
    )
    assert full == "<|bos|>User: Compute 2 + 2.\nAssistant: <think> 2 + 2 = 4 </think> 4<|eos|>\n"
    assert full.startswith(prompt)


def test_vocab_size_too_small_is_rejected():
    with pytest.raises(ValueError, match="at least"):
        build_tokenizer(["1 + 1"], vocab_size=100)
