"""`clue-ray plan` for the whole study (30 models x 6 tasks on A100-80G), offline.

The study's data is credentialed, so prompts are built from synthetic data at the real sizes
(MedNLI 1,422, MeQSum 1,000, Problem Summary 237, LongHealth 20 x 20 questions = 6,000 rows,
MeDiSumQA 453, MeDiSumCode 500) with LongHealth documents of about the real length; the
models' own tokenizers are not on this machine, so each family is counted with the real
tokenizer of ../shared/tokenizers/ that it uses (Llama-3, Llama-3.1, Llama-2), and the
Mistral-family and Phi-3 models with the Llama-2 one as a stand-in (a 32,000-entry
SentencePiece vocabulary like Mistral's; Phi-3's is Llama-2's). Context lengths are the
`max_position_embeddings` of the models' public configs, written below.

    .venv/bin/python bench/study_plan.py [--sample 16] [--out plan.csv]
"""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import replace
from pathlib import Path

from clue_ray.commands.plan import print_projection
from clue_ray.config import RunCommand, compose
from clue_ray.demo.datasets import DatasetSizes, write_datasets
from clue_ray.planning.settings import PlanSettings

TOKENIZERS = Path(__file__).resolve().parents[2] / "shared" / "tokenizers"
REAL = DatasetSizes(mednli=1422, meqsum=1000, problem_summary=237, medisumqa=453,
                    medisumcode=500, longhealth_patients=20, longhealth_questions=20,
                    longhealth_texts=6, longhealth_sentences=260)  # ~5,000-word documents
FAMILIES = {  # model-name pattern -> (tokenizer folder, chat template for it, context)
    "meta-llama-3-*": ("llama3", None, 8192),
    "llama3-openbiollm-*": ("llama3", None, 8192),
    "llama3-med42-*": ("llama3", None, 8192),
    "llama3-aloe-8b-alpha": ("llama3", None, 8192),
    "jsl-*": ("llama3", None, 8192),
    "llama-3.1-*": ("llama3.1", None, 131072),
    "llama3.1-aloe-beta-*": ("llama3.1", None, 131072),
    "meditron3-*": ("llama3.1", None, 131072),
    "llama-2-*": ("llama2", None, 4096),
    "meditron-7b": ("llama2", "llama2", 2048),
    "meditron-70b": ("llama2", "llama2", 4096),
    "mixtral-8x22b-*": ("llama2", "llama2", 65536),
    "phi-3-mini-128k-instruct": ("llama2", "llama2", 131072),
    "*": ("llama2", "llama2", 32768),  # Mistral-7B family, Mixtral-8x7B, Zephyr, BioMistral,
}                                      # InternistAI: 32,768 positions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", type=int, default=16)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if not TOKENIZERS.is_dir():
        raise SystemExit(f"{TOKENIZERS} is absent: the projection needs the real tokenizers")
    with tempfile.TemporaryDirectory() as data:
        write_datasets(Path(data), REAL)
        cmd = compose("run", ["experiment=clue", f"data_dir={data}"], RunCommand)
        settings = replace(
            compose("plan", [], PlanSettings), sample=args.sample,
            out=str(args.out) if args.out else None,
            tokenizers={p: str(TOKENIZERS / t) for p, (t, _, _) in FAMILIES.items()},
            chat_templates={p: c for p, (_, c, _) in FAMILIES.items() if c},
            max_context={p: n for p, (_, _, n) in FAMILIES.items()})
        print_projection(cmd, settings)


if __name__ == "__main__":
    main()
