"""A tiny BERT with a WordPiece vocabulary trained on fixture text: the local stand-in for
SciBERT in BERTScore (slow tokenizer, no declared maximum length, like scibert)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def build_tiny_bert(out_dir: Path, texts: Sequence[str], *, seed: int = 0,
                    num_layers: int = 8) -> Path:
    """Train the vocab, build a seeded random `BertModel`, save both under out_dir."""
    import torch
    from tokenizers import BertWordPieceTokenizer
    from transformers import BertConfig, BertModel, BertTokenizer

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    wordpiece = BertWordPieceTokenizer(lowercase=True)
    wordpiece.train_from_iterator(list(texts), vocab_size=1500, show_progress=False)
    wordpiece.save_model(str(out_dir))
    tokenizer = BertTokenizer(vocab_file=str(out_dir / "vocab.txt"), do_lower_case=True)
    tokenizer.save_pretrained(out_dir)
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32,
                        num_hidden_layers=num_layers, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=512)
    torch.manual_seed(seed)
    BertModel(config).save_pretrained(out_dir)
    return out_dir
