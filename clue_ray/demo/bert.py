"""A tiny BERT with a WordPiece vocabulary trained on fixture text: the local stand-in for
SciBERT in BERTScore. Like `allenai/scibert_scivocab_uncased`, the directory holds a plain
`vocab.txt` and a slow `BertTokenizer` config (lower-casing, no declared maximum length), so
the 512-token cap must come from the scorer."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

VOCAB_SIZE = 2000
HIDDEN_SIZE = 32
NUM_LAYERS = 9  # more than the 8 BERTScore uses, so choosing layer 8 really drops one
NUM_HEADS = 2
MAX_POSITIONS = 512
TOKENIZER_CONFIG = {"tokenizer_class": "BertTokenizer", "do_lower_case": True}


def train_vocab(out_dir: Path, texts: Sequence[str]) -> Path:
    """Train a lower-casing WordPiece vocabulary on `texts` and write `vocab.txt`."""
    from tokenizers import BertWordPieceTokenizer

    wordpiece = BertWordPieceTokenizer(lowercase=True)
    wordpiece.train_from_iterator(list(texts), vocab_size=VOCAB_SIZE, show_progress=False)
    wordpiece.save_model(str(out_dir))
    return out_dir / "vocab.txt"


def build_tiny_bert(out_dir: Path, texts: Sequence[str], *, seed: int = 0) -> Path:
    """Write vocab.txt, tokenizer_config.json and a seeded random `BertModel` under out_dir.

    bert-score loads the result by path (`model_type=str(out_dir)`) without any download.
    """
    import torch
    from transformers import BertConfig, BertModel

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    vocab = train_vocab(out_dir, texts)
    vocab_size = len(vocab.read_text(encoding="utf-8").splitlines())
    (out_dir / "tokenizer_config.json").write_text(json.dumps(TOKENIZER_CONFIG, indent=2) + "\n",
                                                   encoding="utf-8")
    config = BertConfig(vocab_size=vocab_size, hidden_size=HIDDEN_SIZE,
                        num_hidden_layers=NUM_LAYERS, num_attention_heads=NUM_HEADS,
                        intermediate_size=2 * HIDDEN_SIZE, max_position_embeddings=MAX_POSITIONS)
    torch.manual_seed(seed)
    model = BertModel(config)
    model.eval()
    model.save_pretrained(out_dir)
    return out_dir
